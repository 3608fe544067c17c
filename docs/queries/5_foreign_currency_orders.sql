-- The largest booked orders in a foreign currency: amounts in the order's currency and
-- converted to the base currency with the order's rate; deleted orders are never in the marts.
select
    o.order_id,
    o.order_date,
    c.customer_name,
    o.currency_code,
    o.exchange_rate,
    o.net_amount as net_amount_in_currency,
    o.net_amount_base
from marts.fct_sales_orders as o
left join marts.dim_customers as c on o.customer_id = c.customer_id
where o.is_booked and o.exchange_rate <> 1
order by o.net_amount_base desc
limit 10;
