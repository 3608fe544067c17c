-- grain: one row per tax code in the master data (tax_id), deleted ones included and flagged
-- description: The tax codes of raw.tax_codes (GET /taxes): number, name and rate as
--   24SevenOffice holds them. marts.dim_tax_codes builds on it; empty when master data was
--   never loaded.
--
-- column: tax_id — the tax code's ID in 24SevenOffice (key)
-- column: tax_number — the tax code's number visible to users
-- column: tax_name — the tax code's name
-- column: tax_rate — the tax rate in percent (25 means 25 %)
-- column: is_deleted — true when the API no longer lists the tax code (tombstoned by the loader)
-- column: deleted_at — when the loader found the tax code deleted (null while listed)
-- column: run_id — the pipeline run that last loaded the tax code
-- column: extracted_at — when that run read the tax code from the API

create or replace view staging.stg_tax_codes as

with

tax_codes as (

    select * from raw.tax_codes

),

final as (

    select
        -- key
        tax_id,

        -- attributes
        tax_number,
        name as tax_name,
        rate as tax_rate,

        -- state
        deleted_at is not null as is_deleted,
        deleted_at,

        -- lineage
        run_id,
        extracted_at

    from tax_codes

)

select * from final
