-- grain: one row per month and customer with booked lines (month, customer_id)
-- description: Discounts by customer and order month.
--   Booked lines only (invoiced + confirmed orders; deleted orders never count), base
--   currency. Rates are in percent, rounded to 2 decimals (half to even); over several rows,
--   recompute them from the sums (sum(discount_amount) × 100 / sum(gross_amount)).
--
-- column: month — first day of the order month (null for orders without a date)
-- column: customer_id — the customer (→ marts.dim_customers)
-- column: customer_name — the customer's name (master data, else latest snapshot)
-- column: line_count — booked lines
-- column: discounted_line_count — booked lines with a discount rate above 0
-- column: discounted_line_share_pct — discounted_line_count in percent of line_count
-- column: gross_amount — booked revenue before discount, excluding tax; base currency
-- column: discount_amount — discount given on booked lines (gross − net); base currency
-- column: net_amount — booked revenue after discount, excluding tax; base currency
-- column: effective_discount_rate_pct — discount_amount in percent of gross_amount

create or replace view reports.rpt_discounts_by_customer as

with

discounts as (

    select * from reports.base_discounts_by_dimension
    where dimension = 'customer' and not is_all_time

),

customers as (

    select * from marts.dim_customers

),

final as (

    select
        -- month and customer
        discounts.month,
        discounts.dimension_id as customer_id,
        customers.customer_name,

        -- discounts
        discounts.* exclude (is_all_time, month, dimension, dimension_id)

    from discounts
    left join customers on discounts.dimension_id = customers.customer_id

)

select * from final
order by month, customer_id
