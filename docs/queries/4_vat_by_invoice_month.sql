-- Revenue and output VAT by tax code, with its name, of the orders invoiced in the latest
-- calendar year in the data, by invoice date (the VAT return's period; confirmed orders not yet
-- invoiced do not count).
select
    tax_number,
    tax_name,
    tax_rate,
    sum(net_amount) as net_amount,
    sum(tax_amount) as tax_amount,
    sum(total_amount) as total_amount
from reports.rpt_vat_by_invoice_month
where year(invoice_month) = (select max(year(invoice_month)) from reports.rpt_vat_by_invoice_month)
group by tax_number, tax_name, tax_rate
order by tax_number;
