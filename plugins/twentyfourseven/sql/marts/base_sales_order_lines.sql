-- grain: one row per current line of a loaded sales order (order_id, line_id), deleted orders
--   included and flagged
-- description: The lines with their order's header, shared by marts.fct_sales_order_lines (the
--   lines of live orders) and the line dimensions marts.dim_products, dim_accounts and
--   dim_tax_codes (which take the latest values seen on any line, deleted orders included).
--   A building block: query marts.fct_sales_order_lines instead.
--   Recognition (the period rule): a line with an accrual (its own, else its order's) is
--   recognized over its accrual's months, from the month of its start date; a line without one
--   is recognized in one month: its invoice month on an invoiced order with an invoice date,
--   else its order month (while not invoiced). marts.fct_revenue_schedule spreads the amounts.
--
-- column: order_id — the order (→ staging.stg_sales_orders)
-- column: line_id — the line's ID in 24SevenOffice; unique within its order
-- column: line_number — the line's position in the order
-- column: customer_id — the order's customer
-- column: product_id — the product (null on text lines)
-- column: tax_id — the tax code
-- column: account_id — the sales account
-- column: is_deleted — true when the order has been deleted upstream
-- column: order_date — the order's date
-- column: order_month — first day of the order date's month
-- column: status — the order's status as the API gave it
-- column: status_category — invoiced, confirmed, pipeline, inactive (or unknown)
-- column: is_booked — true on invoiced and confirmed orders: booked revenue
-- column: invoice_date — the order's invoice date, once invoiced
-- column: invoice_month — first day of the invoice date's month (null while not invoiced)
-- column: seen — when the line was seen, to find the latest values seen: (the order's
--   modified_at or 1970-01-01, extracted_at, order_id, line_id), compared field by field
-- column: line_type — product or text (null where the API gave none)
-- column: is_text_line — true for text lines
-- column: is_hidden — whether the line is hidden on documents, as the API gave it
-- column: description — the line's description
-- column: product_number — the product number, as on the line
-- column: tax_number — the tax code's number visible to users
-- column: account_number — the sales account's number
-- column: account_name — the sales account's name
-- column: currency_code — the order's currency (null: the base currency)
-- column: exchange_rate — base currency units per unit of the order's currency (1 when absent)
-- column: exchange_rate_e10 — exchange_rate in units of 10^-10 (an integer, exact); null where
--   the rate has more than 10 decimals
-- column: quantity — quantity (negative on credit lines; 0 when not given)
-- column: price — unit price, order currency (0 when not given)
-- column: cost_price — unit cost price, order currency (null when not given)
-- column: discount_rate — discount in percent (0 when not given)
-- column: tax_rate — tax rate in percent (0 when not given)
-- column: quantity_e6 — quantity in millionths; null where it has more than 6 decimals
-- column: price_e6 — price in millionths; null where it has more than 6 decimals
-- column: cost_price_e6 — cost price in millionths; null where none is given or it has more
--   than 6 decimals
-- column: discount_rate_e6 — discount rate in millionths of a percent; null where it has more
--   than 6 decimals
-- column: tax_rate_e6 — tax rate in millionths of a percent; null where it has more than 6
--   decimals
-- column: accrual_source — whose accrual applies: line (the line's own), order (the order's,
--   the line having none) or null (neither: no accrual)
-- column: accrual_start_date — the accrual's start date (the line's, else the order's)
-- column: accrual_length — the accrual's length in months (the line's, else the order's)
-- column: run_id — the pipeline run that loaded the line
-- column: extracted_at — when that run read the line from the API
-- column: recognition_start_month — the first month the line's revenue is recognized in: the
--   accrual's start month, else the invoice month (invoiced orders), else the order month
-- column: recognition_month_count — months the line's revenue is spread over: the accrual's
--   length, else 1
-- column: recognition_end_month — the last month the line's revenue is recognized in

create or replace view marts.base_sales_order_lines as

with

lines as (

    select * from staging.stg_sales_order_lines

),

orders as (

    select * from staging.stg_sales_orders

),

joined as (

    select
        -- keys
        lines.order_id,
        lines.line_id,
        lines.line_number,
        orders.customer_id,
        lines.product_id,
        lines.tax_id,
        lines.account_id,

        -- order
        orders.is_deleted,
        orders.order_date,
        orders.order_month,
        orders.status,
        orders.status_category,
        orders.is_booked,
        orders.invoice_date,
        orders.invoice_month,
        (
            coalesce(orders.modified_at, '1970-01-01'::timestamptz),
            lines.extracted_at,
            lines.order_id,
            lines.line_id
        ) as seen,

        -- line attributes
        lines.line_type,
        lines.is_text_line,
        lines.is_hidden,
        lines.description,
        lines.product_number,
        lines.tax_number,
        lines.account_number,
        lines.account_name,

        -- currency
        orders.currency_code,
        orders.exchange_rate,
        orders.exchange_rate_e10,

        -- quantities, prices and rates
        lines.quantity,
        lines.price,
        lines.cost_price,
        lines.discount_rate,
        lines.tax_rate,
        lines.quantity_e6,
        lines.price_e6,
        lines.cost_price_e6,
        lines.discount_rate_e6,
        lines.tax_rate_e6,

        -- accrual: the line's own, else its order's
        case
            when lines.accrual_length is not null then 'line'
            when orders.accrual_length is not null then 'order'
        end as accrual_source,
        case
            when lines.accrual_length is not null then lines.accrual_start_date
            else orders.accrual_start_date
        end as accrual_start_date,
        coalesce(lines.accrual_length, orders.accrual_length) as accrual_length,

        -- lineage
        lines.run_id,
        lines.extracted_at

    from lines
    inner join orders on lines.order_id = orders.order_id

),

recognized as (

    select
        *,
        case
            when accrual_source is not null then date_trunc('month', accrual_start_date)::date
            when status_category = 'invoiced' and invoice_month is not null then invoice_month
            else order_month
        end as recognition_start_month,
        coalesce(accrual_length, 1) as recognition_month_count

    from joined

),

final as (

    select
        *,
        (recognition_start_month + to_months(recognition_month_count - 1))::date
            as recognition_end_month

    from recognized

)

select * from final
