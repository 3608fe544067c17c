-- test: on every line, net_amount + tax_amount = total_amount, in the order's currency and in
--   the base currency, and tax_amount is round(net_amount × tax_rate / 100, 2)
-- incremental: order_id

-- x = round(exact, 2) half away from zero: x is within half a cent of the exact amount, and a
-- tie went away from zero (checked without rounding, which DuckDB does slowly on DECIMAL(38))
with

lines as (

    select
        *,
        net_amount::decimal(38, 2) * tax_rate * 0.01 as tax_exact

    from marts.fct_sales_order_lines

)

select
    order_id,
    line_id,
    tax_rate,
    net_amount,
    tax_amount,
    total_amount,
    net_amount_base,
    tax_amount_base,
    total_amount_base

from lines
where net_amount + tax_amount <> total_amount
    or net_amount_base + tax_amount_base <> total_amount_base
    or abs(tax_exact - tax_amount) > 0.005
    or (abs(tax_exact - tax_amount) = 0.005 and abs(tax_amount) < abs(tax_exact))
    or tax_amount is null
    or total_amount is null
order by order_id, line_id
