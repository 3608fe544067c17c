-- grain: one row per live (not deleted) sales order (order_id)
-- description: Orders with their amounts summed from their lines (marts.fct_sales_order_lines),
--   beside the API's own order amounts and the differences. The API's grossAmount includes
--   tax, so it compares with total_amount. An order without lines sums to 0.
-- incremental: order_id
--
-- column: order_id — the order's ID in 24SevenOffice (key)
-- column: customer_id — the customer (→ marts.dim_customers)
-- column: invoice_number — the invoice number, once invoiced
-- column: order_date — the order date
-- column: order_month — first day of the order date's month
-- column: status — the API's status
-- column: status_category — invoiced, confirmed, pipeline, inactive (or unknown)
-- column: is_booked — true for invoiced and confirmed orders
-- column: invoice_date — the invoice date, once invoiced
-- column: invoice_month — first day of the invoice date's month (null while not invoiced): the
--   ledger and VAT period
-- column: currency_code — the order's currency (null: the base currency)
--   (→ marts.dim_currencies)
-- column: exchange_rate — base currency units per unit of the order's currency (1 when absent)
-- column: line_count — lines of the order
-- column: text_line_count — text lines of the order
-- column: discounted_line_count — lines with a discount rate above 0
-- column: gross_amount — sum of the lines' gross_amount; order currency
-- column: discount_amount — sum of the lines' discount_amount; order currency
-- column: net_amount — sum of the lines' net_amount; order currency
-- column: tax_amount — sum of the lines' tax_amount; order currency
-- column: total_amount — sum of the lines' total_amount (net + tax); order currency
-- column: gross_amount_base — sum of the lines' gross_amount_base; base currency
-- column: discount_amount_base — sum of the lines' discount_amount_base; base currency
-- column: net_amount_base — sum of the lines' net_amount_base; base currency
-- column: tax_amount_base — sum of the lines' tax_amount_base; base currency
-- column: total_amount_base — sum of the lines' total_amount_base; base currency
-- column: api_net_amount — the API's netAmount (excluding tax); order currency
-- column: api_tax_amount — the API's taxAmount; order currency
-- column: api_gross_amount — the API's grossAmount (including tax); order currency
-- column: net_amount_difference — api_net_amount − net_amount (null where the API gave none)
-- column: tax_amount_difference — api_tax_amount − tax_amount (null where the API gave none)
-- column: total_amount_difference — api_gross_amount − total_amount (null where the API gave
--   none)
-- column: is_reconciled — true where every amount the API gave equals the sum of the lines

create or replace table marts.fct_sales_orders as

with

orders as (

    select * from staging.stg_sales_orders
    where not is_deleted

),

lines as (

    select * from marts.fct_sales_order_lines

),

line_sums as (

    select
        order_id,
        count(*) as line_count,
        count(*) filter (where is_text_line) as text_line_count,
        count(*) filter (where is_discounted) as discounted_line_count,
        sum(gross_amount) as gross_amount,
        sum(discount_amount) as discount_amount,
        sum(net_amount) as net_amount,
        sum(tax_amount) as tax_amount,
        sum(total_amount) as total_amount,
        sum(gross_amount_base) as gross_amount_base,
        sum(discount_amount_base) as discount_amount_base,
        sum(net_amount_base) as net_amount_base,
        sum(tax_amount_base) as tax_amount_base,
        sum(total_amount_base) as total_amount_base

    from lines
    group by order_id

),

orders_with_sums as (

    select
        orders.*,
        coalesce(line_sums.line_count, 0) as line_count,
        coalesce(line_sums.text_line_count, 0) as text_line_count,
        coalesce(line_sums.discounted_line_count, 0) as discounted_line_count,
        coalesce(line_sums.gross_amount, 0)::decimal(38, 2) as gross_amount,
        coalesce(line_sums.discount_amount, 0)::decimal(38, 2) as discount_amount,
        coalesce(line_sums.net_amount, 0)::decimal(38, 2) as net_amount,
        coalesce(line_sums.tax_amount, 0)::decimal(38, 2) as tax_amount,
        coalesce(line_sums.total_amount, 0)::decimal(38, 2) as total_amount,
        coalesce(line_sums.gross_amount_base, 0)::decimal(38, 2) as gross_amount_base,
        coalesce(line_sums.discount_amount_base, 0)::decimal(38, 2) as discount_amount_base,
        coalesce(line_sums.net_amount_base, 0)::decimal(38, 2) as net_amount_base,
        coalesce(line_sums.tax_amount_base, 0)::decimal(38, 2) as tax_amount_base,
        coalesce(line_sums.total_amount_base, 0)::decimal(38, 2) as total_amount_base

    from orders
    left join line_sums on orders.order_id = line_sums.order_id

),

final as (

    select
        -- keys
        order_id,
        customer_id,
        invoice_number,

        -- order
        order_date,
        order_month,
        status,
        status_category,
        is_booked,
        invoice_date,
        invoice_month,

        -- currency
        currency_code,
        exchange_rate,

        -- counts
        line_count,
        text_line_count,
        discounted_line_count,

        -- summed from the lines, order currency
        gross_amount,
        discount_amount,
        net_amount,
        tax_amount,
        total_amount,

        -- summed from the lines, base currency
        gross_amount_base,
        discount_amount_base,
        net_amount_base,
        tax_amount_base,
        total_amount_base,

        -- the API's own order amounts, order currency
        api_net_amount,
        api_tax_amount,
        api_gross_amount,

        -- reconciliation
        (api_net_amount - net_amount)::decimal(38, 6) as net_amount_difference,
        (api_tax_amount - tax_amount)::decimal(38, 6) as tax_amount_difference,
        (api_gross_amount - total_amount)::decimal(38, 6) as total_amount_difference,
        (
            coalesce(api_net_amount = net_amount, true)
            and coalesce(api_tax_amount = tax_amount, true)
            and coalesce(api_gross_amount = total_amount, true)
        ) as is_reconciled

    from orders_with_sums

)

select * from final
