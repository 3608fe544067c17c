-- Gross margin of booked lines by month for the last 12 months of data: net amount minus
-- quantity x cost price (the line's cost price, else the product's at the time of the sale),
-- base currency; lines without any cost price are counted apart.
select
    month,
    sum(net_amount_base) as net_amount,
    sum(cost_amount_base) as cost_amount,
    sum(margin_amount_base) as margin_amount,
    decimal_division(
        (sum(margin_amount_base) * 100)::decimal(36, 2),
        nullif(sum(net_amount_base), 0)::decimal(36, 2),
        2
    ) as margin_pct,
    sum(uncosted_line_count) as uncosted_line_count
from reports.rpt_gross_margin
where month > (select max(month) from reports.rpt_gross_margin) - interval 12 month
group by month
order by month;
