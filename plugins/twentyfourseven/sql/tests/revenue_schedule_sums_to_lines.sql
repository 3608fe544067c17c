-- test: marts.fct_revenue_schedule sums exactly to the lines: every spread line's months add
--   up to its net, tax and total amounts in both currencies (and total = net + tax in each), no
--   month of a line differs from another by more than a cent, the schedule has
--   recognition_month_count rows per line, and its grand totals equal the lines' (which covers
--   the single-month lines, the line's own amounts, whose total line_net_plus_tax_equals_total
--   checks)
-- incremental: order_id

-- Cheap at 10 M lines: the per-line sums read only the spread lines (those with an accrual of
-- 2 months or more); the rest is checked by row counts and grand totals, one pass each.
with

lines as (

    select * from marts.fct_sales_order_lines

),

schedule as (

    select * from marts.fct_revenue_schedule

),

spread_sums as (

    select
        order_id,
        line_id,
        count(*) as months,
        sum(net_amount) as net_amount,
        sum(tax_amount) as tax_amount,
        sum(total_amount) as total_amount,
        sum(net_amount_base) as net_amount_base,
        sum(tax_amount_base) as tax_amount_base,
        sum(total_amount_base) as total_amount_base,
        max(net_amount) - min(net_amount) as net_spread,
        max(net_amount_base) - min(net_amount_base) as net_base_spread

    from schedule
    where month_count > 1
    group by order_id, line_id

),

line_errors as (

    select
        lines.order_id,
        lines.line_id,
        'line' as what,
        lines.net_amount as line_net_amount,
        spread_sums.net_amount as schedule_net_amount

    from lines
    left join spread_sums
        on lines.order_id = spread_sums.order_id and lines.line_id = spread_sums.line_id
    where lines.recognition_month_count > 1
        and (
            spread_sums.months is distinct from lines.recognition_month_count
            or spread_sums.net_amount is distinct from lines.net_amount
            or spread_sums.tax_amount is distinct from lines.tax_amount
            or spread_sums.total_amount is distinct from lines.total_amount
            or spread_sums.net_amount_base is distinct from lines.net_amount_base
            or spread_sums.tax_amount_base is distinct from lines.tax_amount_base
            or spread_sums.total_amount_base is distinct from lines.total_amount_base
            or spread_sums.net_spread > 0.01
            or spread_sums.net_base_spread > 0.01
        )

),

line_totals as (

    select
        coalesce(sum(recognition_month_count), 0) as months,
        coalesce(sum(net_amount), 0) as net_amount,
        coalesce(sum(tax_amount), 0) as tax_amount,
        coalesce(sum(net_amount_base), 0) as net_amount_base,
        coalesce(sum(tax_amount_base), 0) as tax_amount_base

    from lines

),

schedule_totals as (

    select
        count(*) as months,
        coalesce(sum(net_amount), 0) as net_amount,
        coalesce(sum(tax_amount), 0) as tax_amount,
        count(*) filter (
            where month_count > 1
            and (
                total_amount is distinct from net_amount + tax_amount
                or total_amount_base is distinct from net_amount_base + tax_amount_base
            )
        ) as rows_total_not_net_plus_tax,
        coalesce(sum(net_amount_base), 0) as net_amount_base,
        coalesce(sum(tax_amount_base), 0) as tax_amount_base

    from schedule

),

total_errors as (

    select
        null::bigint as order_id,
        null::bigint as line_id,
        'all lines' as what,
        line_totals.net_amount as line_net_amount,
        schedule_totals.net_amount as schedule_net_amount

    from line_totals
    cross join schedule_totals
    where schedule_totals.months is distinct from line_totals.months
        or schedule_totals.net_amount <> line_totals.net_amount
        or schedule_totals.tax_amount <> line_totals.tax_amount
        or schedule_totals.net_amount_base <> line_totals.net_amount_base
        or schedule_totals.tax_amount_base <> line_totals.tax_amount_base
        or schedule_totals.rows_total_not_net_plus_tax > 0

)

select * from line_errors
union all
select * from total_errors
order by order_id, line_id
