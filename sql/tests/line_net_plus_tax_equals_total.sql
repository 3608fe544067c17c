-- test: on every line, net_amount + tax_amount = total_amount, in the order's currency and in
--   the base currency, and tax_amount is round(net_amount × tax_rate / 100, 2)

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

from marts.fct_sales_order_lines
where net_amount + tax_amount <> total_amount
    or net_amount_base + tax_amount_base <> total_amount_base
    or tax_amount <> round(net_amount::decimal(38, 2) * tax_rate * 0.01, 2)
    or tax_amount is null
    or total_amount is null
order by order_id, line_id
