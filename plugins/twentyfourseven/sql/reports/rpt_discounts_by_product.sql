-- grain: one row per month and product with booked product lines (month, product_id)
-- description: Discounts by product and order month (lines without a product left out).
--   Booked lines only (invoiced + confirmed orders; deleted orders never count), base
--   currency. Rates are in percent, rounded to 2 decimals (half to even); over several rows,
--   recompute them from the sums (sum(discount_amount) × 100 / sum(gross_amount)).
--
-- column: month — first day of the order month (null for orders without a date)
-- column: product_id — the product (→ marts.dim_products)
-- column: product_number — the product number (master data, else latest seen)
-- column: product_name — the product's name (master data, else latest seen)
-- column: line_count — booked lines
-- column: discounted_line_count — booked lines with a discount rate above 0
-- column: discounted_line_share_pct — discounted_line_count in percent of line_count
-- column: gross_amount — booked revenue before discount, excluding tax; base currency
-- column: discount_amount — discount given on booked lines (gross − net); base currency
-- column: net_amount — booked revenue after discount, excluding tax; base currency
-- column: effective_discount_rate_pct — discount_amount in percent of gross_amount

create or replace view reports.rpt_discounts_by_product as

with

discounts as (

    select * from reports.base_discounts_by_dimension
    where dimension = 'product' and not is_all_time and dimension_id is not null

),

products as (

    select * from marts.dim_products

),

final as (

    select
        -- month and product
        discounts.month,
        discounts.dimension_id as product_id,
        products.product_number,
        products.product_name,

        -- discounts
        discounts.* exclude (is_all_time, month, dimension, dimension_id)

    from discounts
    left join products on discounts.dimension_id = products.product_id

)

select * from final
order by month, product_id
