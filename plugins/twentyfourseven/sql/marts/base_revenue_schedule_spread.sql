-- grain: one row per month of a line recognized over two months or more (order_id, line_id,
--   month_number)
-- description: The months of the lines with an accrual of two months or more, each amount split
--   in whole cents, the remainder cents to the earliest months: the arithmetic of
--   marts.fct_revenue_schedule, a table because it is computed (the lines recognized in one
--   month need none). A building block: query marts.fct_revenue_schedule instead.
-- incremental: order_id
--
-- column: order_id — the order (its keys are checked in marts.fct_revenue_schedule, which holds
--   every row of this table)
-- column: line_id — the line's ID in 24SevenOffice; unique within its order
-- column: month_number — the month's place in the line's schedule: 1 to month_count
-- column: month — first day of the month the amounts are recognized in
-- column: month_count — months the line is recognized over (its accrual's length)
-- column: is_booked — true on invoiced and confirmed orders: booked revenue
-- column: net_amount — the month's part of the line's net_amount; order currency
-- column: tax_amount — the month's part of the line's tax_amount; order currency
-- column: total_amount — net_amount + tax_amount; order currency
-- column: net_amount_base — the month's part of the line's net_amount_base; base currency
-- column: tax_amount_base — the month's part of the line's tax_amount_base; base currency
-- column: total_amount_base — net_amount_base + tax_amount_base; base currency

create or replace table marts.base_revenue_schedule_spread as

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
        net_amount_base,
        tax_amount_base

    from marts.fct_sales_order_lines
    where recognition_month_count > 1

),

-- in cents (HUGEINT: a line's amount may reach 10^24, beyond BIGINT's cents)
spread_cents as (

    select
        *,
        (net_amount * 100)::hugeint as net_cents,
        (tax_amount * 100)::hugeint as tax_cents,
        (net_amount_base * 100)::hugeint as net_base_cents,
        (tax_amount_base * 100)::hugeint as tax_base_cents

    from lines

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

final as (

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

)

select * from final
