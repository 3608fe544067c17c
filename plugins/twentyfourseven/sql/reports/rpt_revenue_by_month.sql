-- grain: one row per calendar month (month), every month from the first to the last order
-- description: Revenue by order month, ready to chart: booked revenue (invoiced + confirmed
--   orders) and pipeline (draft, web and proposal orders) side by side, with month-over-month
--   and year-over-year change of booked and pipeline net revenue. All amounts are in the base
--   currency, summed from the lines of live orders (text lines included); inactive orders and
--   deleted orders never count. Changes in percent are relative to the earlier month's amount
--   (null where that is 0 or absent), rounded to 2 decimals (half to even).
--
-- column: month — first day of the month (key)
-- column: booked_order_count — invoiced and confirmed orders dated in the month
-- column: booked_net_amount — booked revenue excluding tax; base currency
-- column: booked_tax_amount — tax on booked revenue; base currency
-- column: booked_total_amount — booked revenue including tax; base currency
-- column: invoiced_net_amount — the invoiced part of booked_net_amount; base currency
-- column: confirmed_net_amount — the confirmed part of booked_net_amount; base currency
-- column: pipeline_order_count — draft, web and proposal orders dated in the month
-- column: pipeline_net_amount — pipeline excluding tax; base currency
-- column: pipeline_tax_amount — tax on the pipeline; base currency
-- column: pipeline_total_amount — pipeline including tax; base currency
-- column: booked_net_mom_change — booked_net_amount minus that of the month before
-- column: booked_net_mom_change_pct — booked_net_mom_change in percent of the month before
-- column: booked_net_yoy_change — booked_net_amount minus that of the same month a year before
-- column: booked_net_yoy_change_pct — booked_net_yoy_change in percent of that month
-- column: pipeline_net_mom_change — pipeline_net_amount minus that of the month before
-- column: pipeline_net_mom_change_pct — pipeline_net_mom_change in percent of the month before
-- column: pipeline_net_yoy_change — pipeline_net_amount minus that of the same month a year
--   before
-- column: pipeline_net_yoy_change_pct — pipeline_net_yoy_change in percent of that month

create or replace view reports.rpt_revenue_by_month as

with

orders as (

    select * from marts.fct_sales_orders

),

months as (

    select
        unnest(generate_series(min(order_month), max(order_month), interval 1 month))::date
            as month
    from orders

),

every_month as (

    select
        months.month,
        count(orders.order_id) filter (where orders.is_booked) as booked_order_count,
        coalesce(sum(orders.net_amount_base) filter (where orders.is_booked), 0)::decimal(38, 2)
            as booked_net_amount,
        coalesce(sum(orders.tax_amount_base) filter (where orders.is_booked), 0)::decimal(38, 2)
            as booked_tax_amount,
        coalesce(sum(orders.total_amount_base) filter (where orders.is_booked), 0)::decimal(38, 2)
            as booked_total_amount,
        coalesce(
            sum(orders.net_amount_base) filter (where orders.status_category = 'invoiced'), 0
        )::decimal(38, 2) as invoiced_net_amount,
        coalesce(
            sum(orders.net_amount_base) filter (where orders.status_category = 'confirmed'), 0
        )::decimal(38, 2) as confirmed_net_amount,
        count(orders.order_id) filter (where orders.status_category = 'pipeline')
            as pipeline_order_count,
        coalesce(
            sum(orders.net_amount_base) filter (where orders.status_category = 'pipeline'), 0
        )::decimal(38, 2) as pipeline_net_amount,
        coalesce(
            sum(orders.tax_amount_base) filter (where orders.status_category = 'pipeline'), 0
        )::decimal(38, 2) as pipeline_tax_amount,
        coalesce(
            sum(orders.total_amount_base) filter (where orders.status_category = 'pipeline'), 0
        )::decimal(38, 2) as pipeline_total_amount

    from months
    left join orders on months.month = orders.order_month
    group by months.month

),

with_earlier as (

    select
        *,
        lag(booked_net_amount, 1) over by_month as booked_net_month_before,
        lag(booked_net_amount, 12) over by_month as booked_net_year_before,
        lag(pipeline_net_amount, 1) over by_month as pipeline_net_month_before,
        lag(pipeline_net_amount, 12) over by_month as pipeline_net_year_before

    from every_month
    window by_month as (order by month)

),

final as (

    select
        -- month
        month,

        -- booked revenue
        booked_order_count,
        booked_net_amount,
        booked_tax_amount,
        booked_total_amount,
        invoiced_net_amount,
        confirmed_net_amount,

        -- pipeline
        pipeline_order_count,
        pipeline_net_amount,
        pipeline_tax_amount,
        pipeline_total_amount,

        -- change of booked net revenue
        (booked_net_amount - booked_net_month_before)::decimal(38, 2) as booked_net_mom_change,
        decimal_division(
            ((booked_net_amount - booked_net_month_before) * 100)::decimal(36, 2),
            nullif(abs(booked_net_month_before), 0)::decimal(36, 2),
            2
        )::decimal(38, 2) as booked_net_mom_change_pct,
        (booked_net_amount - booked_net_year_before)::decimal(38, 2) as booked_net_yoy_change,
        decimal_division(
            ((booked_net_amount - booked_net_year_before) * 100)::decimal(36, 2),
            nullif(abs(booked_net_year_before), 0)::decimal(36, 2),
            2
        )::decimal(38, 2) as booked_net_yoy_change_pct,

        -- change of the pipeline
        (pipeline_net_amount - pipeline_net_month_before)::decimal(38, 2)
            as pipeline_net_mom_change,
        decimal_division(
            ((pipeline_net_amount - pipeline_net_month_before) * 100)::decimal(36, 2),
            nullif(abs(pipeline_net_month_before), 0)::decimal(36, 2),
            2
        )::decimal(38, 2) as pipeline_net_mom_change_pct,
        (pipeline_net_amount - pipeline_net_year_before)::decimal(38, 2)
            as pipeline_net_yoy_change,
        decimal_division(
            ((pipeline_net_amount - pipeline_net_year_before) * 100)::decimal(36, 2),
            nullif(abs(pipeline_net_year_before), 0)::decimal(36, 2),
            2
        )::decimal(38, 2) as pipeline_net_yoy_change_pct

    from with_earlier

)

select * from final
order by month
