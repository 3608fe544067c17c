-- How booked lines spread over the discount bands, and what each band cost.
select
    discount_band,
    line_count,
    share_of_lines_pct,
    discount_amount,
    share_of_discount_pct
from reports.rpt_discount_bands
order by discount_band_order;
