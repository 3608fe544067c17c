-- Booked revenue and pipeline for the last 12 months, with month-over-month and
-- year-over-year change (base currency, excluding tax); the months after the latest order,
-- where only accruals run on (is_future), left out.
select
    month,
    booked_net_amount,
    booked_net_mom_change_pct,
    booked_net_yoy_change_pct,
    pipeline_net_amount
from reports.rpt_revenue_by_month
where not is_future
    and month > (select max(month) from reports.rpt_revenue_by_month where not is_future)
        - interval 12 month
order by month;
