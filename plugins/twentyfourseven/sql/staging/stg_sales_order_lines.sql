-- grain: one row per current line of a loaded sales order (order_id, line_id)
-- description: The lines of raw.sales_order_lines, typed, with the nested product, tax and
--   account objects as columns. Money rules are applied in marts.fct_sales_order_lines.
--
-- column: order_id — the order the line belongs to (key) (→ staging.stg_sales_orders)
-- column: line_id — the line's ID in 24SevenOffice; unique within its order (key)
-- column: line_number — the line's position in the order (1, 2, …)
-- column: product_id — the product's ID (null on text lines) (→ marts.dim_products)
-- column: tax_id — the tax code's ID (→ marts.dim_tax_codes)
-- column: account_id — the sales account's ID (→ marts.dim_accounts)
-- column: line_type — product or text (null where the API gave none)
-- column: is_text_line — true for text lines (they keep their amounts)
-- column: is_hidden — whether the line is hidden on documents, as the API gave it
-- column: description — the line's description
-- column: product_number — the product number, as on the line
-- column: tax_number — the tax code's number visible to users
-- column: account_number — the sales account's number
-- column: account_name — the sales account's name
-- column: quantity — quantity (negative on credit lines; 0 when not given)
-- column: price — unit price, in the order's currency (0 when not given)
-- column: cost_price — unit cost price, in the order's currency (null when not given)
-- column: discount_rate — discount in percent (10 means 10 %), 0 when not given
-- column: tax_rate — tax rate in percent (25 means 25 %), 0 when not given
-- column: quantity_e6 — quantity in millionths (an integer, exact); null where the quantity has
--   more than 6 decimals
-- column: price_e6 — price in millionths; null where it has more than 6 decimals
-- column: cost_price_e6 — cost price in millionths; null where it has more than 6 decimals or
--   none is given
-- column: discount_rate_e6 — discount rate in millionths of a percent; null where it has more
--   than 6 decimals
-- column: tax_rate_e6 — tax rate in millionths of a percent; null where it has more than 6
--   decimals
-- column: accrual_start_date — the line's own accrual: the first day of its period (null: none;
--   the order's accrual may apply)
-- column: accrual_length — the line's own accrual: its length in months (null: none)
-- column: run_id — the pipeline run that loaded the line
-- column: extracted_at — when that run read the line from the API

create or replace view staging.stg_sales_order_lines as

with

lines as (

    select * from raw.sales_order_lines

),

final as (

    select
        -- keys
        order_id,
        line_id,
        line_number,
        product_id,
        tax_id,
        account_id,

        -- attributes
        line_type,
        coalesce(line_type = 'text', false) as is_text_line,
        is_hidden,
        description,
        product_number,
        tax_number,
        account_number,
        account_name,

        -- quantities, prices and rates, in the order's currency
        coalesce(quantity, 0)::decimal(28, 16) as quantity,
        coalesce(price, 0)::decimal(28, 16) as price,
        cost_price::decimal(28, 16) as cost_price,
        coalesce(discount_rate, 0)::decimal(19, 16) as discount_rate,
        coalesce(tax_rate, 0)::decimal(19, 16) as tax_rate,

        -- the same in integer millionths where they have at most 6 decimals, for the integer
        -- money arithmetic of marts.fct_sales_order_lines: the load's *_e6 columns; a row
        -- without them (loaded by an older version, or written straight into raw) has them
        -- computed here, where they are null (coalesce evaluates that only for those rows:
        -- scaling DECIMAL(28, 16) is slow)
        coalesce(
            quantity_e6,
            case
                when quantity is null then 0
                when quantity * 1000000 = trunc(quantity * 1000000)
                    then (quantity * 1000000)::bigint
            end
        ) as quantity_e6,
        coalesce(
            price_e6,
            case
                when price is null then 0
                when price * 1000000 = trunc(price * 1000000) then (price * 1000000)::bigint
            end
        ) as price_e6,
        coalesce(
            cost_price_e6,
            case
                when cost_price * 1000000 = trunc(cost_price * 1000000)
                    then (cost_price * 1000000)::bigint
            end
        ) as cost_price_e6,
        coalesce(
            discount_rate_e6,
            case
                when discount_rate is null then 0
                when discount_rate * 1000000 = trunc(discount_rate * 1000000)
                    then (discount_rate * 1000000)::bigint
            end
        ) as discount_rate_e6,
        coalesce(
            tax_rate_e6,
            case
                when tax_rate is null then 0
                when tax_rate * 1000000 = trunc(tax_rate * 1000000)
                    then (tax_rate * 1000000)::bigint
            end
        ) as tax_rate_e6,

        -- accrual
        accrual_start_date,
        accrual_length,

        -- lineage
        run_id,
        extracted_at

    from lines

)

select * from final
