-- grain: one row per sales order ever loaded (order_id), deleted ones included and flagged
-- description: The order headers of raw.sales_orders, typed and renamed: status category,
--   effective exchange rate, the API's own order amounts and the customer snapshot.
--   Marts use only orders with is_deleted = false.
--
-- column: order_id — the order's ID in 24SevenOffice (key)
-- column: customer_id — the invoice customer's ID (→ marts.dim_customers)
-- column: delivery_customer_id — the delivery customer's ID
-- column: sales_type_id — the order's sales type
-- column: invoice_number — the invoice number, once the order is invoiced
-- column: status — the API's status: Draft, Web, Proposal, Confirmed, Invoice, AdvanceInvoice,
--   Inactive
-- column: status_category — invoiced (Invoice, AdvanceInvoice), confirmed (Confirmed), pipeline
--   (Draft, Web, Proposal), inactive (Inactive), unknown (no status given: neither booked nor
--   pipeline)
-- column: is_booked — true for invoiced and confirmed orders: booked revenue
-- column: is_deleted — true when the API no longer has the order (tombstoned by the loader)
-- column: order_date — the order date
-- column: order_month — first day of the order date's month
-- column: delivery_date — the delivery date
-- column: invoice_date — the invoice date, once invoiced
-- column: invoice_month — first day of the invoice date's month (null while not invoiced)
-- column: invoice_due_date — the invoice's due date, once invoiced
-- column: accrual_start_date — the order's accrual: the first day of its period (null: no
--   accrual)
-- column: accrual_length — the order's accrual: its length in months (null: no accrual)
-- column: created_at — when the order was created in 24SevenOffice
-- column: modified_at — when the order was last modified in 24SevenOffice
-- column: deleted_at — when the loader found the order deleted (null for live orders)
-- column: currency_code — the order's currency (null: the base currency)
-- column: currency_rate — the currency's rate to the base currency as the API gave it
--   (base currency units per unit of currency_code)
-- column: exchange_rate — currency_rate, or 1 where the API gave none; *_base amounts use it
-- column: exchange_rate_e10 — exchange_rate in units of 10^-10 (an integer, exact), for the
--   integer money arithmetic of marts.fct_sales_order_lines; null where the rate has more than
--   10 decimals (or is 922,337,203 or more)
-- column: api_net_amount — the API's netAmount: the order total excluding tax
-- column: api_tax_amount — the API's taxAmount: the order's tax
-- column: api_gross_amount — the API's grossAmount: the order total including tax (net + tax)
-- column: customer_name — customer name on the order (snapshot at the order)
-- column: customer_organization_number — customer organization number (snapshot)
-- column: customer_gln — customer GLN (snapshot)
-- column: customer_street — customer street address (snapshot)
-- column: customer_postal_code — customer postal code (snapshot)
-- column: customer_postal_area — customer postal area (snapshot)
-- column: customer_city — customer city (snapshot)
-- column: customer_country_subdivision — customer county or state (snapshot)
-- column: customer_country_code — customer country code (snapshot)
-- column: delivery_customer_name — delivery customer name (snapshot)
-- column: delivery_city — delivery city (snapshot)
-- column: delivery_country_code — delivery country code (snapshot)
-- column: reference_number — the customer's reference number
-- column: memo — the order's memo
-- column: internal_memo — the order's internal memo
-- column: header_source — where the loader took the header from (listing or single read)
-- column: run_id — the pipeline run that last loaded the order
-- column: extracted_at — when that run read the order from the API
-- column: deleted_run_id — the run that found the order deleted

create or replace view staging.stg_sales_orders as

with

orders as (

    select * from raw.sales_orders

),

final as (

    select
        -- keys
        order_id,
        customer_id,
        delivery_customer_id,
        sales_type_id,
        invoice_number,

        -- status
        status,
        case
            when status in ('Invoice', 'AdvanceInvoice') then 'invoiced'
            when status = 'Confirmed' then 'confirmed'
            when status in ('Draft', 'Web', 'Proposal') then 'pipeline'
            when status = 'Inactive' then 'inactive'
            else 'unknown'
        end as status_category,
        coalesce(status in ('Invoice', 'AdvanceInvoice', 'Confirmed'), false) as is_booked,
        deleted_at is not null as is_deleted,

        -- dates and times
        order_date,
        date_trunc('month', order_date)::date as order_month,
        delivery_date,
        invoice_date,
        date_trunc('month', invoice_date)::date as invoice_month,
        invoice_due_date,
        accrual_start_date,
        accrual_length,
        created_at,
        modified_at,
        deleted_at,

        -- currency
        currency_code,
        currency_rate,
        coalesce(currency_rate, 1)::decimal(28, 16) as exchange_rate,
        -- the load's; computed here for an order loaded without it (see stg_sales_order_lines)
        coalesce(
            currency_rate_e10,
            case
                when currency_rate is null then 10000000000
                when
                    currency_rate * 10000000000 = trunc(currency_rate * 10000000000)
                    and currency_rate < 922337203
                    then (currency_rate * 10000000000)::bigint
            end
        ) as exchange_rate_e10,

        -- the API's order amounts, in the order's currency
        net_amount as api_net_amount,
        tax_amount as api_tax_amount,
        gross_amount as api_gross_amount,

        -- customer snapshot
        customer_name,
        customer_organization_number,
        customer_gln,
        customer_street,
        customer_postal_code,
        customer_postal_area,
        customer_city,
        customer_country_subdivision,
        customer_country_code,
        delivery_customer_name,
        delivery_city,
        delivery_country_code,

        -- text
        reference_number,
        memo,
        internal_memo,

        -- lineage
        header_source,
        run_id,
        extracted_at,
        deleted_run_id

    from orders

)

select * from final
