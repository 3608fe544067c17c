-- test: on every line, net_amount + tax_amount = total_amount, in the order's currency and in
--   the base currency, and tax_amount is round(net_amount × tax_rate / 100, 2)
-- incremental: order_id

-- x = round(exact, 2) half away from zero: x is within half a cent of the exact amount, and a
-- tie went away from zero (checked without rounding, which DuckDB does slowly on DECIMAL(38)).
-- A tax rate of at most 6 decimals (nearly all) is taken from its integer millionths, exact and
-- fast; one with more from the DECIMAL(19, 16) column, exact in DECIMAL(38, 18) for a net amount
-- below 10^18, else checked against a floating-point estimate within half a cent plus 10^-12 of
-- the amount (see line_gross_minus_discount_equals_net).
with

lines as (

    select
        *,
        case
            when tax_rate_e6 is not null
                then net_amount::decimal(38, 2) * (tax_rate_e6 * 0.000001)::decimal(9, 6) * 0.01
            when abs(net_amount) < 1000000000000000000
                then net_amount::decimal(36, 2) * tax_rate * 0.01
        end as tax_exact,
        case
            when tax_rate_e6 is null and abs(net_amount) >= 1000000000000000000
                then net_amount::double * tax_rate::double / 100
        end as tax_estimate

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
    or abs(tax_estimate - tax_amount::double) > 0.005 + abs(tax_estimate) * 1e-12
    or tax_amount is null
    or total_amount is null
order by order_id, line_id
