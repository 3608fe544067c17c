-- grain: one row per month with booked lines (month)
-- description: Discounts by order month: what discounting cost and how often it was used.
--   Booked lines only (invoiced + confirmed orders; deleted orders never count), base
--   currency. Rates are in percent, rounded to 2 decimals (half to even); over several rows,
--   recompute them from the sums (sum(discount_amount) × 100 / sum(gross_amount)).
--
-- column: month — first day of the order month
-- column: line_count — booked lines
-- column: discounted_line_count — booked lines with a discount rate above 0
-- column: discounted_line_share_pct — discounted_line_count in percent of line_count
-- column: gross_amount — booked revenue before discount, excluding tax; base currency
-- column: discount_amount — discount given on booked lines (gross − net); base currency
-- column: net_amount — booked revenue after discount, excluding tax; base currency
-- column: effective_discount_rate_pct — discount_amount in percent of gross_amount

create or replace view reports.rpt_discounts_by_month as

with

lines as (

    select * from marts.fct_sales_order_lines
    where is_booked

),

final as (

    select
        -- month
        lines.order_month as month,

        -- discounts
        count(*) as line_count,
        count(*) filter (where lines.is_discounted) as discounted_line_count,
        decimal_division(
            (count(*) filter (where lines.is_discounted) * 100)::decimal(20, 2),
            count(*)::decimal(20, 2),
            2
        )::decimal(18, 2) as discounted_line_share_pct,
        sum(lines.gross_amount_base)::decimal(18, 2) as gross_amount,
        sum(lines.discount_amount_base)::decimal(18, 2) as discount_amount,
        sum(lines.net_amount_base)::decimal(18, 2) as net_amount,
        decimal_division(
            (sum(lines.discount_amount_base) * 100)::decimal(20, 2),
            nullif(sum(lines.gross_amount_base), 0)::decimal(20, 2),
            2
        )::decimal(18, 2) as effective_discount_rate_pct

    from lines
    group by lines.order_month

)

select * from final
order by month
