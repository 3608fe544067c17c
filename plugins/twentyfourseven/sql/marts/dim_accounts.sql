-- grain: one row per ledger account in the master data or seen on a line (account_id)
-- description: Accounts from the master data (staging.stg_accounts: number, name and tax code as
--   24SevenOffice holds them). An account a line references that the master data lacks (never
--   loaded, or deleted before it was read) keeps a row built from the lines (the latest number
--   and name seen, from the most recently modified order that posts to it; no tax code),
--   flagged is_from_master_data = false. An account deleted upstream after it was read keeps its
--   last master values (is_deleted).
--
-- column: account_id — the account's ID in 24SevenOffice (key)
-- column: account_number — the account number
-- column: account_name — the account's name
-- column: tax_id — the account's default tax code (→ marts.dim_tax_codes)
-- column: tax_number — that tax code's number
-- column: tax_name — that tax code's name
-- column: is_from_master_data — false for an account built from the lines (the master data lacks
--   it)
-- column: is_deleted — true when the API no longer lists the account (its last values kept)
-- column: line_count — lines posted to the account (live orders)
-- column: first_order_date — order date of the earliest live order posting to the account
-- column: last_order_date — order date of the latest live order posting to the account

create or replace table marts.dim_accounts as

with

master_accounts as (

    select * from staging.stg_accounts

),

tax_codes as (

    select * from marts.dim_tax_codes

),

lines as (

    select * from marts.base_sales_order_lines
    where account_id is not null

),

line_accounts as (

    select
        account_id,

        -- latest values seen
        arg_max(account_number, seen) as account_number,
        arg_max(account_name, seen) as account_name,

        -- usage
        count(*) filter (where not is_deleted) as line_count,
        min(order_date) filter (where not is_deleted) as first_order_date,
        max(order_date) filter (where not is_deleted) as last_order_date

    from lines
    group by account_id

),

accounts as (

    select
        account_id,
        account_number,
        account_name,
        tax_id,
        true as is_from_master_data,
        is_deleted

    from master_accounts

    union all

    select
        account_id,
        account_number,
        account_name,
        null::bigint,
        false,
        false

    from line_accounts
    where account_id not in (select account_id from master_accounts)

),

final as (

    select
        -- key
        accounts.account_id,

        -- the account
        accounts.account_number,
        accounts.account_name,
        accounts.tax_id,
        tax_codes.tax_number,
        tax_codes.tax_name,

        -- where the row comes from
        accounts.is_from_master_data,
        accounts.is_deleted,

        -- usage
        coalesce(line_accounts.line_count, 0) as line_count,
        line_accounts.first_order_date,
        line_accounts.last_order_date

    from accounts
    left join tax_codes on accounts.tax_id = tax_codes.tax_id
    left join line_accounts on accounts.account_id = line_accounts.account_id

)

select * from final
