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

    select * from staging.stg_sales_order_lines

),

orders as (

    select * from staging.stg_sales_orders

),

lines_seen as (

    select
        lines.account_id,
        lines.account_number,
        lines.account_name,
        orders.order_date,
        not orders.is_deleted as is_live,
        (
            coalesce(orders.modified_at, '1970-01-01'::timestamptz),
            lines.extracted_at,
            lines.order_id,
            lines.line_id
        ) as seen

    from lines
    inner join orders on lines.order_id = orders.order_id
    where lines.account_id is not null

),

final as (

    select
        -- key
        account_id,

        -- latest values seen
        arg_max(account_number, seen) as account_number,
        arg_max(account_name, seen) as account_name,

        -- usage
        count(*) filter (where is_live) as line_count,
        min(order_date) filter (where is_live) as first_order_date,
        max(order_date) filter (where is_live) as last_order_date

    from lines_seen
    group by account_id

)

select * from final
