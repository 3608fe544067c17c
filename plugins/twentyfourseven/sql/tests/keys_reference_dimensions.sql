-- test: every customer, product, account and tax code key on the facts is in its dimension

with

lines as (

    select * from marts.fct_sales_order_lines

),

orders as (

    select * from marts.fct_sales_orders

)

select 'marts.fct_sales_order_lines' as model, 'customer_id' as key_column,
    lines.order_id, lines.line_id, lines.customer_id as missing_key
from lines
anti join marts.dim_customers as d on lines.customer_id = d.customer_id
where lines.customer_id is not null

union all
select 'marts.fct_sales_order_lines', 'product_id', lines.order_id, lines.line_id, lines.product_id
from lines
anti join marts.dim_products as d on lines.product_id = d.product_id
where lines.product_id is not null

union all
select 'marts.fct_sales_order_lines', 'account_id', lines.order_id, lines.line_id, lines.account_id
from lines
anti join marts.dim_accounts as d on lines.account_id = d.account_id
where lines.account_id is not null

union all
select 'marts.fct_sales_order_lines', 'tax_id', lines.order_id, lines.line_id, lines.tax_id
from lines
anti join marts.dim_tax_codes as d on lines.tax_id = d.tax_id
where lines.tax_id is not null

union all
select 'marts.fct_sales_orders', 'customer_id', orders.order_id, null, orders.customer_id
from orders
anti join marts.dim_customers as d on orders.customer_id = d.customer_id
where orders.customer_id is not null

order by model, key_column, order_id
