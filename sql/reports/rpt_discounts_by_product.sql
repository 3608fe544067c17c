-- grain: one row per month and product with booked product lines (month, product_id)
-- description: Discounts by product and order month (lines without a product left out).
--   Booked lines only (invoiced + confirmed orders; deleted orders never count), base
--   currency. Rates are in percent, rounded to 2 decimals (half to even); over several rows,
--   recompute them from the sums (sum(discount_amount) × 100 / sum(gross_amount)).
--
-- column: month — first day of the order month
-- column: product_id — the product (→ marts.dim_products)
-- column: product_number — the product number (latest seen)
-- column: product_name — the product's name (latest seen)
-- column: line_count — booked lines
-- column: discounted_line_count — booked lines with a discount rate above 0
-- column: discounted_line_share_pct — discounted_line_count in percent of line_count
-- column: gross_amount — booked revenue before discount, excluding tax; base currency
-- column: discount_amount — discount given on booked lines (gross − net); base currency
-- column: net_amount — booked revenue after discount, excluding tax; base currency
-- column: effective_discount_rate_pct — discount_amount in percent of gross_amount

create or replace view reports.rpt_discounts_by_product as

with

lines as (

    select * from marts.fct_sales_order_lines
    where is_booked and product_id is not null

),

products as (

    select * from marts.dim_products

),

final as (

    select
        -- month and product
        lines.order_month as month,
        lines.product_id,
        any_value(products.product_number) as product_number,
        any_value(products.product_name) as product_name,

        -- discounts
        count(*) as line_count,
        count(*) filter (where lines.is_discounted) as discounted_line_count,
        decimal_division(
            (count(*) filter (where lines.is_discounted) * 100)::decimal(20, 2),
            count(*)::decimal(20, 2),
            2
        )::decimal(18, 2) as discounted_line_share_pct,
        sum(lines.gross_amount_base)::decimal(18, 2) as gross_amount,
        sum(lines.discount_amount_base)::decimal(18, 2) as discount_amount,
        sum(lines.net_amount_base)::decimal(18, 2) as net_amount,
        decimal_division(
            (sum(lines.discount_amount_base) * 100)::decimal(20, 2),
            nullif(sum(lines.gross_amount_base), 0)::decimal(20, 2),
            2
        )::decimal(18, 2) as effective_discount_rate_pct

    from lines
    left join products on lines.product_id = products.product_id
    group by lines.order_month, lines.product_id

)

select * from final
order by month, product_id
