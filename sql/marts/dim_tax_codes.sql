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

    select * from staging.stg_sales_order_lines

),

orders as (

    select * from staging.stg_sales_orders

),

lines_seen as (

    select
        lines.tax_id,
        lines.tax_number,
        lines.tax_rate,
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
    where lines.tax_id is not null

),

final as (

    select
        -- key
        tax_id,

        -- latest values seen
        arg_max(tax_number, seen) as tax_number,
        arg_max(tax_rate, seen) as tax_rate,

        -- usage
        count(*) filter (where is_live) as line_count,
        min(order_date) filter (where is_live) as first_order_date,
        max(order_date) filter (where is_live) as last_order_date

    from lines_seen
    group by tax_id

)

select * from final
