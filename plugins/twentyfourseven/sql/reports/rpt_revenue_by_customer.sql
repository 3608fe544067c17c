-- grain: one row per month and customer with booked or pipeline lines (month, customer_id)
-- description: Booked (invoiced + confirmed) and pipeline revenue by customer and order month.
--   For any period, filter on month and sum: e.g. where month between '2025-01-01' and
--   '2025-03-01' for the first quarter of 2025. All amounts are in the base currency, from the
--   lines of live orders (deleted and inactive orders never count; text lines included).
--
-- column: month — first day of the order month
-- column: customer_id — the customer (→ marts.dim_customers)
-- column: customer_name — the customer's name (master data, else latest snapshot)
-- column: country_code — the customer's country (master data, else latest snapshot)
-- column: customer_type — company, person, or unknown (not in the master data)
-- column: booked_line_count — lines of invoiced and confirmed orders
-- column: booked_net_amount — booked revenue excluding tax; base currency
-- column: booked_tax_amount — tax on booked revenue; base currency
-- column: booked_total_amount — booked revenue including tax; base currency
-- column: booked_discount_amount — discount given on booked lines (gross − net); base currency
-- column: pipeline_line_count — lines of draft, web and proposal orders
-- column: pipeline_net_amount — pipeline excluding tax; base currency
-- column: pipeline_tax_amount — tax on the pipeline; base currency
-- column: pipeline_total_amount — pipeline including tax; base currency

create or replace view reports.rpt_revenue_by_customer as

with

revenue as (

    select * from reports.base_revenue_by_dimension
    where dimension = 'customer'

),

customers as (

    select * from marts.dim_customers

),

final as (

    select
        -- month and customer
        revenue.month,
        revenue.dimension_id as customer_id,
        customers.customer_name,
        customers.country_code,
        customers.customer_type,

        -- revenue
        revenue.* exclude (month, dimension, dimension_id, booked_quantity)

    from revenue
    left join customers on revenue.dimension_id = customers.customer_id

)

select * from final
order by month, customer_id
