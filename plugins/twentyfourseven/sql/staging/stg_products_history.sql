-- grain: one row per version of a product in the master data (product_id, valid_from)
-- description: Every version of each product the pipeline has read (raw.products_history, as a
--   dbt snapshot keeps them): valid from valid_from until valid_to (null: still current). The
--   first version seen is taken to hold since 1900-01-01; a deleted product's last version ends
--   at its deletion. marts.dim_product_versions builds on it.
--
-- column: product_id — the product's ID in 24SevenOffice (key)
-- column: valid_from — when this version began to hold (key)
-- column: valid_to — when the next version (or the deletion) replaced it; null while current
-- column: is_current — true for the version that holds now (valid_to null)
-- column: product_number — the product number in this version
-- column: product_name — the product's name in this version
-- column: product_type — the product's type
-- column: product_status — the product's status
-- column: unit_name — the unit's name
-- column: cost_price — unit cost price in this version; base currency
-- column: sales_price — unit sales price in this version; base currency
-- column: category_id — the product's category in this version
-- column: modified_at — the product's modifiedAt in this version
-- column: run_id — the pipeline run that found this version

create or replace view staging.stg_products_history as

with

versions as (

    select * from raw.products_history

),

final as (

    select
        -- keys and validity
        product_id,
        valid_from,
        valid_to,
        valid_to is null as is_current,

        -- the product in this version
        product_number,
        name as product_name,
        product_type,
        status as product_status,
        unit_name,
        cost_price,
        sales_price,
        category_id,
        modified_at,

        -- lineage
        run_id

    from versions

)

select * from final
