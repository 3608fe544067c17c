-- grain: one row per line of a live sales order and month its revenue is recognized in
--   (order_id, line_id, month_number)
-- description: Recognized revenue: each line of marts.fct_sales_order_lines spread over the
--   months it is recognized in. A line with an accrual (its own, else its order's) is
--   recognized over its accrual's months, from the month of its start date; a line without
--   one in a single month: its invoice month on an invoiced order, else its order month
--   (while not invoiced). Each amount is split in whole cents: every month gets the amount
--   divided by the months, truncated toward zero, and the remainder cents go one each to the
--   earliest months (12 months of 1,000.00: 83.34 in months 1-4, 83.33 in months 5-12; of
--   -1,000.00: -83.34 then -83.33), so a line's months sum exactly to the line's amount.
--   total = net + tax in every month, in both currencies. Lean on purpose (a row per month is
--   many rows): the line's customer, product, tax code, account and accrual are in
--   marts.fct_sales_order_lines, joined on (order_id, line_id).
--
-- column: order_id — the order (key) (→ marts.fct_sales_orders)
-- column: line_id — the line's ID in 24SevenOffice; unique within its order (key)
-- column: month_number — the month's place in the line's schedule: 1 to month_count (key)
-- column: month — first day of the month the amounts are recognized in (null where the line's
--   order has no date and no accrual)
-- column: month_count — months the line is recognized over (its accrual's length, else 1)
-- column: is_booked — true on invoiced and confirmed orders: booked revenue
-- column: net_amount — the month's part of the line's net_amount; order currency
-- column: tax_amount — the month's part of the line's tax_amount; order currency
-- column: total_amount — net_amount + tax_amount; order currency
-- column: net_amount_base — the month's part of the line's net_amount_base; base currency
-- column: tax_amount_base — the month's part of the line's tax_amount_base; base currency
-- column: total_amount_base — net_amount_base + tax_amount_base; base currency

create or replace table marts.fct_revenue_schedule as

with

lines as (

    select
        order_id,
        line_id,
        recognition_start_month,
        recognition_month_count,
        is_booked,
        net_amount,
        tax_amount,
        total_amount,
        net_amount_base,
        tax_amount_base,
        total_amount_base

    from marts.fct_sales_order_lines

),

-- most lines are recognized in one month: their amounts as they are, no arithmetic
single_month as (

    select
        order_id,
        line_id,
        1 as month_number,
        recognition_start_month as month,
        recognition_month_count as month_count,
        * exclude (order_id, line_id, recognition_start_month, recognition_month_count)

    from lines
    where recognition_month_count = 1

),

-- the others in cents (HUGEINT: a line's amount may reach 10^24, beyond BIGINT's cents)
spread_cents as (

    select
        *,
        (net_amount * 100)::hugeint as net_cents,
        (tax_amount * 100)::hugeint as tax_cents,
        (net_amount_base * 100)::hugeint as net_base_cents,
        (tax_amount_base * 100)::hugeint as tax_base_cents

    from lines
    where recognition_month_count > 1

),

-- once per line: the share of a month, cents // months (// truncates toward zero), and the
-- remainder cents, |cents % months|, each of the amount's sign
spread_lines as (

    select
        *,
        net_cents // recognition_month_count as net_share,
        abs(net_cents % recognition_month_count) as net_rest,
        sign(net_cents) as net_sign,
        tax_cents // recognition_month_count as tax_share,
        abs(tax_cents % recognition_month_count) as tax_rest,
        sign(tax_cents) as tax_sign,
        net_base_cents // recognition_month_count as net_base_share,
        abs(net_base_cents % recognition_month_count) as net_base_rest,
        sign(net_base_cents) as net_base_sign,
        tax_base_cents // recognition_month_count as tax_base_share,
        abs(tax_base_cents % recognition_month_count) as tax_base_rest,
        sign(tax_base_cents) as tax_base_sign

    from spread_cents

),

spread_months as (

    select
        *,
        unnest(range(recognition_month_count)) as month_index

    from spread_lines

),

-- a month's part: the share, and one remainder cent more in each of the earliest months
spread as (

    select
        order_id,
        line_id,
        month_index + 1 as month_number,
        (recognition_start_month + to_months(month_index))::date as month,
        recognition_month_count as month_count,
        is_booked,
        net_share + (month_index < net_rest)::integer * net_sign as net_part_cents,
        tax_share + (month_index < tax_rest)::integer * tax_sign as tax_part_cents,
        net_base_share + (month_index < net_base_rest)::integer * net_base_sign
            as net_base_part_cents,
        tax_base_share + (month_index < tax_base_rest)::integer * tax_base_sign
            as tax_base_part_cents

    from spread_months

),

spread_amounts as (

    select
        order_id,
        line_id,
        month_number,
        month,
        month_count,
        is_booked,
        net_part_cents::decimal(38, 0) * 0.01 as net_amount,
        tax_part_cents::decimal(38, 0) * 0.01 as tax_amount,
        (net_part_cents + tax_part_cents)::decimal(38, 0) * 0.01 as total_amount,
        net_base_part_cents::decimal(38, 0) * 0.01 as net_amount_base,
        tax_base_part_cents::decimal(38, 0) * 0.01 as tax_amount_base,
        (net_base_part_cents + tax_base_part_cents)::decimal(38, 0) * 0.01 as total_amount_base

    from spread

),

final as (

    select * from single_month
    union all
    select * from spread_amounts

)

select * from final
