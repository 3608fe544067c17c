-- grain: one row per month and customer, product, account or tax code with booked or pipeline
--   lines (month, dimension, dimension_id)
-- description: The monthly revenue and discount sums behind reports.rpt_revenue_by_customer,
--   _by_product, _by_account and _by_tax_code, in one aggregation over
--   marts.fct_sales_order_lines by month and dimension. Booked (invoiced + confirmed) and
--   pipeline revenue in the base currency, from the lines of live orders (deleted and inactive
--   orders never count; text lines included). A building block: query the rpt_revenue_by_*
--   reports instead. A view: queried for one dimension (where dimension = '…'), DuckDB leaves
--   the other dimensions' branches out.
--
-- column: month — first day of the order month
-- column: dimension — what the row is summed by: customer, product, account or tax_code
-- column: dimension_id — the customer_id, product_id, account_id or tax_id (null for lines
--   without one, such as text lines without a product)
-- column: booked_quantity — quantity sold on booked lines (credit lines count negative)
-- column: booked_line_count — lines of invoiced and confirmed orders
-- column: booked_net_amount — booked revenue excluding tax; base currency
-- column: booked_tax_amount — tax on booked revenue; base currency
-- column: booked_total_amount — booked revenue including tax; base currency
-- column: booked_discount_amount — discount given on booked lines (gross − net); base currency
-- column: pipeline_line_count — lines of draft, web and proposal orders
-- column: pipeline_net_amount — pipeline excluding tax; base currency
-- column: pipeline_tax_amount — tax on the pipeline; base currency
-- column: pipeline_total_amount — pipeline including tax; base currency

create or replace view reports.base_revenue_by_dimension as

with

lines as (

    select * from marts.fct_sales_order_lines
    where is_booked or status_category = 'pipeline'

),

-- each line once for each dimension it is summed by
lines_by_dimension as (

    select 'customer' as dimension, customer_id as dimension_id, * from lines
    union all
    select 'product', product_id, * from lines
    union all
    select 'account', account_id, * from lines
    union all
    select 'tax_code', tax_id, * from lines

),

final as (

    select
        -- month and dimension
        order_month as month,
        dimension,
        dimension_id,
        -- booked
        coalesce(sum(quantity) filter (where is_booked), 0)::decimal(38, 16) as booked_quantity,
        count(*) filter (where is_booked) as booked_line_count,
        coalesce(sum(net_amount_base) filter (where is_booked), 0)::decimal(38, 2)
            as booked_net_amount,
        coalesce(sum(tax_amount_base) filter (where is_booked), 0)::decimal(38, 2)
            as booked_tax_amount,
        coalesce(sum(total_amount_base) filter (where is_booked), 0)::decimal(38, 2)
            as booked_total_amount,
        coalesce(sum(discount_amount_base) filter (where is_booked), 0)::decimal(38, 2)
            as booked_discount_amount,

        -- pipeline
        count(*) filter (where status_category = 'pipeline') as pipeline_line_count,
        coalesce(
            sum(net_amount_base) filter (where status_category = 'pipeline'), 0
        )::decimal(38, 2) as pipeline_net_amount,
        coalesce(
            sum(tax_amount_base) filter (where status_category = 'pipeline'), 0
        )::decimal(38, 2) as pipeline_tax_amount,
        coalesce(
            sum(total_amount_base) filter (where status_category = 'pipeline'), 0
        )::decimal(38, 2) as pipeline_total_amount

    from lines_by_dimension
    group by order_month, dimension, dimension_id

)

select * from final
