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

    select * from marts.base_sales_order_lines
    where product_id is not null

),

final as (

    select
        -- key
        product_id,

        -- latest values seen, ordinary lines before credit lines
        arg_max(product_number, (quantity >= 0, seen)) as product_number,
        arg_max(description, (quantity >= 0, seen)) as product_name,

        -- usage
        count(*) filter (where not is_deleted) as line_count,
        min(order_date) filter (where not is_deleted) as first_order_date,
        max(order_date) filter (where not is_deleted) as last_order_date

    from lines
    group by product_id

)

select * from final
