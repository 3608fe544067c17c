-- test: on every line, gross_amount − discount_amount = net_amount, in the order's currency
--   and in the base currency, and net_amount is round(quantity × price × (1 − discount / 100), 2)

-- x = round(exact, 2) half away from zero: x is within half a cent of the exact amount, and a
-- tie went away from zero (checked without rounding, which DuckDB does slowly on DECIMAL(38))
with

lines as (

    select
        *,
        quantity::decimal(38, 6) * price as gross_exact,
        quantity::decimal(38, 6) * price * (100 - discount_rate) * 0.01 as net_exact

    from marts.fct_sales_order_lines

)

select
    order_id,
    line_id,
    quantity,
    price,
    discount_rate,
    gross_amount,
    discount_amount,
    net_amount,
    gross_amount_base,
    discount_amount_base,
    net_amount_base

from lines
where gross_amount - discount_amount <> net_amount
    or gross_amount_base - discount_amount_base <> net_amount_base
    or abs(gross_exact - gross_amount) > 0.005
    or (abs(gross_exact - gross_amount) = 0.005 and abs(gross_amount) < abs(gross_exact))
    or abs(net_exact - net_amount) > 0.005
    or (abs(net_exact - net_amount) = 0.005 and abs(net_amount) < abs(net_exact))
    or gross_amount is null
    or discount_amount is null
    or net_amount is null
order by order_id, line_id
