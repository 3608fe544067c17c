-- grain: one row per calendar month (month), every month from the first to the last month any
--   of the three views has (recognized months can run past the latest order: is_future)
-- description: Revenue by month in three views side by side, ready to chart. The sales view (by
--   order month): booked revenue (invoiced + confirmed orders) and pipeline (draft, web and
--   proposal orders) of the orders dated in the month, with month-over-month and year-over-year
--   change of booked and pipeline net revenue. The ledger view (by invoice month): invoiced
--   orders whose invoice date is in the month, what the accounts and the VAT return count. The
--   recognized view: booked net revenue recognized in the month (marts.fct_revenue_schedule:
--   a line with an accrual spread over its accrual's months, to the cent; a line without one
--   in its invoice month, or its order month while not invoiced). All amounts are in the base
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
-- column: invoiced_order_count — invoiced orders (Invoice, AdvanceInvoice) whose invoice date is
--   in the month, whatever their order date
-- column: invoiced_by_invoice_month_net_amount — their net amount (excluding tax): the ledger's
--   revenue of the month; base currency
-- column: invoiced_by_invoice_month_tax_amount — their tax: the VAT of the month; base currency
-- column: invoiced_by_invoice_month_total_amount — their amount including tax; base currency
-- column: recognized_net_amount — booked net revenue (invoiced and confirmed orders) recognized
--   in the month: the month's parts of the lines' net amounts; base currency
-- column: is_future — true for the months after the latest order or invoice month, which only
--   revenue recognized later (accruals running on) falls in; "the last 12 months" are those
--   up to the latest month where this is false
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

schedule as (

    select * from marts.fct_revenue_schedule

),

invoiced_by_invoice_month as (

    select
        invoice_month as month,
        count(*) as invoiced_order_count,
        sum(net_amount_base) as net_amount,
        sum(tax_amount_base) as tax_amount,
        sum(total_amount_base) as total_amount

    from orders
    where status_category = 'invoiced' and invoice_month is not null
    group by invoice_month

),

recognized as (

    select
        month,
        sum(net_amount_base) as net_amount

    from schedule
    where is_booked and month is not null
    group by month

),

-- the data's present: the latest month an order was taken or invoiced in
last_month as (

    select greatest(max(order_month), max(invoice_month)) as month
    from orders

),

view_months as (

    select order_month as month from orders
    union all
    select month from invoiced_by_invoice_month
    union all
    select month from recognized

),

months as (

    select unnest(generate_series(min(month), max(month), interval 1 month))::date as month
    from view_months

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

every_month_three_views as (

    select
        with_earlier.*,
        coalesce(invoiced_by_invoice_month.invoiced_order_count, 0) as invoiced_order_count,
        coalesce(invoiced_by_invoice_month.net_amount, 0)::decimal(38, 2)
            as invoiced_by_invoice_month_net_amount,
        coalesce(invoiced_by_invoice_month.tax_amount, 0)::decimal(38, 2)
            as invoiced_by_invoice_month_tax_amount,
        coalesce(invoiced_by_invoice_month.total_amount, 0)::decimal(38, 2)
            as invoiced_by_invoice_month_total_amount,
        coalesce(recognized.net_amount, 0)::decimal(38, 2) as recognized_net_amount,
        with_earlier.month > last_month.month as is_future

    from with_earlier
    cross join last_month
    left join invoiced_by_invoice_month on with_earlier.month = invoiced_by_invoice_month.month
    left join recognized on with_earlier.month = recognized.month

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

        -- the ledger view: by invoice month
        invoiced_order_count,
        invoiced_by_invoice_month_net_amount,
        invoiced_by_invoice_month_tax_amount,
        invoiced_by_invoice_month_total_amount,

        -- the recognized view
        recognized_net_amount,
        is_future,

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

    from every_month_three_views

)

select * from final
order by month
