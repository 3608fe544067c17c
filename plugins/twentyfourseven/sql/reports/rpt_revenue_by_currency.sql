-- grain: one row per month and order currency with booked or pipeline orders (month,
--   currency_code)
-- description: Booked (invoiced + confirmed) and pipeline revenue by the orders' currency, in
--   that currency and converted to the base currency (each line converted with its order's
--   rate). A null currency_code means the base currency. Deleted and inactive orders never count.
--
-- column: month — first day of the order month
-- column: currency_code — the orders' currency (null: the base currency)
-- column: booked_order_count — invoiced and confirmed orders
-- column: booked_net_amount_in_currency — booked revenue excluding tax; order currency
-- column: booked_total_amount_in_currency — booked revenue including tax; order currency
-- column: booked_net_amount — booked revenue excluding tax; base currency
-- column: booked_total_amount — booked revenue including tax; base currency
-- column: pipeline_order_count — draft, web and proposal orders
-- column: pipeline_net_amount_in_currency — pipeline excluding tax; order currency
-- column: pipeline_net_amount — pipeline excluding tax; base currency

create or replace view reports.rpt_revenue_by_currency as

with

orders as (

    select * from marts.fct_sales_orders
    where is_booked or status_category = 'pipeline'

),

final as (

    select
        -- month and currency
        order_month as month,
        currency_code,

        -- booked
        count(*) filter (where is_booked) as booked_order_count,
        coalesce(sum(net_amount) filter (where is_booked), 0)::decimal(38, 2)
            as booked_net_amount_in_currency,
        coalesce(sum(total_amount) filter (where is_booked), 0)::decimal(38, 2)
            as booked_total_amount_in_currency,
        coalesce(sum(net_amount_base) filter (where is_booked), 0)::decimal(38, 2)
            as booked_net_amount,
        coalesce(sum(total_amount_base) filter (where is_booked), 0)::decimal(38, 2)
            as booked_total_amount,

        -- pipeline
        count(*) filter (where not is_booked) as pipeline_order_count,
        coalesce(sum(net_amount) filter (where not is_booked), 0)::decimal(38, 2)
            as pipeline_net_amount_in_currency,
        coalesce(sum(net_amount_base) filter (where not is_booked), 0)::decimal(38, 2)
            as pipeline_net_amount

    from orders
    group by order_month, currency_code

)

select * from final
order by month, currency_code nulls first
