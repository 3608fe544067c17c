-- grain: one row per month and tax code with booked or pipeline lines (month, tax_id)
-- description: Booked (invoiced + confirmed) and pipeline revenue and tax by tax code and order
--   month.
--   For any period, filter on month and sum: e.g. where month between '2025-01-01' and
--   '2025-03-01' for the first quarter of 2025. All amounts are in the base currency, from the
--   lines of live orders (deleted and inactive orders never count; text lines included).
--
-- column: month — first day of the order month
-- column: tax_id — the tax code (→ marts.dim_tax_codes)
-- column: tax_number — the tax code's number (master data, else latest seen)
-- column: tax_name — the tax code's name in 24SevenOffice (null where the master data lacks the
--   code)
-- column: tax_rate — the tax code's rate in percent (master data, else latest seen)
-- column: booked_line_count — lines of invoiced and confirmed orders
-- column: booked_net_amount — booked revenue excluding tax; base currency
-- column: booked_tax_amount — tax on booked revenue; base currency
-- column: booked_total_amount — booked revenue including tax; base currency
-- column: booked_discount_amount — discount given on booked lines (gross − net); base currency
-- column: pipeline_line_count — lines of draft, web and proposal orders
-- column: pipeline_net_amount — pipeline excluding tax; base currency
-- column: pipeline_tax_amount — tax on the pipeline; base currency
-- column: pipeline_total_amount — pipeline including tax; base currency

create or replace view reports.rpt_revenue_by_tax_code as

with

revenue as (

    select * from reports.base_revenue_by_dimension
    where dimension = 'tax_code'

),

tax_codes as (

    select * from marts.dim_tax_codes

),

final as (

    select
        -- month and tax code
        revenue.month,
        revenue.dimension_id as tax_id,
        tax_codes.tax_number,
        tax_codes.tax_name,
        tax_codes.tax_rate,

        -- revenue
        revenue.* exclude (month, dimension, dimension_id, booked_quantity)

    from revenue
    left join tax_codes on revenue.dimension_id = tax_codes.tax_id

)

select * from final
order by month, tax_number
