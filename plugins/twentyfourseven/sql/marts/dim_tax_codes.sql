-- grain: one row per tax code in the master data, seen on a line or named by an account (tax_id)
-- description: Tax codes from the master data (staging.stg_tax_codes: number, name, rate as
--   24SevenOffice holds them). A tax code a line references that the master data lacks (never
--   loaded, or deleted before it was read) keeps a row built from the lines (the latest number
--   and rate seen, from the most recently modified order that uses the code; no name), flagged
--   is_from_master_data = false; one only an account names keeps a row with its ID alone. A tax
--   code deleted upstream after it was read keeps its last master values (is_deleted).
--
-- column: tax_id — the tax code's ID in 24SevenOffice (key)
-- column: tax_number — the tax code's number visible to users
-- column: tax_name — the tax code's name (null where the master data lacks the code)
-- column: tax_rate — the tax rate in percent
-- column: is_from_master_data — false for a tax code built from the lines (the master data lacks
--   it)
-- column: is_deleted — true when the API no longer lists the tax code (its last values kept)
-- column: line_count — lines that use the code (live orders)
-- column: first_order_date — order date of the earliest live order using the code
-- column: last_order_date — order date of the latest live order using the code

create or replace table marts.dim_tax_codes as

with

master_tax_codes as (

    select * from staging.stg_tax_codes

),

accounts as (

    select * from staging.stg_accounts

),

lines as (

    select * from marts.base_sales_order_lines
    where tax_id is not null

),

line_tax_codes as (

    select
        tax_id,

        -- latest values seen
        arg_max(tax_number, seen) as tax_number,
        arg_max(tax_rate, seen) as tax_rate,

        -- usage
        count(*) filter (where not is_deleted) as line_count,
        min(order_date) filter (where not is_deleted) as first_order_date,
        max(order_date) filter (where not is_deleted) as last_order_date

    from lines
    group by tax_id

),

tax_codes as (

    select
        tax_id,
        tax_number,
        tax_name,
        tax_rate,
        true as is_from_master_data,
        is_deleted

    from master_tax_codes

    union all

    select
        tax_id,
        tax_number,
        null::varchar,
        tax_rate,
        false,
        false

    from line_tax_codes
    where tax_id not in (select tax_id from master_tax_codes)

    union all

    select distinct
        tax_id,
        null::bigint,
        null::varchar,
        null::decimal(19, 16),
        false,
        false

    from accounts
    where tax_id is not null
        and tax_id not in (select tax_id from master_tax_codes)
        and tax_id not in (select tax_id from line_tax_codes)

),

final as (

    select
        -- key
        tax_codes.tax_id,

        -- the tax code
        tax_codes.tax_number,
        tax_codes.tax_name,
        tax_codes.tax_rate,

        -- where the row comes from
        tax_codes.is_from_master_data,
        tax_codes.is_deleted,

        -- usage
        coalesce(line_tax_codes.line_count, 0) as line_count,
        line_tax_codes.first_order_date,
        line_tax_codes.last_order_date

    from tax_codes
    left join line_tax_codes on tax_codes.tax_id = line_tax_codes.tax_id

)

select * from final
