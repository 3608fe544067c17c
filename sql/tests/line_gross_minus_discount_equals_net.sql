-- test: on every line, gross_amount − discount_amount = net_amount, in the order's currency
--   and in the base currency, and net_amount is round(quantity × price × (1 − discount / 100), 2)

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

from marts.fct_sales_order_lines
where gross_amount - discount_amount <> net_amount
    or gross_amount_base - discount_amount_base <> net_amount_base
    or gross_amount <> round(quantity::decimal(38, 6) * price, 2)
    or net_amount <> round(quantity::decimal(38, 6) * price * (100 - discount_rate) * 0.01, 2)
    or gross_amount is null
    or discount_amount is null
    or net_amount is null
order by order_id, line_id
