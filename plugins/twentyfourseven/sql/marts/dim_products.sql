-- grain: one row per product in the master data or seen on a line (product_id)
-- description: Products from the master data (staging.stg_products: number, name, type, status,
--   unit, cost and sales price, category with every level of its path, as 24SevenOffice holds
--   them today). A product a line references that the master data lacks (never loaded, or
--   deleted before it was read) keeps a row built from the lines, flagged is_from_master_data =
--   false: its number and the latest line description seen (ordinary lines before credit lines)
--   as its name, no category. A product deleted upstream after it was read keeps its last
--   master values (is_deleted). reports.rpt_dimension_fallbacks lists both kinds.
--
-- column: product_id — the product's ID in 24SevenOffice (key)
-- column: product_number — the product number
-- column: product_name — the product's name (for a product missing from the master data: the
--   latest line description seen)
-- column: product_type — the product's type (null where the master data lacks the product)
-- column: product_status — the product's status (null where the master data lacks the product)
-- column: unit_name — the unit's name
-- column: unit_symbol — the unit's symbol
-- column: cost_price — unit cost price today; base currency
-- column: sales_price — unit sales price today; base currency
-- column: category_id — the product's category today (→ marts.dim_product_categories)
-- column: category_name — the category's name
-- column: category_path — the category's path from the top, joined by ' > '
-- column: category_level_1 — the name of the category path's level 1 (the top)
-- column: category_level_2 — the name of level 2 (null when the path is shorter)
-- column: category_level_3 — the name of level 3 (null when the path is shorter)
-- column: category_level_4 — the name of level 4 (null when the path is shorter)
-- column: is_from_master_data — false for a product built from the lines (the master data lacks
--   it)
-- column: is_deleted — true when the API no longer lists the product (its last values kept)
-- column: line_count — lines with the product (live orders)
-- column: first_order_date — order date of the earliest live order with the product
-- column: last_order_date — order date of the latest live order with the product

create or replace table marts.dim_products as

with

master_products as (

    select * from staging.stg_products

),

categories as (

    select * from marts.dim_product_categories

),

lines as (

    select * from marts.base_sales_order_lines
    where product_id is not null

),

-- what the lines say of each product, and how they use it
line_products as (

    select
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

),

products as (

    select
        product_id,
        product_number,
        product_name,
        product_type,
        product_status,
        unit_name,
        unit_symbol,
        cost_price,
        sales_price,
        category_id,
        true as is_from_master_data,
        is_deleted

    from master_products

    union all

    select
        product_id,
        product_number,
        product_name,
        null::varchar,
        null::varchar,
        null::varchar,
        null::varchar,
        null::decimal(28, 16),
        null::decimal(28, 16),
        null::bigint,
        false,
        false

    from line_products
    where product_id not in (select product_id from master_products)

),

final as (

    select
        -- key
        products.product_id,

        -- the product
        products.product_number,
        products.product_name,
        products.product_type,
        products.product_status,
        products.unit_name,
        products.unit_symbol,
        products.cost_price,
        products.sales_price,

        -- its category today
        products.category_id,
        categories.category_name,
        categories.category_path,
        categories.category_level_1,
        categories.category_level_2,
        categories.category_level_3,
        categories.category_level_4,

        -- where the row comes from
        products.is_from_master_data,
        products.is_deleted,

        -- usage
        coalesce(line_products.line_count, 0) as line_count,
        line_products.first_order_date,
        line_products.last_order_date

    from products
    left join categories on products.category_id = categories.category_id
    left join line_products on products.product_id = line_products.product_id

)

select * from final
