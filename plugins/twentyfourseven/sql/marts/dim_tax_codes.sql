-- grain: one row per tax code seen on a line (tax_id)
-- description: Tax codes from the lines' tax objects, with the latest values seen (from the
--   most recently modified order that uses the code).
--
-- column: tax_id — the tax code's ID in 24SevenOffice (key)
-- column: tax_number — the tax code's number visible to users (latest seen)
-- column: tax_rate — the tax rate in percent (latest seen)
-- column: line_count — lines that use the code (live orders)
-- column: first_order_date — order date of the earliest live order using the code
-- column: last_order_date — order date of the latest live order using the code

create or replace table marts.dim_tax_codes as

with

lines as (

    select * from marts.base_sales_order_lines
    where tax_id is not null

),

final as (

    select
        -- key
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

)

select * from final
