-- grain: one row per invoice month and tax code with invoiced lines (invoice_month, tax_id)
-- description: The ledger and VAT view: revenue and tax of invoiced orders (Invoice,
--   AdvanceInvoice) by the month of their invoice date and tax code, with the tax code's name
--   from the master data. Confirmed orders not yet invoiced, pipeline, inactive and deleted orders
--   never count, nor does an invoiced order without an invoice date (it has no VAT period). For a
--   VAT term, filter on invoice_month and sum: e.g. where invoice_month between '2025-01-01' and
--   '2025-02-01' for January-February 2025. All amounts are in the base currency, from the lines
--   (text lines included), each line's tax rounded to cents by the money rules.
--
-- column: invoice_month — first day of the invoice date's month
-- column: tax_id — the tax code (→ marts.dim_tax_codes)
-- column: tax_number — the tax code's number (master data, else latest seen)
-- column: tax_name — the tax code's name in 24SevenOffice (null where the master data lacks the
--   code)
-- column: tax_rate — the tax code's rate in percent (master data, else latest seen)
-- column: invoice_count — invoiced orders with lines of the code invoiced in the month
-- column: line_count — their lines of the code
-- column: net_amount — the lines' net amount (the VAT base); base currency
-- column: tax_amount — the lines' tax (output VAT); base currency
-- column: total_amount — net_amount + tax_amount; base currency

create or replace view reports.rpt_vat_by_invoice_month as

with

lines as (

    select * from marts.fct_sales_order_lines
    where status_category = 'invoiced' and invoice_month is not null

),

tax_codes as (

    select * from marts.dim_tax_codes

),

by_month_and_code as (

    select
        invoice_month,
        tax_id,
        count(distinct order_id) as invoice_count,
        count(*) as line_count,
        sum(net_amount_base)::decimal(38, 2) as net_amount,
        sum(tax_amount_base)::decimal(38, 2) as tax_amount,
        sum(total_amount_base)::decimal(38, 2) as total_amount

    from lines
    group by invoice_month, tax_id

),

final as (

    select
        -- month and tax code
        by_month_and_code.invoice_month,
        by_month_and_code.tax_id,
        tax_codes.tax_number,
        tax_codes.tax_name,
        tax_codes.tax_rate,

        -- revenue and tax
        by_month_and_code.invoice_count,
        by_month_and_code.line_count,
        by_month_and_code.net_amount,
        by_month_and_code.tax_amount,
        by_month_and_code.total_amount

    from by_month_and_code
    left join tax_codes on by_month_and_code.tax_id = tax_codes.tax_id

)

select * from final
order by invoice_month, tax_number
