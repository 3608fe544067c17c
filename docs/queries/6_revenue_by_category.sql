-- Booked revenue and discount by top-level product category over the last 12 months of
-- data, by the category each product was in at the time of the sale (base currency).
select
    category_name,
    sum(booked_net_amount) as booked_net_amount,
    sum(booked_discount_amount) as booked_discount_amount,
    sum(booked_line_count) as booked_line_count
from reports.rpt_revenue_by_category
where category_level = 1
    and month > (select max(month) from reports.rpt_revenue_by_category) - interval 12 month
group by category_id, category_name
order by booked_net_amount desc;
