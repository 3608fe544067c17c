-- grain: one row per product seen on a line (product_id)
-- description: Products from the lines' product objects. The lines carry the product as it
--   was when the line was created, so the name is the latest line description seen
--   (preferring ordinary lines to credit lines).
--
-- column: product_id — the product's ID in 24SevenOffice (key)
-- column: product_number — the product number (latest seen)
-- column: product_name — the latest line description seen for the product
-- column: line_count — lines with the product (live orders)
-- column: first_order_date — order date of the earliest live order with the product
-- column: last_order_date — order date of the latest live order with the product

create or replace table marts.dim_products as

with

lines as (

    select * from staging.stg_sales_order_lines

),

orders as (

    select * from staging.stg_sales_orders

),

lines_seen as (

    select
        lines.product_id,
        lines.product_number,
        lines.description,
        orders.order_date,
        not orders.is_deleted as is_live,
        (
            lines.quantity >= 0,
            coalesce(orders.modified_at, '1970-01-01'::timestamptz),
            lines.extracted_at,
            lines.order_id,
            lines.line_id
        ) as seen

    from lines
    inner join orders on lines.order_id = orders.order_id
    where lines.product_id is not null

),

final as (

    select
        -- key
        product_id,

        -- latest values seen
        arg_max(product_number, seen) as product_number,
        arg_max(description, seen) as product_name,

        -- usage
        count(*) filter (where is_live) as line_count,
        min(order_date) filter (where is_live) as first_order_date,
        max(order_date) filter (where is_live) as last_order_date

    from lines_seen
    group by product_id

)

select * from final
