-- test: every line belongs to an order: in staging, to a loaded order; in the facts, to a live
--   order of marts.fct_sales_orders

select 'staging.stg_sales_order_lines' as model, lines.order_id, lines.line_id
from staging.stg_sales_order_lines as lines
left join staging.stg_sales_orders as orders on lines.order_id = orders.order_id
where orders.order_id is null

union all

select 'marts.fct_sales_order_lines', lines.order_id, lines.line_id
from marts.fct_sales_order_lines as lines
left join marts.fct_sales_orders as orders on lines.order_id = orders.order_id
where orders.order_id is null

order by model, order_id, line_id
