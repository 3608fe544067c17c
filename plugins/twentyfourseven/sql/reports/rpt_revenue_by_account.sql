-- grain: one row per month and sales account with booked or pipeline lines (month, account_id)
-- description: Booked (invoiced + confirmed) and pipeline revenue by sales account and order
--   month.
--   For any period, filter on month and sum: e.g. where month between '2025-01-01' and
--   '2025-03-01' for the first quarter of 2025. All amounts are in the base currency, from the
--   lines of live orders (deleted and inactive orders never count; text lines included).
--
-- column: month — first day of the order month
-- column: account_id — the sales account (→ marts.dim_accounts)
-- column: account_number — the account number (master data, else latest seen)
-- column: account_name — the account name (master data, else latest seen)
-- column: booked_line_count — lines of invoiced and confirmed orders
-- column: booked_net_amount — booked revenue excluding tax; base currency
-- column: booked_tax_amount — tax on booked revenue; base currency
-- column: booked_total_amount — booked revenue including tax; base currency
-- column: booked_discount_amount — discount given on booked lines (gross − net); base currency
-- column: pipeline_line_count — lines of draft, web and proposal orders
-- column: pipeline_net_amount — pipeline excluding tax; base currency
-- column: pipeline_tax_amount — tax on the pipeline; base currency
-- column: pipeline_total_amount — pipeline including tax; base currency

create or replace view reports.rpt_revenue_by_account as

with

revenue as (

    select * from reports.base_revenue_by_dimension
    where dimension = 'account'

),

accounts as (

    select * from marts.dim_accounts

),

final as (

    select
        -- month and account
        revenue.month,
        revenue.dimension_id as account_id,
        accounts.account_number,
        accounts.account_name,

        -- revenue
        revenue.* exclude (month, dimension, dimension_id, booked_quantity)

    from revenue
    left join accounts on revenue.dimension_id = accounts.account_id

)

select * from final
order by month, account_number
