-- grain: one row per currency in the master data (currency_code), deleted ones included and
--   flagged
-- description: The currencies of raw.currencies (GET /currencies) with their rate to the base
--   currency as last read. Orders convert with their own rate (stg_sales_orders.exchange_rate),
--   never with this one. marts.dim_currencies builds on it; empty when master data was never
--   loaded.
--
-- column: currency_code — the currency's ISO code (key)
-- column: currency_rate — base currency units per unit of the currency, as last read
-- column: is_deleted — true when the API no longer lists the currency (tombstoned by the loader)
-- column: deleted_at — when the loader found the currency deleted (null while listed)
-- column: run_id — the pipeline run that last loaded the currency
-- column: extracted_at — when that run read the currency from the API

create or replace view staging.stg_currencies as

with

currencies as (

    select * from raw.currencies

),

final as (

    select
        -- key
        currency_code,

        -- rate
        rate as currency_rate,

        -- state
        deleted_at is not null as is_deleted,
        deleted_at,

        -- lineage
        run_id,
        extracted_at

    from currencies

)

select * from final
