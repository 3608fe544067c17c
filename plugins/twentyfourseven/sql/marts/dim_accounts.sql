-- grain: one row per sales account seen on a line (account_id)
-- description: Accounts from the lines' account objects, with the latest values seen (from
--   the most recently modified order that posts to the account).
--
-- column: account_id — the account's ID in 24SevenOffice (key)
-- column: account_number — the account number (latest seen)
-- column: account_name — the account name (latest seen)
-- column: line_count — lines posted to the account (live orders)
-- column: first_order_date — order date of the earliest live order posting to the account
-- column: last_order_date — order date of the latest live order posting to the account

create or replace table marts.dim_accounts as

with

lines as (

    select * from marts.base_sales_order_lines
    where account_id is not null

),

final as (

    select
        -- key
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

)

select * from final
