-- grain: one row per product in the master data (product_id), deleted ones included and flagged
-- description: The products of raw.products (GET /products), typed and renamed: number, name,
--   type, status, unit, cost and sales price, category. Prices are the master data's, in the
--   base currency. marts.dim_products builds on it; empty when master data was never loaded.
--
-- column: product_id — the product's ID in 24SevenOffice (key)
-- column: product_number — the product number
-- column: product_name — the product's name
-- column: product_type — the product's type as the API gives it
-- column: product_status — the product's status as the API gives it
-- column: unit_name — the unit's name
-- column: unit_symbol — the unit's symbol
-- column: cost_price — unit cost price; base currency (null when not given)
-- column: sales_price — unit sales price; base currency (null when not given)
-- column: category_id — the product's category (null: none)
-- column: is_deleted — true when the API no longer lists the product (tombstoned by the loader)
-- column: created_at — when the product was created in 24SevenOffice
-- column: modified_at — when the product was last modified in 24SevenOffice
-- column: deleted_at — when the loader found the product deleted (null while listed)
-- column: run_id — the pipeline run that last loaded the product
-- column: extracted_at — when that run read the product from the API

create or replace view staging.stg_products as

with

products as (

    select * from raw.products

),

final as (

    select
        -- key
        product_id,

        -- what
        product_number,
        name as product_name,
        product_type,
        status as product_status,
        unit_name,
        unit_symbol,
        cost_price,
        sales_price,
        category_id,

        -- state and times
        deleted_at is not null as is_deleted,
        created_at,
        modified_at,
        deleted_at,

        -- lineage
        run_id,
        extracted_at

    from products

)

select * from final
