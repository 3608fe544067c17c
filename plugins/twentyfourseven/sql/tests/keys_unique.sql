-- test: every model's key identifies one row (orders, lines, dimensions, facts and the
--   monthly reports)

-- grouped by the typed keys; only the keys found twice are shown as text
select 'staging.stg_sales_orders' as model, order_id::varchar as key, count(*) as rows_with_key
from staging.stg_sales_orders group by order_id having count(*) > 1
union all
select 'staging.stg_sales_order_lines', order_id || '/' || line_id, count(*)
from staging.stg_sales_order_lines group by order_id, line_id having count(*) > 1
union all
select 'staging.stg_customer_snapshots', order_id::varchar, count(*)
from staging.stg_customer_snapshots group by order_id having count(*) > 1
union all
select 'marts.dim_customers', customer_id::varchar, count(*)
from marts.dim_customers group by customer_id having count(*) > 1
union all
select 'marts.dim_products', product_id::varchar, count(*)
from marts.dim_products group by product_id having count(*) > 1
union all
select 'marts.dim_accounts', account_id::varchar, count(*)
from marts.dim_accounts group by account_id having count(*) > 1
union all
select 'marts.dim_tax_codes', tax_id::varchar, count(*)
from marts.dim_tax_codes group by tax_id having count(*) > 1
union all
select 'marts.fct_sales_order_lines', order_id || '/' || line_id, count(*)
from marts.fct_sales_order_lines group by order_id, line_id having count(*) > 1
union all
select 'marts.fct_sales_orders', order_id::varchar, count(*)
from marts.fct_sales_orders group by order_id having count(*) > 1
union all
select 'reports.rpt_revenue_by_month', month::varchar, count(*)
from reports.rpt_revenue_by_month group by month having count(*) > 1
union all
select 'reports.rpt_discounts_by_month', month::varchar, count(*)
from reports.rpt_discounts_by_month group by month having count(*) > 1

order by model, key
