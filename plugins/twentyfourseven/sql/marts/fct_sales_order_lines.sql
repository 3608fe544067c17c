-- grain: one row per line of a live (not deleted) sales order (order_id, line_id)
-- description: Sales order lines with the project's money rules, rounding half away
--   from zero to cents per line: gross = round(quantity × price, 2); net = round(quantity ×
--   price × (1 − discount_rate / 100), 2); discount = gross − net; tax = round(net × tax_rate /
--   100, 2); total = net + tax. Amounts are in the order's currency; *_base amounts are each
--   amount × exchange_rate rounded to cents (discount_base = gross_base − net_base, total_base =
--   net_base + tax_base). Text lines keep their amounts and are flagged. Computed exactly in
--   integers of cents and smaller units (see the SQL), from the values as the API gave them (up
--   to 16 decimals; lines with more than 6 take a slower exact path);
--   tests/models/test_money_property.py checks the results against Python's Decimal.
-- incremental: order_id
--
-- column: order_id — the order (key) (→ marts.fct_sales_orders)
-- column: line_id — the line's ID in 24SevenOffice; unique within its order (key)
-- column: line_number — the line's position in the order
-- column: customer_id — the order's customer (→ marts.dim_customers)
-- column: product_id — the product (→ marts.dim_products; null on text lines)
-- column: tax_id — the tax code (→ marts.dim_tax_codes)
-- column: account_id — the sales account (→ marts.dim_accounts)
-- column: order_date — the order's date
-- column: order_month — first day of the order date's month
-- column: status — the order's status as the API gave it
-- column: status_category — invoiced, confirmed, pipeline, inactive (or unknown)
-- column: is_booked — true on invoiced and confirmed orders: booked revenue
-- column: invoice_date — the order's invoice date, once invoiced
-- column: invoice_month — first day of the invoice date's month (null while not invoiced)
-- column: accrual_source — whose accrual applies: line (the line's own), order (the order's,
--   the line having none) or null (no accrual)
-- column: accrual_start_date — the accrual's start date (the line's, else the order's)
-- column: accrual_length — the accrual's length in months (the line's, else the order's)
-- column: recognition_start_month — the first month of recognized revenue: the accrual's start
--   month, else the invoice month (invoiced orders), else the order month
-- column: recognition_month_count — months the revenue is recognized over: the accrual's
--   length, else 1 (marts.fct_revenue_schedule has a row for each)
-- column: recognition_end_month — the last month of recognized revenue
-- column: line_type — product or text (null where the API gave none)
-- column: is_text_line — true for text lines
-- column: is_credit_line — true where the quantity is negative
-- column: is_discounted — true where the discount rate is above 0
-- column: is_hidden — whether the line is hidden on documents, as the API gave it
-- column: description — the line's description
-- column: discount_band — 0 %, 0-10 %, 10-25 %, 25-50 %, 50-<100 % or 100 % (upper bounds
--   included: 10 % is in 0-10 %)
-- column: discount_band_order — sorts the bands: 0 (0 %) to 5 (100 %)
-- column: currency_code — the order's currency (null: the base currency)
-- column: exchange_rate — base currency units per unit of the order's currency (1 when absent)
-- column: quantity — quantity (negative on credit lines)
-- column: price — unit price, order currency
-- column: cost_price — unit cost price, order currency (null when not given)
-- column: discount_rate — discount in percent
-- column: tax_rate — tax rate in percent
-- column: quantity_e6 — quantity in millionths (an integer, exact), for checks in integers; null
--   where the quantity has more than 6 decimals
-- column: price_e6 — price in millionths; null where it has more than 6 decimals
-- column: discount_rate_e6 — discount rate in millionths of a percent; null where it has more
--   than 6 decimals
-- column: tax_rate_e6 — tax rate in millionths of a percent; null where it has more than 6
--   decimals
-- column: gross_amount — round(quantity × price, 2): before discount, excluding tax; order currency
-- column: discount_amount — gross_amount − net_amount; order currency
-- column: net_amount — round(quantity × price × (1 − discount_rate / 100), 2): revenue
--   excluding tax; order currency
-- column: tax_amount — round(net_amount × tax_rate / 100, 2); order currency
-- column: total_amount — net_amount + tax_amount: including tax; order currency
-- column: gross_amount_base — round(gross_amount × exchange_rate, 2); base currency
-- column: discount_amount_base — gross_amount_base − net_amount_base; base currency
-- column: net_amount_base — round(net_amount × exchange_rate, 2); base currency
-- column: tax_amount_base — round(tax_amount × exchange_rate, 2); base currency
-- column: total_amount_base — net_amount_base + tax_amount_base; base currency
-- column: category_id — the product's category today (→ marts.dim_product_categories)
-- column: sale_category_id — the product's category at the time of the sale: in the version of
--   the product (marts.dim_product_versions) valid at the start of the order date, UTC; today's
--   where the history lacks the product (→ marts.dim_product_categories)
-- column: cost_price_source — where the cost price comes from: line (the line's cost price,
--   order currency), product (the product's cost price at the time of the sale, base currency)
--   or null (neither known: no cost, no margin)
-- column: product_cost_price — the product's unit cost price at the time of the sale; base
--   currency (used only where the line gives none)
-- column: cost_amount — round(quantity × cost price, 2) in the order's currency (from a product
--   cost price: cost_amount_base / exchange_rate, rounded to cents)
-- column: margin_amount — gross margin: net_amount − cost_amount; order currency
-- column: cost_amount_base — cost_amount × exchange_rate rounded to cents (from a product cost
--   price: round(quantity × cost price, 2)); base currency
-- column: margin_amount_base — gross margin: net_amount_base − cost_amount_base; base currency
-- column: run_id — the pipeline run that loaded the line
-- column: extracted_at — when that run read the line from the API

create or replace table marts.fct_sales_order_lines as

with

lines as (

    select * from marts.base_sales_order_lines
    where not is_deleted

),

products as (

    select * from marts.dim_products

),

product_versions as (

    select * from marts.dim_product_versions

),

-- per product, each version's span in order dates (UTC): from the first date that starts at or
-- after valid_from to the first that starts at or after valid_to, with the category then, the
-- category today and the cost price then; a product the history lacks (built from the lines)
-- holds one span, for ever
product_spans as (

    select
        product_versions.product_id,
        timezone('UTC', product_versions.valid_from) as valid_from_utc,
        timezone('UTC', product_versions.valid_to) as valid_to_utc,
        product_versions.category_id as sale_category_id,
        products.category_id,
        product_versions.cost_price as product_cost_price

    from product_versions
    inner join products on product_versions.product_id = products.product_id

),

product_dates as (

    select
        product_id,
        valid_from_utc::date
        + (valid_from_utc > valid_from_utc::date)::integer as valid_from_date,
        coalesce(
            valid_to_utc::date + (valid_to_utc > valid_to_utc::date)::integer,
            'infinity'::date
        ) as valid_to_date,
        sale_category_id,
        category_id,
        product_cost_price

    from product_spans

    union all

    select
        product_id,
        '-infinity'::date,
        'infinity'::date,
        category_id as sale_category_id,
        category_id,
        cost_price

    from products
    where product_id not in (select product_id from product_versions)

),

-- the cost price in millionths where it has at most 6 decimals, once per version
product_dates_scaled as (

    select
        *,
        case
            when product_cost_price * 1000000 = trunc(product_cost_price * 1000000)
                then (product_cost_price * 1000000)::bigint
        end as product_cost_price_e6

    from product_dates

),

-- each line with the version of its product valid at the start of its order date (a line
-- without an order date: the current version): a hash join on the product, then the range
lines_with_products as (

    select
        lines.*,
        product_dates.category_id,
        product_dates.sale_category_id,
        product_dates.product_cost_price,
        product_dates.product_cost_price_e6

    from lines
    left join product_dates_scaled as product_dates
        on
            lines.product_id = product_dates.product_id
            and product_dates.valid_from_date <= coalesce(lines.order_date, '9999-12-31'::date)
            and coalesce(lines.order_date, '9999-12-31'::date) < product_dates.valid_to_date

),

-- The money rules in integers of 10^-n currency units (columns *_e<n>; *_cents are 10^-2),
-- exact and much faster than DECIMAL(38, …), which DuckDB rounds by 128-bit long division.
-- The fast path: a line whose quantity, prices and rates have at most 6 decimals (the exchange
-- rate at most 10) comes with them in integer millionths (*_e6, from the load), below 10^12 ×
-- 10^6, so in BIGINT. Products are formed in HUGEINT and rounded in BIGINT where they fit (all
-- but amounts in the millions), else in HUGEINT (the same result, slower). "Fit" is below 9 ×
-- 10^18, which leaves BIGINT room for the half added in rounding. Rounding n / d half away from
-- zero is (n + sign(n) × d / 2) // d, as // truncates toward zero.
-- Bounds (HUGEINT holds 1.7 × 10^38): quantity × price is below 10^24, so gross_e12 is below
-- 10^36; the load refuses a line whose amount reaches 10^24 in the base currency
-- (warehouse/records.py, AMOUNT_LIMIT), so the *_base_e12 products stay below 10^36 too.
-- Any other line (a value with more decimals; its *_e6 is null, and so are its fast amounts)
-- takes the exact path below (exact_*), at 16 decimals.
scaled as (

    select
        *,
        100000000 - discount_rate_e6 as kept_rate_e6,
        cost_price_e6 as line_cost_price_e6,
        quantity_e6 is not null
        and price_e6 is not null
        and discount_rate_e6 is not null
        and tax_rate_e6 is not null
        and exchange_rate_e10 is not null
        and (cost_price is null or cost_price_e6 is not null)
        and (
            cost_price is not null
            or product_cost_price is null
            or product_cost_price_e6 is not null
        ) as is_fast_path

    from lines_with_products

),

-- quantity × price, computed once for gross and net
gross_exact as (

    select
        *,
        quantity_e6::hugeint * price_e6 as gross_e12

    from scaled

),

-- gross: round(quantity × price, 2); net: round(quantity × price × (100 − discount) / 100, 2).
-- gross_e12 × kept_rate_e6 (in 10^-20 units) can exceed HUGEINT, so net splits gross_e12 =
-- whole_cents × 10^10 + rest_e12: gross_e12 × kept_rate_e6 = whole_cents × kept_rate_e6 ×
-- 10^10 + rest_e12 × kept_rate_e6, and splits whole_cents × kept_rate_e6 again at 10^8, so
-- that every term fits. The terms share the product's sign, so rounding the part below a cent
-- rounds the whole.
order_currency as (

    select
        *,
        case
            when abs(gross_e12) < 9000000000000000000
                then (gross_e12::bigint + sign(gross_e12) * 5000000000) // 10000000000
            else (gross_e12 + sign(gross_e12) * 5000000000) // 10000000000
        end as gross_cents,
        case
            when abs(gross_e12) < 9000000000000000000 and kept_rate_e6 between 0 and 100000000
                then (gross_e12::bigint // 10000000000 * kept_rate_e6) // 100000000
                    + (
                        (gross_e12::bigint // 10000000000 * kept_rate_e6) % 100000000 * 10000000000
                        + gross_e12::bigint % 10000000000 * kept_rate_e6
                        + sign(gross_e12) * 500000000000000000
                    ) // 1000000000000000000
            else (gross_e12 // 10000000000 * kept_rate_e6) // 100000000
                + (
                    (gross_e12 // 10000000000 * kept_rate_e6) % 100000000 * 10000000000
                    + gross_e12 % 10000000000 * kept_rate_e6
                    + sign(gross_e12) * sign(kept_rate_e6) * 500000000000000000
                ) // 1000000000000000000
        end as net_cents

    from gross_exact

),

-- tax: round(net × tax_rate / 100, 2), from net × tax_rate in units of 10^-10
tax_exact as (

    select
        *,
        net_cents * tax_rate_e6 as tax_e10

    from order_currency

),

order_currency_tax as (

    select
        *,
        case
            when abs(tax_e10) < 9000000000000000000
                then (tax_e10::bigint + sign(tax_e10) * 50000000) // 100000000
            else (tax_e10 + sign(tax_e10) * 50000000) // 100000000
        end as tax_cents

    from tax_exact

),

-- base currency: round(amount × exchange_rate, 2), from cents × exchange_rate_e10 in units of
-- 10^-12
base_exact as (

    select
        *,
        gross_cents * exchange_rate_e10 as gross_base_e12,
        net_cents * exchange_rate_e10 as net_base_e12,
        tax_cents * exchange_rate_e10 as tax_base_e12

    from order_currency_tax

),

base_currency as (

    select
        *,
        case
            when abs(gross_base_e12) < 9000000000000000000
                then (gross_base_e12::bigint + sign(gross_base_e12) * 5000000000) // 10000000000
            else (gross_base_e12 + sign(gross_base_e12) * 5000000000) // 10000000000
        end as gross_base_cents,
        case
            when abs(net_base_e12) < 9000000000000000000
                then (net_base_e12::bigint + sign(net_base_e12) * 5000000000) // 10000000000
            else (net_base_e12 + sign(net_base_e12) * 5000000000) // 10000000000
        end as net_base_cents,
        case
            when abs(tax_base_e12) < 9000000000000000000
                then (tax_base_e12::bigint + sign(tax_base_e12) * 5000000000) // 10000000000
            else (tax_base_e12 + sign(tax_base_e12) * 5000000000) // 10000000000
        end as tax_base_cents

    from base_exact

),

-- cost: quantity × the line's cost price (order currency) when the line gives one, rounded to
-- cents and converted like the other amounts; else quantity × the product's cost price at the
-- time of the sale (base currency), rounded to cents, and in the order's currency that amount
-- divided by the exchange rate, rounded to cents. Rounded in BIGINT where the products fit, as
-- above, else in HUGEINT.
cost_exact as (

    select
        *,
        case
            when cost_price is not null then 'line'
            when product_cost_price is not null then 'product'
        end as cost_price_source,
        quantity_e6::hugeint
        * case when cost_price is not null then line_cost_price_e6 else product_cost_price_e6 end
            as cost_e12

    from base_currency

),

-- the cost in cents of the currency its price is in (the order's or the base currency)
cost_rounded as (

    select
        *,
        case
            when abs(cost_e12) < 9000000000000000000
                then (cost_e12::bigint + sign(cost_e12) * 5000000000) // 10000000000
            else (cost_e12 + sign(cost_e12) * 5000000000) // 10000000000
        end as priced_cost_cents

    from cost_exact

),

-- the same cost in the other currency: × exchange_rate (line) or ÷ exchange_rate (product)
cost_converted as (

    select
        *,
        case cost_price_source
            when 'line' then priced_cost_cents * exchange_rate_e10
            else priced_cost_cents * 10000000000
        end as converted_e10

    from cost_rounded

),

cost_currency as (

    select
        *,
        case cost_price_source
            when 'line' then priced_cost_cents
            when 'product'
                then (converted_e10 + sign(converted_e10) * (exchange_rate_e10 // 2))
                    // nullif(exchange_rate_e10, 0)
        end as cost_cents,
        case cost_price_source
            when 'line'
                then case
                        when abs(converted_e10) < 9000000000000000000
                            then (converted_e10::bigint + sign(converted_e10) * 5000000000)
                                // 10000000000
                        else (converted_e10 + sign(converted_e10) * 5000000000) // 10000000000
                    end
            when 'product' then priced_cost_cents
        end as cost_base_cents

    from cost_converted

),

-- The exact path, for the lines off the fast path: every value in integers of 10^-16 (below
-- 10^28, its whole part and its fraction apart), every amount formed on magnitudes and signed
-- at the end. Each product that could exceed HUGEINT is split into parts that fit, and each
-- part's units below a cent are carried to the next: rounding half up is floor(x + 1/2), and
-- floor((i + f) / d) = floor(i / d) for whole i, d and 0 <= f < 1, so the one part taken with
-- a floor below its unit (gross_rest % 10^15 × kept_e16 in exact_net) loses nothing. It reads
-- its own few lines and is joined back by key (line_cents): computed beside the fast path as
-- null columns on every line, it cost about a second per million lines.
--
-- the lines the exact path may have to compute: a value with more than 6 decimals (the rate 10),
-- or a product whose cost price has (a superset of the lines off the fast path, the filter on
-- the lines' own columns, so it applies before the product join and this reads few rows)
exact_lines as (

    select
        *,
        case
            when cost_price is not null then 'line'
            when product_cost_price is not null then 'product'
        end as cost_price_source

    from lines_with_products
    where
        quantity_e6 is null
        or price_e6 is null
        or discount_rate_e6 is null
        or tax_rate_e6 is null
        or exchange_rate_e10 is null
        or (cost_price is not null and cost_price_e6 is null)
        or product_id in (
            select product_dates_scaled.product_id from product_dates_scaled
            where
                product_dates_scaled.product_cost_price_e6 is null
                and product_dates_scaled.product_cost_price is not null
        )

),

-- their values as magnitudes, the signs apart
exact_inputs as (

    select
        order_id,
        line_id,
        cost_price_source,
        sign(quantity) * sign(price) as amount_sign,
        sign(quantity) * sign(coalesce(cost_price, product_cost_price)) as cost_sign,
        abs(quantity) as exact_quantity,
        abs(price) as exact_price,
        abs(coalesce(cost_price, product_cost_price)) as exact_cost_price,
        100 - discount_rate as exact_kept_rate,
        tax_rate as exact_tax_rate,
        exchange_rate as exact_exchange_rate

    from exact_lines

),

exact_parts as (

    select
        *,
        trunc(exact_quantity)::hugeint as quantity_whole,
        (exact_quantity % 1 * 10000000000000000)::hugeint as quantity_e16,
        trunc(exact_price)::hugeint as price_whole,
        (exact_price % 1 * 10000000000000000)::hugeint as price_e16,
        trunc(exact_cost_price)::hugeint as cost_whole,
        (exact_cost_price % 1 * 10000000000000000)::hugeint as cost_e16,
        trunc(exact_kept_rate)::hugeint * 10000000000000000
        + (exact_kept_rate % 1 * 10000000000000000)::hugeint as kept_e16,
        trunc(exact_tax_rate)::hugeint * 10000000000000000
        + (exact_tax_rate % 1 * 10000000000000000)::hugeint as tax_e16,
        trunc(exact_exchange_rate)::hugeint as rate_whole,
        (exact_exchange_rate % 1 * 10000000000000000)::hugeint as rate_e16

    from exact_inputs

),

-- quantity × price (and × cost price) = whole × whole + the cross terms (10^-16) + fraction ×
-- fraction (10^-32): cents below 10^26 and the rest below a cent, in 10^-32 units (*_rest)
exact_products as (

    select
        *,
        quantity_whole * price_e16 + quantity_e16 * price_whole as gross_cross,
        quantity_whole * cost_e16 + quantity_e16 * cost_whole as cost_cross

    from exact_parts

),

exact_truncated as (

    select
        *,
        quantity_whole * price_whole * 100 + gross_cross // 100000000000000
        + (gross_cross % 100000000000000 * 10000000000000000 + quantity_e16 * price_e16)
        // 1000000000000000000000000000000 as gross_whole_cents,
        (gross_cross % 100000000000000 * 10000000000000000 + quantity_e16 * price_e16)
        % 1000000000000000000000000000000 as gross_rest,
        quantity_whole * cost_whole * 100 + cost_cross // 100000000000000
        + (cost_cross % 100000000000000 * 10000000000000000 + quantity_e16 * cost_e16)
        // 1000000000000000000000000000000 as cost_whole_cents,
        (cost_cross % 100000000000000 * 10000000000000000 + quantity_e16 * cost_e16)
        % 1000000000000000000000000000000 as cost_rest

    from exact_products

),

-- net: (whole cents × 10^30 + rest) × kept_e16 / 10^48, with kept_e16 split at 10^9 and rest at
-- 10^15 so every product fits; the parts below a cent are summed in 10^-33 cents
exact_net_parts as (

    select
        *,
        gross_whole_cents
        + (gross_rest >= 500000000000000000000000000000)::integer as gross_magnitude,
        cost_whole_cents
        + (cost_rest >= 500000000000000000000000000000)::integer as priced_cost_magnitude,
        gross_whole_cents * (kept_e16 // 1000000000) as net_high,
        gross_whole_cents * (kept_e16 % 1000000000) as net_low

    from exact_truncated

),

exact_net as (

    select
        *,
        net_high // 1000000000 + net_low // 1000000000000000000
        + (
            (net_high % 1000000000 * 1000000000 + net_low % 1000000000000000000)
            * 1000000000000000
            + gross_rest // 1000000000000000 * kept_e16
            + gross_rest % 1000000000000000 * kept_e16 // 1000000000000000
            + 500000000000000000000000000000000
        ) // 1000000000000000000000000000000000 as net_magnitude

    from exact_net_parts

),

-- tax: round(net × tax_e16 / 10^18), tax_e16 split at 10^9
exact_tax as (

    select
        *,
        net_magnitude * (tax_e16 // 1000000000) // 1000000000
        + net_magnitude * (tax_e16 % 1000000000) // 1000000000000000000
        + (
            net_magnitude * (tax_e16 // 1000000000) % 1000000000 * 1000000000
            + net_magnitude * (tax_e16 % 1000000000) % 1000000000000000000
            + 500000000000000000
        ) // 1000000000000000000 as tax_magnitude

    from exact_net

),

-- the base currency: round(cents × rate, 2) = cents × rate_whole + cents × rate_e16 / 10^16,
-- rate_e16 split at 10^8; from a product's cost price (base currency), the order currency's
-- cost is base cents × 10^16 / rate, by long division in steps of 10^8
exact_base as (

    select
        *,
        gross_magnitude * rate_whole
        + gross_magnitude * (rate_e16 // 100000000) // 100000000
        + (
            gross_magnitude * (rate_e16 // 100000000) % 100000000 * 100000000
            + gross_magnitude * (rate_e16 % 100000000) + 5000000000000000
        ) // 10000000000000000 as gross_base_magnitude,
        net_magnitude * rate_whole
        + net_magnitude * (rate_e16 // 100000000) // 100000000
        + (
            net_magnitude * (rate_e16 // 100000000) % 100000000 * 100000000
            + net_magnitude * (rate_e16 % 100000000) + 5000000000000000
        ) // 10000000000000000 as net_base_magnitude,
        tax_magnitude * rate_whole
        + tax_magnitude * (rate_e16 // 100000000) // 100000000
        + (
            tax_magnitude * (rate_e16 // 100000000) % 100000000 * 100000000
            + tax_magnitude * (rate_e16 % 100000000) + 5000000000000000
        ) // 10000000000000000 as tax_base_magnitude,
        priced_cost_magnitude * rate_whole
        + priced_cost_magnitude * (rate_e16 // 100000000) // 100000000
        + (
            priced_cost_magnitude * (rate_e16 // 100000000) % 100000000 * 100000000
            + priced_cost_magnitude * (rate_e16 % 100000000) + 5000000000000000
        ) // 10000000000000000 as converted_cost_magnitude,
        rate_whole * 10000000000000000 + rate_e16 as rate_units

    from exact_tax

),

exact_division as (

    select
        *,
        priced_cost_magnitude // rate_units as divided_whole,
        priced_cost_magnitude % rate_units * 100000000 // rate_units as divided_high,
        priced_cost_magnitude % rate_units * 100000000 % rate_units as divided_rest

    from exact_base

),

exact_amounts as (

    select
        order_id,
        line_id,
        amount_sign * gross_magnitude as gross_cents,
        amount_sign * net_magnitude as net_cents,
        amount_sign * tax_magnitude as tax_cents,
        amount_sign * gross_base_magnitude as gross_base_cents,
        amount_sign * net_base_magnitude as net_base_cents,
        amount_sign * tax_base_magnitude as tax_base_cents,
        case cost_price_source
            when 'line' then cost_sign * priced_cost_magnitude
            when 'product'
                then cost_sign * (
                        divided_whole * 10000000000000000 + divided_high * 100000000
                        + (divided_rest * 200000000 + rate_units) // (2 * rate_units)
                    )
        end as cost_cents,
        case cost_price_source
            when 'line' then cost_sign * converted_cost_magnitude
            when 'product' then cost_sign * priced_cost_magnitude
        end as cost_base_cents

    from exact_division

),

-- every line's amounts in cents, from the fast path or the exact one
line_cents as (

    select
        cost_currency.*,
        case when cost_currency.is_fast_path then cost_currency.gross_cents
            else exact_amounts.gross_cents
        end as line_gross_cents,
        case when cost_currency.is_fast_path then cost_currency.net_cents
            else exact_amounts.net_cents
        end as line_net_cents,
        case when cost_currency.is_fast_path then cost_currency.tax_cents
            else exact_amounts.tax_cents
        end as line_tax_cents,
        case when cost_currency.is_fast_path then cost_currency.gross_base_cents
            else exact_amounts.gross_base_cents
        end as line_gross_base_cents,
        case when cost_currency.is_fast_path then cost_currency.net_base_cents
            else exact_amounts.net_base_cents
        end as line_net_base_cents,
        case when cost_currency.is_fast_path then cost_currency.tax_base_cents
            else exact_amounts.tax_base_cents
        end as line_tax_base_cents,
        case when cost_currency.is_fast_path then cost_currency.cost_cents
            else exact_amounts.cost_cents
        end as line_cost_cents,
        case when cost_currency.is_fast_path then cost_currency.cost_base_cents
            else exact_amounts.cost_base_cents
        end as line_cost_base_cents

    from cost_currency
    left join exact_amounts
        on
            cost_currency.order_id = exact_amounts.order_id
            and cost_currency.line_id = exact_amounts.line_id

),

final as (

    select
        -- keys
        order_id,
        line_id,
        line_number,
        customer_id,
        product_id,
        tax_id,
        account_id,

        -- order
        order_date,
        order_month,
        status,
        status_category,
        is_booked,

        -- periods: invoice and recognition
        invoice_date,
        invoice_month,
        accrual_source,
        accrual_start_date,
        accrual_length,
        recognition_start_month,
        recognition_month_count,
        recognition_end_month,

        -- line attributes
        line_type,
        is_text_line,
        quantity < 0 as is_credit_line,
        discount_rate > 0 as is_discounted,
        is_hidden,
        description,
        case
            when discount_rate = 0 then '0 %'
            when discount_rate <= 10 then '0-10 %'
            when discount_rate <= 25 then '10-25 %'
            when discount_rate <= 50 then '25-50 %'
            when discount_rate < 100 then '50-<100 %'
            else '100 %'
        end as discount_band,
        case
            when discount_rate = 0 then 0
            when discount_rate <= 10 then 1
            when discount_rate <= 25 then 2
            when discount_rate <= 50 then 3
            when discount_rate < 100 then 4
            else 5
        end as discount_band_order,

        -- currency
        currency_code,
        exchange_rate,

        -- quantities, prices and rates
        quantity,
        price,
        cost_price,
        discount_rate,
        tax_rate,
        quantity_e6,
        price_e6,
        discount_rate_e6,
        tax_rate_e6,

        -- amounts in the order's currency (cents × 0.01 is DECIMAL(38, 2))
        line_gross_cents::decimal(38, 0) * 0.01 as gross_amount,
        (line_gross_cents - line_net_cents)::decimal(38, 0) * 0.01 as discount_amount,
        line_net_cents::decimal(38, 0) * 0.01 as net_amount,
        line_tax_cents::decimal(38, 0) * 0.01 as tax_amount,
        (line_net_cents + line_tax_cents)::decimal(38, 0) * 0.01 as total_amount,

        -- amounts in the base currency
        line_gross_base_cents::decimal(38, 0) * 0.01 as gross_amount_base,
        (line_gross_base_cents - line_net_base_cents)::decimal(38, 0) * 0.01
            as discount_amount_base,
        line_net_base_cents::decimal(38, 0) * 0.01 as net_amount_base,
        line_tax_base_cents::decimal(38, 0) * 0.01 as tax_amount_base,
        (line_net_base_cents + line_tax_base_cents)::decimal(38, 0) * 0.01
            as total_amount_base,

        -- product category today and at the time of the sale
        category_id,
        sale_category_id,

        -- cost and gross margin (null where no cost price is known)
        cost_price_source,
        product_cost_price,
        line_cost_cents::decimal(38, 0) * 0.01 as cost_amount,
        (line_net_cents - line_cost_cents)::decimal(38, 0) * 0.01 as margin_amount,
        line_cost_base_cents::decimal(38, 0) * 0.01 as cost_amount_base,
        (line_net_base_cents - line_cost_base_cents)::decimal(38, 0) * 0.01
            as margin_amount_base,

        -- lineage
        run_id,
        extracted_at

    from line_cents

)

select * from final
