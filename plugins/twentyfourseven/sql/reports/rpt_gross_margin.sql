-- grain: one row per month, customer, product, product category at the time of the sale and
--   order currency with booked lines (month, customer_id, product_id, category_id, currency_code)
-- description: Gross margin of booked lines (invoiced + confirmed orders of live orders): net
--   amount − quantity × cost price, where the cost price is the line's own when it gives one,
--   else the product's at the time of the sale (marts.fct_sales_order_lines.cost_price_source
--   says which, per line). In the order's currency (sum those within one currency_code only)
--   and in the base currency. Lines with no cost price known are counted and their net amount
--   shown apart; the net, cost and margin columns cover the lines with a cost. The category is
--   the product's at the time of the sale. Sum by product, category, customer or month as
--   needed; margin_pct over several rows is sum(margin_amount_base) × 100 /
--   sum(net_amount_base).
--
-- column: month — first day of the order month
-- column: customer_id — the customer (→ marts.dim_customers)
-- column: customer_name — the customer's name
-- column: product_id — the product (→ marts.dim_products); null for lines without a product
-- column: product_number — the product number
-- column: product_name — the product's name; '(no product)' for lines without a product
-- column: category_id — the product's category at the time of the sale
--   (→ marts.dim_product_categories)
-- column: category_path — that category's path from the top, joined by ' > '
-- column: category_level_1 — the name of that path's level 1 (the top)
-- column: currency_code — the order's currency (null: the base currency)
-- column: line_count — booked lines
-- column: line_cost_count — lines costed with the line's own cost price
-- column: product_cost_count — lines costed with the product's cost price at the time of the sale
-- column: uncosted_line_count — lines without any cost price (left out of the margin)
-- column: net_amount — net amount of the costed lines; order currency
-- column: cost_amount — quantity × cost price of the costed lines; order currency
-- column: margin_amount — net_amount − cost_amount; order currency
-- column: net_amount_base — net amount of the costed lines; base currency
-- column: cost_amount_base — quantity × cost price of the costed lines; base currency
-- column: margin_amount_base — net_amount_base − cost_amount_base; base currency
-- column: margin_pct — margin_amount_base in percent of net_amount_base (null when that is 0)
-- column: uncosted_net_amount_base — net amount of the lines without a cost price; base currency

create or replace view reports.rpt_gross_margin as

with

lines as (

    select * from marts.fct_sales_order_lines
    where is_booked

),

customers as (

    select * from marts.dim_customers

),

products as (

    select * from marts.dim_products

),

categories as (

    select * from marts.dim_product_categories

),

sums as (

    select
        order_month as month,
        customer_id,
        product_id,
        sale_category_id as category_id,
        currency_code,
        count(*) as line_count,
        count(*) filter (where cost_price_source = 'line') as line_cost_count,
        count(*) filter (where cost_price_source = 'product') as product_cost_count,
        count(*) filter (where cost_price_source is null) as uncosted_line_count,
        coalesce(sum(net_amount) filter (where cost_price_source is not null), 0)::decimal(38, 2)
            as net_amount,
        coalesce(sum(cost_amount), 0)::decimal(38, 2) as cost_amount,
        coalesce(sum(margin_amount), 0)::decimal(38, 2) as margin_amount,
        coalesce(
            sum(net_amount_base) filter (where cost_price_source is not null), 0
        )::decimal(38, 2) as net_amount_base,
        coalesce(sum(cost_amount_base), 0)::decimal(38, 2) as cost_amount_base,
        coalesce(sum(margin_amount_base), 0)::decimal(38, 2) as margin_amount_base,
        coalesce(
            sum(net_amount_base) filter (where cost_price_source is null), 0
        )::decimal(38, 2) as uncosted_net_amount_base

    from lines
    group by order_month, customer_id, product_id, sale_category_id, currency_code

),

final as (

    select
        -- month, customer, product, category and currency
        sums.month,
        sums.customer_id,
        customers.customer_name,
        sums.product_id,
        products.product_number,
        coalesce(
            products.product_name, case when sums.product_id is null then '(no product)' end
        ) as product_name,
        sums.category_id,
        categories.category_path,
        categories.category_level_1,
        sums.currency_code,

        -- lines by cost source
        sums.line_count,
        sums.line_cost_count,
        sums.product_cost_count,
        sums.uncosted_line_count,

        -- margin, order currency
        sums.net_amount,
        sums.cost_amount,
        sums.margin_amount,

        -- margin, base currency
        sums.net_amount_base,
        sums.cost_amount_base,
        sums.margin_amount_base,
        decimal_division(
            (sums.margin_amount_base * 100)::decimal(36, 2),
            nullif(sums.net_amount_base, 0)::decimal(36, 2),
            2
        )::decimal(38, 2) as margin_pct,
        sums.uncosted_net_amount_base

    from sums
    left join customers on sums.customer_id = customers.customer_id
    left join products on sums.product_id = products.product_id
    left join categories on sums.category_id = categories.category_id

)

select * from final
order by month, customer_id, product_id nulls last, category_id nulls last, currency_code
