-- grain: one row per ledger account in the master data (account_id), deleted ones included and
--   flagged
-- description: The accounts of raw.accounts (GET /accounts): number, name and the account's tax
--   code as 24SevenOffice holds them. marts.dim_accounts builds on it; empty when master data
--   was never loaded.
--
-- column: account_id — the account's ID in 24SevenOffice (key)
-- column: account_number — the account number
-- column: account_name — the account's name
-- column: tax_id — the account's default tax code (null: none)
-- column: is_deleted — true when the API no longer lists the account (tombstoned by the loader)
-- column: deleted_at — when the loader found the account deleted (null while listed)
-- column: run_id — the pipeline run that last loaded the account
-- column: extracted_at — when that run read the account from the API

create or replace view staging.stg_accounts as

with

accounts as (

    select * from raw.accounts

),

final as (

    select
        -- key
        account_id,

        -- attributes
        account_number,
        name as account_name,
        tax_id,

        -- state
        deleted_at is not null as is_deleted,
        deleted_at,

        -- lineage
        run_id,
        extracted_at

    from accounts

)

select * from final
