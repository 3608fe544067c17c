-- test: the key columns of the staging models, dimensions and facts are never null

select 'staging.stg_sales_orders' as model, 'order_id' as key_column, count(*) as null_rows
from staging.stg_sales_orders where order_id is null
having count(*) > 0

union all
select 'staging.stg_sales_order_lines', 'order_id, line_id', count(*)
from staging.stg_sales_order_lines where order_id is null or line_id is null
having count(*) > 0

union all
select 'marts.dim_customers', 'customer_id', count(*)
from marts.dim_customers where customer_id is null
having count(*) > 0

union all
select 'marts.dim_products', 'product_id', count(*)
from marts.dim_products where product_id is null
having count(*) > 0

union all
select 'marts.dim_accounts', 'account_id', count(*)
from marts.dim_accounts where account_id is null
having count(*) > 0

union all
select 'marts.dim_tax_codes', 'tax_id', count(*)
from marts.dim_tax_codes where tax_id is null
having count(*) > 0

union all
select 'marts.fct_sales_order_lines', 'order_id, line_id', count(*)
from marts.fct_sales_order_lines where order_id is null or line_id is null
having count(*) > 0

union all
select 'marts.fct_sales_orders', 'order_id', count(*)
from marts.fct_sales_orders where order_id is null
having count(*) > 0
