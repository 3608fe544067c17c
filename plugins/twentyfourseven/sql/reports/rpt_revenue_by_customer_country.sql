-- grain: one row per month, customer country and customer type with booked or pipeline lines
--   (month, country_code, customer_type)
-- description: Booked (invoiced + confirmed) and pipeline revenue and discount by the customer's
--   country and type (company or person) and order month, by the customer as the master data
--   holds it today (marts.dim_customers; the latest order snapshot for a customer it lacks).
--   Sum over customer_type for countries, over country_code for company against person. All
--   amounts in the base currency, from the lines of live orders.
--
-- column: month — first day of the order month
-- column: country_code — the customer's country code (null: not known)
-- column: customer_type — company, person, or unknown (not in the master data, or not given)
-- column: customer_count — customers with lines in the month
-- column: booked_line_count — lines of invoiced and confirmed orders
-- column: booked_gross_amount — booked revenue before discount, excluding tax; base currency
-- column: booked_discount_amount — discount given on booked lines (gross − net); base currency
-- column: booked_net_amount — booked revenue excluding tax; base currency
-- column: booked_tax_amount — tax on booked revenue; base currency
-- column: booked_total_amount — booked revenue including tax; base currency
-- column: pipeline_line_count — lines of draft, web and proposal orders
-- column: pipeline_net_amount — pipeline excluding tax; base currency

create or replace view reports.rpt_revenue_by_customer_country as

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
        -- month, country and type
        lines.order_month as month,
        customers.country_code,
        coalesce(customers.customer_type, 'unknown') as customer_type,
        count(distinct lines.customer_id) as customer_count,

        -- booked
        count(*) filter (where lines.is_booked) as booked_line_count,
        coalesce(sum(lines.gross_amount_base) filter (where lines.is_booked), 0)::decimal(38, 2)
            as booked_gross_amount,
        coalesce(
            sum(lines.discount_amount_base) filter (where lines.is_booked), 0
        )::decimal(38, 2) as booked_discount_amount,
        coalesce(sum(lines.net_amount_base) filter (where lines.is_booked), 0)::decimal(38, 2)
            as booked_net_amount,
        coalesce(sum(lines.tax_amount_base) filter (where lines.is_booked), 0)::decimal(38, 2)
            as booked_tax_amount,
        coalesce(sum(lines.total_amount_base) filter (where lines.is_booked), 0)::decimal(38, 2)
            as booked_total_amount,

        -- pipeline
        count(*) filter (where lines.status_category = 'pipeline') as pipeline_line_count,
        coalesce(
            sum(lines.net_amount_base) filter (where lines.status_category = 'pipeline'), 0
        )::decimal(38, 2) as pipeline_net_amount

    from lines
    left join customers on lines.customer_id = customers.customer_id
    group by lines.order_month, customers.country_code, coalesce(customers.customer_type, 'unknown')

)

select * from final
order by month, country_code nulls last, customer_type
