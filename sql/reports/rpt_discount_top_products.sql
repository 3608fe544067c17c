-- grain: one row per product with booked discounts (product_id), ranked by what discounting cost
-- description: The products where discounting costs most: discount given on booked lines
--   (invoiced + confirmed orders; deleted orders never count) over all time, base currency,
--   ranked from the largest discount_amount. Take the top N with where discount_rank <= N.
--
-- column: discount_rank — 1 for the product with the largest discount_amount (ties share a rank)
-- column: product_id — the product (→ marts.dim_products)
-- column: product_number — the product number (latest seen)
-- column: product_name — the product's name (latest seen)
-- column: discounted_line_count — booked lines with a discount rate above 0
-- column: gross_amount — booked revenue before discount, excluding tax; base currency
-- column: discount_amount — discount given (gross − net); base currency
-- column: net_amount — booked revenue after discount, excluding tax; base currency
-- column: effective_discount_rate_pct — discount_amount in percent of gross_amount
-- column: share_of_all_discount_pct — discount_amount in percent of all booked discount

create or replace view reports.rpt_discount_top_products as

with

lines as (

    select * from marts.fct_sales_order_lines
    where is_booked
    and product_id is not null

),

products as (

    select * from marts.dim_products

),

by_product as (

    select
        product_id,
        count(*) filter (where is_discounted) as discounted_line_count,
        sum(gross_amount_base)::decimal(18, 2) as gross_amount,
        sum(discount_amount_base)::decimal(18, 2) as discount_amount,
        sum(net_amount_base)::decimal(18, 2) as net_amount

    from lines
    group by product_id
    having sum(discount_amount_base) > 0

),

final as (

    select
        -- rank and product
        rank() over (order by by_product.discount_amount desc) as discount_rank,
        by_product.product_id,
        products.product_number,
        products.product_name,

        -- discounts
        by_product.discounted_line_count,
        by_product.gross_amount,
        by_product.discount_amount,
        by_product.net_amount,
        decimal_division(
            (by_product.discount_amount * 100)::decimal(20, 2),
            nullif(by_product.gross_amount, 0)::decimal(20, 2),
            2
        )::decimal(18, 2) as effective_discount_rate_pct,
        decimal_division(
            (by_product.discount_amount * 100)::decimal(20, 2),
            nullif(sum(by_product.discount_amount) over (), 0)::decimal(20, 2),
            2
        )::decimal(18, 2) as share_of_all_discount_pct

    from by_product
    left join products on by_product.product_id = products.product_id

)

select * from final
order by discount_rank, product_id
