-- grain: one row per month and customer with booked or pipeline lines (month, customer_id)
-- description: Booked (invoiced + confirmed) and pipeline revenue by customer and order month.
--   For any period, filter on month and sum: e.g. where month between '2025-01-01' and
--   '2025-03-01' for the first quarter of 2025. All amounts are in the base currency, from the
--   lines of live orders (deleted and inactive orders never count; text lines included).
--
-- column: month — first day of the order month
-- column: customer_id — the customer (→ marts.dim_customers)
-- column: customer_name — the customer's name (latest snapshot)
-- column: country_code — the customer's country (latest snapshot)
-- column: booked_line_count — lines of invoiced and confirmed orders
-- column: booked_net_amount — booked revenue excluding tax; base currency
-- column: booked_tax_amount — tax on booked revenue; base currency
-- column: booked_total_amount — booked revenue including tax; base currency
-- column: pipeline_line_count — lines of draft, web and proposal orders
-- column: pipeline_net_amount — pipeline excluding tax; base currency
-- column: pipeline_tax_amount — tax on the pipeline; base currency
-- column: pipeline_total_amount — pipeline including tax; base currency

create or replace view reports.rpt_revenue_by_customer as

with

lines as (

    select * from marts.fct_sales_order_lines
    where is_booked or status_category = 'pipeline'

),

customers as (

    select * from marts.dim_customers

),

final as (

    select
        -- month and customer
        lines.order_month as month,
        lines.customer_id,
        any_value(customers.customer_name) as customer_name,
        any_value(customers.country_code) as country_code,

        -- revenue
        count(*) filter (where lines.is_booked) as booked_line_count,
        coalesce(sum(lines.net_amount_base) filter (where lines.is_booked), 0)::decimal(18, 2)
            as booked_net_amount,
        coalesce(sum(lines.tax_amount_base) filter (where lines.is_booked), 0)::decimal(18, 2)
            as booked_tax_amount,
        coalesce(sum(lines.total_amount_base) filter (where lines.is_booked), 0)::decimal(18, 2)
            as booked_total_amount,
        count(*) filter (where lines.status_category = 'pipeline') as pipeline_line_count,
        coalesce(
            sum(lines.net_amount_base) filter (where lines.status_category = 'pipeline'), 0
        )::decimal(18, 2) as pipeline_net_amount,
        coalesce(
            sum(lines.tax_amount_base) filter (where lines.status_category = 'pipeline'), 0
        )::decimal(18, 2) as pipeline_tax_amount,
        coalesce(
            sum(lines.total_amount_base) filter (where lines.status_category = 'pipeline'), 0
        )::decimal(18, 2) as pipeline_total_amount

    from lines
    left join customers on lines.customer_id = customers.customer_id
    group by lines.order_month, lines.customer_id

)

select * from final
order by month, customer_id
