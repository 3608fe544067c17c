-- grain: one row per customer with booked discounts (customer_id), ranked by what discounting cost
-- description: The customers where discounting costs most: discount given on booked lines
--   (invoiced + confirmed orders; deleted orders never count) over all time, base currency,
--   ranked from the largest discount_amount. Take the top N with where discount_rank <= N.
--
-- column: discount_rank — 1 for the customer with the largest discount_amount (ties share a rank)
-- column: customer_id — the customer (→ marts.dim_customers)
-- column: customer_name — the customer's name (latest snapshot)
-- column: discounted_line_count — booked lines with a discount rate above 0
-- column: gross_amount — booked revenue before discount, excluding tax; base currency
-- column: discount_amount — discount given (gross − net); base currency
-- column: net_amount — booked revenue after discount, excluding tax; base currency
-- column: effective_discount_rate_pct — discount_amount in percent of gross_amount
-- column: share_of_all_discount_pct — discount_amount in percent of all booked discount

create or replace view reports.rpt_discount_top_customers as

with

lines as (

    select * from marts.fct_sales_order_lines
    where is_booked

),

customers as (

    select * from marts.dim_customers

),

by_customer as (

    select
        customer_id,
        count(*) filter (where is_discounted) as discounted_line_count,
        sum(gross_amount_base)::decimal(18, 2) as gross_amount,
        sum(discount_amount_base)::decimal(18, 2) as discount_amount,
        sum(net_amount_base)::decimal(18, 2) as net_amount

    from lines
    group by customer_id
    having sum(discount_amount_base) > 0

),

final as (

    select
        -- rank and customer
        rank() over (order by by_customer.discount_amount desc) as discount_rank,
        by_customer.customer_id,
        customers.customer_name,

        -- discounts
        by_customer.discounted_line_count,
        by_customer.gross_amount,
        by_customer.discount_amount,
        by_customer.net_amount,
        decimal_division(
            (by_customer.discount_amount * 100)::decimal(20, 2),
            nullif(by_customer.gross_amount, 0)::decimal(20, 2),
            2
        )::decimal(18, 2) as effective_discount_rate_pct,
        decimal_division(
            (by_customer.discount_amount * 100)::decimal(20, 2),
            nullif(sum(by_customer.discount_amount) over (), 0)::decimal(20, 2),
            2
        )::decimal(18, 2) as share_of_all_discount_pct

    from by_customer
    left join customers on by_customer.customer_id = customers.customer_id

)

select * from final
order by discount_rank, customer_id
