-- test: every line's tax rate and discount rate lies within 0..100 (percent), as loaded and
--   in the facts
-- incremental: order_id

select
    'staging.stg_sales_order_lines' as model, order_id, line_id, tax_rate, discount_rate
from staging.stg_sales_order_lines
where tax_rate not between 0 and 100 or discount_rate not between 0 and 100

union all

select 'marts.fct_sales_order_lines', order_id, line_id, tax_rate, discount_rate
from marts.fct_sales_order_lines
where tax_rate not between 0 and 100 or discount_rate not between 0 and 100

union all

select 'marts.dim_tax_codes', null, null, tax_rate, null
from marts.dim_tax_codes
where tax_rate not between 0 and 100

order by model, order_id, line_id
