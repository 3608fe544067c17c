-- test: every model's key identifies one row (orders, lines, dimensions, facts and the
--   monthly reports)

with

keys as (

    select 'staging.stg_sales_orders' as model, order_id::varchar as key
    from staging.stg_sales_orders
    union all
    select 'staging.stg_sales_order_lines', order_id || '/' || line_id
    from staging.stg_sales_order_lines
    union all
    select 'staging.stg_customer_snapshots', order_id::varchar
    from staging.stg_customer_snapshots
    union all
    select 'marts.dim_customers', customer_id::varchar from marts.dim_customers
    union all
    select 'marts.dim_products', product_id::varchar from marts.dim_products
    union all
    select 'marts.dim_accounts', account_id::varchar from marts.dim_accounts
    union all
    select 'marts.dim_tax_codes', tax_id::varchar from marts.dim_tax_codes
    union all
    select 'marts.fct_sales_order_lines', order_id || '/' || line_id
    from marts.fct_sales_order_lines
    union all
    select 'marts.fct_sales_orders', order_id::varchar from marts.fct_sales_orders
    union all
    select 'reports.rpt_revenue_by_month', month::varchar from reports.rpt_revenue_by_month
    union all
    select 'reports.rpt_discounts_by_month', month::varchar from reports.rpt_discounts_by_month

)

select model, key, count(*) as rows_with_key
from keys
group by model, key
having count(*) > 1
order by model, key
