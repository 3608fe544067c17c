-- grain: one row per customer with booked discounts (customer_id), ranked by what discounting cost
-- description: The customers where discounting costs most: discount given on booked lines
--   (invoiced + confirmed orders; deleted orders never count) over all time, base currency,
--   ranked from the largest discount_amount. Take the top N with where discount_rank <= N.
--
-- column: discount_rank — 1 for the customer with the largest discount_amount (ties share a rank)
-- column: customer_id — the customer (→ marts.dim_customers)
-- column: customer_name — the customer's name (master data, else latest snapshot)
-- column: discounted_line_count — booked lines with a discount rate above 0
-- column: gross_amount — booked revenue before discount, excluding tax; base currency
-- column: discount_amount — discount given (gross − net); base currency
-- column: net_amount — booked revenue after discount, excluding tax; base currency
-- column: effective_discount_rate_pct — discount_amount in percent of gross_amount
-- column: share_of_all_discount_pct — discount_amount in percent of all booked discount (the
--   total of reports.rpt_discount_bands; credit lines with a discount included)

create or replace view reports.rpt_discount_top_customers as

with

ranked as (

    select * from reports.base_discounts_ranked
    where dimension = 'customer'

),

customers as (

    select * from marts.dim_customers

),

final as (

    select
        -- rank and customer
        ranked.discount_rank,
        ranked.dimension_id as customer_id,
        customers.customer_name,

        -- discounts
        ranked.* exclude (dimension, dimension_id, discount_rank)

    from ranked
    left join customers on ranked.dimension_id = customers.customer_id

)

select * from final
order by discount_rank, customer_id
