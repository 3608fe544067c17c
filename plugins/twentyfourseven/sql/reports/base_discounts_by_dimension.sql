-- grain: one row per period and dimension value with booked lines (is_all_time, month,
--   dimension, dimension_id): each month's total, each month and customer, each month and
--   product, and over all time (is_all_time) each customer, each product and each discount band
-- description: The discount sums behind reports.rpt_discounts_by_month, _by_customer,
--   _by_product, rpt_discount_bands and (through reports.base_discounts_ranked) the top
--   discount reports, in one aggregation over marts.fct_sales_order_lines by period and
--   dimension. Booked lines only (invoiced + confirmed orders; deleted orders never
--   count), base currency. Rates are in percent, rounded to 2 decimals (half to even).
--   A building block: query the rpt_discount* reports instead. A view: queried for one
--   dimension and period, DuckDB leaves the other branches out.
--
-- column: is_all_time — true for the rows over all time, false for the rows of one month
-- column: month — first day of the order month; null for the all-time rows, and for the month
--   rows of orders without a date
-- column: dimension — what the row is summed by: total (all booked lines of the month),
--   customer, product or discount_band
-- column: dimension_id — the customer_id, product_id (null for text lines and any line without a
--   product) or discount_band_order (0 to 5); null for total
-- column: line_count — booked lines
-- column: discounted_line_count — booked lines with a discount rate above 0
-- column: discounted_line_share_pct — discounted_line_count in percent of line_count
-- column: gross_amount — booked revenue before discount, excluding tax; base currency
-- column: discount_amount — discount given on booked lines (gross − net); base currency
-- column: net_amount — booked revenue after discount, excluding tax; base currency
-- column: effective_discount_rate_pct — discount_amount in percent of gross_amount

create or replace view reports.base_discounts_by_dimension as

with

lines as (

    select * from marts.fct_sales_order_lines
    where is_booked

),

-- each line once for each period and dimension it is summed by
lines_by_dimension as (

    select
        false as is_all_time,
        order_month as month,
        'total' as dimension,
        null::bigint as dimension_id,
        *
    from lines
    union all
    select false, order_month, 'customer', customer_id, * from lines
    union all
    select false, order_month, 'product', product_id, * from lines
    union all
    select true, null::date, 'customer', customer_id, * from lines
    union all
    select true, null::date, 'product', product_id, * from lines
    union all
    select true, null::date, 'discount_band', discount_band_order, * from lines

),

sums as (

    select
        is_all_time,
        month,
        dimension,
        dimension_id,
        count(*) as line_count,
        count(*) filter (where is_discounted) as discounted_line_count,
        sum(gross_amount_base)::decimal(38, 2) as gross_amount,
        sum(discount_amount_base)::decimal(38, 2) as discount_amount,
        sum(net_amount_base)::decimal(38, 2) as net_amount

    from lines_by_dimension
    group by is_all_time, month, dimension, dimension_id

),

final as (

    select
        -- period and dimension
        is_all_time,
        month,
        dimension,
        dimension_id,

        -- discounts
        line_count,
        discounted_line_count,
        decimal_division(
            (discounted_line_count * 100)::decimal(36, 2),
            line_count::decimal(36, 2),
            2
        )::decimal(38, 2) as discounted_line_share_pct,
        gross_amount,
        discount_amount,
        net_amount,
        decimal_division(
            (discount_amount * 100)::decimal(36, 2),
            nullif(gross_amount, 0)::decimal(36, 2),
            2
        )::decimal(38, 2) as effective_discount_rate_pct

    from sums

)

select * from final
