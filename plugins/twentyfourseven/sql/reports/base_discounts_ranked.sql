-- grain: one row per customer, and per product, with booked discounts over all time
--   (dimension, dimension_id), ranked by what discounting cost
-- description: The all-time rows of reports.base_discounts_by_dimension for customers and
--   products (lines without a product left out) whose booked discount is above 0, ranked within
--   their dimension from the largest discount_amount; behind reports.rpt_discount_top_customers
--   and rpt_discount_top_products. A building block: query those reports instead.
--
-- column: dimension — customer or product
-- column: dimension_id — the customer_id or product_id
-- column: discount_rank — 1 for the largest discount_amount of the dimension (ties share a rank)
-- column: discounted_line_count — booked lines with a discount rate above 0
-- column: gross_amount — booked revenue before discount, excluding tax; base currency
-- column: discount_amount — discount given (gross − net); base currency
-- column: net_amount — booked revenue after discount, excluding tax; base currency
-- column: effective_discount_rate_pct — discount_amount in percent of gross_amount
-- column: share_of_all_discount_pct — discount_amount in percent of all booked discount: every
--   booked line's, as reports.rpt_discount_bands totals it (credit lines with a discount
--   included, so the shares of the ranked rows can add up to more than 100)

create or replace view reports.base_discounts_ranked as

with

discounts as (

    select * from reports.base_discounts_by_dimension
    where is_all_time
        and discount_amount > 0
        and (dimension = 'customer' or (dimension = 'product' and dimension_id is not null))

),

-- the denominator of every share: all booked lines, whatever their customer, product or sign
all_booked as (

    select sum(discount_amount) as discount_amount
    from reports.base_discounts_by_dimension
    where is_all_time and dimension = 'discount_band'

),

final as (

    select
        -- dimension and rank
        discounts.dimension,
        discounts.dimension_id,
        rank() over (partition by discounts.dimension order by discounts.discount_amount desc)
            as discount_rank,

        -- discounts
        discounts.discounted_line_count,
        discounts.gross_amount,
        discounts.discount_amount,
        discounts.net_amount,
        discounts.effective_discount_rate_pct,
        decimal_division(
            (discounts.discount_amount * 100)::decimal(36, 2),
            nullif(all_booked.discount_amount, 0)::decimal(36, 2),
            2
        )::decimal(38, 2) as share_of_all_discount_pct

    from discounts
    cross join all_booked

)

select * from final
