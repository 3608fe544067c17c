-- grain: one row per month with booked lines (month)
-- description: Discounts by order month: what discounting cost and how often it was used.
--   Booked lines only (invoiced + confirmed orders; deleted orders never count), base
--   currency. Rates are in percent, rounded to 2 decimals (half to even); over several rows,
--   recompute them from the sums (sum(discount_amount) × 100 / sum(gross_amount)).
--
-- column: month — first day of the order month (unique; null for orders without a date)
-- column: line_count — booked lines
-- column: discounted_line_count — booked lines with a discount rate above 0
-- column: discounted_line_share_pct — discounted_line_count in percent of line_count
-- column: gross_amount — booked revenue before discount, excluding tax; base currency
-- column: discount_amount — discount given on booked lines (gross − net); base currency
-- column: net_amount — booked revenue after discount, excluding tax; base currency
-- column: effective_discount_rate_pct — discount_amount in percent of gross_amount

create or replace view reports.rpt_discounts_by_month as

with

discounts as (

    select * from reports.base_discounts_by_dimension
    where dimension = 'total'

),

final as (

    select
        -- month
        month,

        -- discounts
        * exclude (is_all_time, month, dimension, dimension_id)

    from discounts

)

select * from final
order by month
