-- test: every order status the API gives maps to a known category (invoiced, confirmed,
--   pipeline, inactive) and every line type it gives is product or text, so no revenue falls
--   outside the reports by a mapping of ours. An order without a status (the API models allow
--   it) is in category unknown; a line without a type is not a text line.
-- incremental: order_id

select
    'staging.stg_sales_orders' as model, 'status' as value_column, status as value,
    count(*) as rows
from staging.stg_sales_orders
where status_category = 'unknown' and status is not null
group by status

union all

select 'staging.stg_sales_order_lines', 'line_type', line_type, count(*)
from staging.stg_sales_order_lines
where line_type not in ('product', 'text')
group by line_type

order by model, value
