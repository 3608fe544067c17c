-- test: the order amounts the API gives (netAmount, taxAmount, grossAmount = net + tax)
--   reconcile with the sum of the order's lines, within a tolerance of 0.005 per line (the
--   most per-line and per-order rounding to cents can disagree), at least 0.01. Every
--   difference, within tolerance or not, is listed in reports.rpt_order_reconciliation.

with

tolerance as (

    select
        order_id,
        greatest(0.01, 0.005 * line_count)::decimal(18, 3) as tolerance

    from marts.fct_sales_orders

)

select
    differences.order_id,
    differences.line_count,
    tolerance.tolerance,
    differences.net_amount_difference,
    differences.tax_amount_difference,
    differences.total_amount_difference

from reports.rpt_order_reconciliation as differences
inner join tolerance on differences.order_id = tolerance.order_id
where differences.largest_difference > tolerance.tolerance
order by differences.largest_difference desc, differences.order_id
