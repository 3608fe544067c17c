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
--   total = net + tax in every month, in both currencies. A view: the lines recognized in one
--   month as they are, and the months of the others from marts.base_revenue_schedule_spread,
--   so neither the build nor the snapshot copies every line again. Lean on purpose: the line's
--   customer, product, tax code, account and accrual are in marts.fct_sales_order_lines,
--   joined on (order_id, line_id).
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

create or replace view marts.fct_revenue_schedule as

with

lines as (

    select * from marts.fct_sales_order_lines
    where recognition_month_count = 1

),

spread as (

    select * from marts.base_revenue_schedule_spread

),

-- most lines are recognized in one month: their amounts as they are, no arithmetic
single_month as (

    select
        order_id,
        line_id,
        1 as month_number,
        recognition_start_month as month,
        recognition_month_count as month_count,
        is_booked,
        net_amount,
        tax_amount,
        total_amount,
        net_amount_base,
        tax_amount_base,
        total_amount_base

    from lines

),

final as (

    select * from single_month
    union all
    select * from spread

)

select * from final
