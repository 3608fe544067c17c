-- grain: one row per month and product with booked or pipeline lines (month, product_id);
--   text lines form one row per month with product_id null
-- description: Booked (invoiced + confirmed) and pipeline revenue by product and order month.
--   For any period, filter on month and sum: e.g. where month between '2025-01-01' and
--   '2025-03-01' for the first quarter of 2025. All amounts are in the base currency, from the
--   lines of live orders (deleted and inactive orders never count; text lines included).
--
-- column: month — first day of the order month
-- column: product_id — the product (→ marts.dim_products); null for text lines (and any line
--   without a product)
-- column: product_number — the product number (master data, else latest seen)
-- column: product_name — the product's name (master data, else latest seen); '(no product)'
--   for text lines
-- column: booked_quantity — quantity sold on booked lines (credit lines count negative)
-- column: booked_line_count — lines of invoiced and confirmed orders
-- column: booked_net_amount — booked revenue excluding tax; base currency
-- column: booked_tax_amount — tax on booked revenue; base currency
-- column: booked_total_amount — booked revenue including tax; base currency
-- column: booked_discount_amount — discount given on booked lines (gross − net); base currency
-- column: pipeline_line_count — lines of draft, web and proposal orders
-- column: pipeline_net_amount — pipeline excluding tax; base currency
-- column: pipeline_tax_amount — tax on the pipeline; base currency
-- column: pipeline_total_amount — pipeline including tax; base currency

create or replace view reports.rpt_revenue_by_product as

with

revenue as (

    select * from reports.base_revenue_by_dimension
    where dimension = 'product'

),

products as (

    select * from marts.dim_products

),

final as (

    select
        -- month and product
        revenue.month,
        revenue.dimension_id as product_id,
        products.product_number,
        coalesce(
            products.product_name,
            case when revenue.dimension_id is null then '(no product)' end
        ) as product_name,

        -- revenue
        revenue.* exclude (month, dimension, dimension_id)

    from revenue
    left join products on revenue.dimension_id = products.product_id

)

select * from final
order by month, product_id nulls last
