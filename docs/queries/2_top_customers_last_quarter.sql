-- The ten customers with the most booked revenue over the last three months of data.
-- For a fixed period, write e.g.: where month between '2025-01-01' and '2025-03-01'
select
    customer_id,
    customer_name,
    sum(booked_net_amount) as booked_net_amount,
    sum(booked_total_amount) as booked_total_amount
from reports.rpt_revenue_by_customer
where month > (select max(month) from reports.rpt_revenue_by_customer) - interval 3 month
group by customer_id, customer_name
having sum(booked_net_amount) <> 0
order by booked_net_amount desc
limit 10;
