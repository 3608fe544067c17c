-- test: on every line, gross_amount − discount_amount = net_amount, in the order's currency
--   and in the base currency, and net_amount is round(quantity × price × (1 − discount / 100), 2)
-- incremental: order_id

-- x = round(exact, 2) half away from zero: x is within half a cent of the exact amount, and a
-- tie went away from zero (checked without rounding, which DuckDB does slowly on DECIMAL(38)).
-- Lines whose quantity, price and discount have at most 6 decimals (nearly all) are checked
-- exactly from their integer millionths (*_e6 × 0.000001 is exact and fast, where scaling the
-- DECIMAL(28, 16) columns is slow): quantity × price is exact in DECIMAL(38, 12) (below
-- 10^24); times (100 − discount) it would need 44 digits, so net_error (100 × (exact net −
-- net_amount)) is formed from the whole and the fractional part of quantity × price, and only
-- where the whole part is near enough to be added to the fraction exactly in DECIMAL(38, 18).
-- A line with more decimals is checked against a floating-point estimate, within half a cent
-- plus the estimate's error (10^-12 of the amount): a wrong amount fails, the rounding of its
-- last cent is proven by tests/models/test_money_property.py.
with

lines as (

    select
        *,
        quantity_e6 is not null
        and price_e6 is not null
        and discount_rate_e6 is not null as is_exact_check,
        (quantity_e6 * 0.000001)::decimal(38, 6) * (price_e6 * 0.000001)::decimal(18, 6)
            as gross_exact,
        100 - (discount_rate_e6 * 0.000001)::decimal(9, 6) as kept_rate

    from marts.fct_sales_order_lines

),

split as (

    select
        *,
        trunc(gross_exact)::decimal(38, 0) * kept_rate - net_amount * 100 as net_error_whole,
        (gross_exact - trunc(gross_exact)) * kept_rate as net_error_fraction

    from lines

),

net_errors as (

    select
        *,
        case
            when abs(net_error_whole) < 1000 then net_error_whole + net_error_fraction
        end as net_error,
        -- only where the exact check cannot run (case evaluates this for those rows alone);
        -- 100 − discount_rate is taken exactly, in DECIMAL: in floating point a rate near
        -- 100 % would cancel to 0
        case
            when not is_exact_check
                then quantity::double * price::double
        end as gross_estimate,
        case
            when not is_exact_check
                then quantity::double * price::double * (100 - discount_rate)::double / 100
        end as net_estimate

    from split

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

from net_errors
where gross_amount - discount_amount <> net_amount
    or gross_amount_base - discount_amount_base <> net_amount_base
    or gross_amount is null
    or discount_amount is null
    or net_amount is null
    or (
        is_exact_check and (
            abs(gross_exact - gross_amount) > 0.005
            or (abs(gross_exact - gross_amount) = 0.005 and abs(gross_amount) < abs(gross_exact))
            or net_error is null
            or abs(net_error) > 0.5
            -- a tie rounded toward zero: the exact net lies beyond net_amount, away from zero
            or (abs(net_error) = 0.5 and sign(net_error) * sign(net_amount) >= 0)
        )
    )
    or (
        not is_exact_check and (
            abs(gross_estimate - gross_amount::double) > 0.005 + abs(gross_estimate) * 1e-12
            or abs(net_estimate - net_amount::double) > 0.005 + abs(net_estimate) * 1e-12
        )
    )
order by order_id, line_id
