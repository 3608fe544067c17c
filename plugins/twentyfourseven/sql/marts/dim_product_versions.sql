-- grain: one row per version of a product in the master data (product_id, valid_from)
-- description: Every version of each product (staging.stg_products_history), valid from
--   valid_from until valid_to (null: still current), with the category it was in then and that
--   category's path (by the category's names today). marts.fct_sales_order_lines takes the
--   version valid at each line's order date (sale_category_id, the product's cost price at the
--   time of the sale).
--
-- column: product_id — the product (key) (→ marts.dim_products)
-- column: valid_from — when this version began to hold (key)
-- column: valid_to — when the next version (or the deletion) replaced it; null while current
-- column: is_current — true for the version that holds now
-- column: product_number — the product number in this version
-- column: product_name — the product's name in this version
-- column: product_status — the product's status in this version
-- column: cost_price — unit cost price in this version; base currency
-- column: sales_price — unit sales price in this version; base currency
-- column: category_id — the product's category in this version (→ marts.dim_product_categories)
-- column: category_name — that category's name
-- column: category_path — that category's path from the top, joined by ' > '
-- column: category_level_1 — the name of the path's level 1 (the top)
-- column: category_level_2 — the name of level 2 (null when the path is shorter)
-- column: category_level_3 — the name of level 3 (null when the path is shorter)
-- column: category_level_4 — the name of level 4 (null when the path is shorter)

create or replace table marts.dim_product_versions as

with

versions as (

    select * from staging.stg_products_history

),

categories as (

    select * from marts.dim_product_categories

),

final as (

    select
        -- keys and validity
        versions.product_id,
        versions.valid_from,
        versions.valid_to,
        versions.is_current,

        -- the product in this version
        versions.product_number,
        versions.product_name,
        versions.product_status,
        versions.cost_price,
        versions.sales_price,

        -- its category then
        versions.category_id,
        categories.category_name,
        categories.category_path,
        categories.category_level_1,
        categories.category_level_2,
        categories.category_level_3,
        categories.category_level_4

    from versions
    left join categories on versions.category_id = categories.category_id

)

select * from final
