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
-- column: product_number — the product number (latest seen)
-- column: product_name — the product's name (latest seen); '(no product)' for text lines
-- column: booked_quantity — quantity sold on booked lines (credit lines count negative)
-- column: booked_line_count — lines of invoiced and confirmed orders
-- column: booked_net_amount — booked revenue excluding tax; base currency
-- column: booked_tax_amount — tax on booked revenue; base currency
-- column: booked_total_amount — booked revenue including tax; base currency
-- column: pipeline_line_count — lines of draft, web and proposal orders
-- column: pipeline_net_amount — pipeline excluding tax; base currency
-- column: pipeline_tax_amount — tax on the pipeline; base currency
-- column: pipeline_total_amount — pipeline including tax; base currency

create or replace view reports.rpt_revenue_by_product as

with

lines as (

    select * from marts.fct_sales_order_lines
    where is_booked or status_category = 'pipeline'

),

products as (

    select * from marts.dim_products

),

final as (

    select
        -- month and product
        lines.order_month as month,
        lines.product_id,
        any_value(products.product_number) as product_number,
        coalesce(
            any_value(products.product_name),
            case when lines.product_id is null then '(no product)' end
        ) as product_name,

        -- revenue
        coalesce(sum(lines.quantity) filter (where lines.is_booked), 0)::decimal(18, 6)
            as booked_quantity,
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
    left join products on lines.product_id = products.product_id
    group by lines.order_month, lines.product_id

)

select * from final
order by month, product_id nulls last
