-- Booked revenue and tax by tax code for the latest calendar year in the data
-- (a starting point for the VAT return).
select
    tax_number,
    tax_name,
    tax_rate,
    sum(booked_net_amount) as net_amount,
    sum(booked_tax_amount) as tax_amount,
    sum(booked_total_amount) as total_amount
from reports.rpt_revenue_by_tax_code
where year(month) = (select max(year(month)) from reports.rpt_revenue_by_tax_code)
group by tax_number, tax_name, tax_rate
order by tax_number;
