-- grain: one row per live order whose API amounts differ from the sum of its lines (order_id)
-- description: The orders whose netAmount, taxAmount or grossAmount (as the API gave them)
--   differ from the amounts summed from their lines, with the differences (API minus lines,
--   in the order's currency). Empty when everything reconciles. The API's amounts are the
--   vendor's data: a difference is reported here, never a reason to stop the transform.
--   Rounding per line and per order may disagree by up to half a cent per line; a
--   difference beyond that (is_beyond_tolerance) is a real disagreement worth a look.
--
-- column: order_id — the order (→ marts.fct_sales_orders)
-- column: order_date — the order date
-- column: status — the API's status
-- column: currency_code — the order's currency (null: the base currency)
-- column: line_count — lines of the order
-- column: api_net_amount — the API's netAmount; order currency
-- column: net_amount — sum of the lines' net_amount; order currency
-- column: net_amount_difference — api_net_amount − net_amount
-- column: api_tax_amount — the API's taxAmount; order currency
-- column: tax_amount — sum of the lines' tax_amount; order currency
-- column: tax_amount_difference — api_tax_amount − tax_amount
-- column: api_gross_amount — the API's grossAmount (including tax); order currency
-- column: total_amount — sum of the lines' total_amount (net + tax); order currency
-- column: total_amount_difference — api_gross_amount − total_amount
-- column: largest_difference — the largest of the three differences, in absolute value
-- column: tolerance — what rounding can explain: 0.005 per line, at least 0.01
-- column: is_beyond_tolerance — true where largest_difference exceeds the tolerance

create or replace view reports.rpt_order_reconciliation as

with

orders as (

    select * from marts.fct_sales_orders
    where not is_reconciled

),

differences as (

    select
        -- order
        order_id,
        order_date,
        status,
        currency_code,
        line_count,

        -- net
        api_net_amount,
        net_amount,
        net_amount_difference,

        -- tax
        api_tax_amount,
        tax_amount,
        tax_amount_difference,

        -- gross (API) and total (lines), both including tax
        api_gross_amount,
        total_amount,
        total_amount_difference,

        greatest(
            coalesce(abs(net_amount_difference), 0),
            coalesce(abs(tax_amount_difference), 0),
            coalesce(abs(total_amount_difference), 0)
        )::decimal(38, 6) as largest_difference

    from orders

),

with_tolerance as (

    select
        *,
        greatest(0.01, 0.005 * line_count)::decimal(18, 3) as tolerance

    from differences

),

final as (

    select
        *,
        largest_difference > tolerance as is_beyond_tolerance

    from with_tolerance

)

select * from final
order by largest_difference desc, order_id asc
