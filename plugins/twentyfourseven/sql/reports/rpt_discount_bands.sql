-- grain: one row per discount band (discount_band), all six bands even when empty
-- description: How booked lines are spread over the discount bands 0 %, 0-10 %, 10-25 %,
--   25-50 %, 50-<100 % and 100 % (upper bounds included: a 10 % discount is in 0-10 %), over
--   all booked lines (invoiced + confirmed orders; deleted orders never count), base currency.
--   For one period, group marts.fct_sales_order_lines by discount_band instead.
--
-- column: discount_band_order — sorts the bands: 0 (0 %) to 5 (100 %)
-- column: discount_band — the band's label
-- column: line_count — booked lines in the band
-- column: share_of_lines_pct — line_count in percent of all booked lines
-- column: gross_amount — revenue before discount, excluding tax; base currency
-- column: discount_amount — discount given (gross − net); base currency
-- column: net_amount — revenue after discount, excluding tax; base currency
-- column: share_of_discount_pct — discount_amount in percent of all booked discount

create or replace view reports.rpt_discount_bands as

with

discounts as (

    select * from reports.base_discounts_by_dimension
    where dimension = 'discount_band'

),

bands as (

    -- the alias below names the columns, though nothing qualifies by it (hence its noqa)
    select * from (
        values
        (0, '0 %'),
        (1, '0-10 %'),
        (2, '10-25 %'),
        (3, '25-50 %'),
        (4, '50-<100 %'),
        (5, '100 %')
    ) as bands (discount_band_order, discount_band)  -- noqa: AL05

),

every_band as (

    select
        bands.discount_band_order,
        bands.discount_band,
        coalesce(discounts.line_count, 0) as line_count,
        coalesce(discounts.gross_amount, 0) as gross_amount,
        coalesce(discounts.discount_amount, 0) as discount_amount,
        coalesce(discounts.net_amount, 0) as net_amount

    from bands
    left join discounts on bands.discount_band_order = discounts.dimension_id

),

final as (

    select
        -- band
        discount_band_order,
        discount_band,

        -- lines
        line_count,
        decimal_division(
            (line_count * 100)::decimal(36, 2),
            nullif(sum(line_count) over (), 0)::decimal(36, 2),
            2
        )::decimal(38, 2) as share_of_lines_pct,

        -- amounts
        gross_amount,
        discount_amount,
        net_amount,
        decimal_division(
            (discount_amount * 100)::decimal(36, 2),
            nullif(sum(discount_amount) over (), 0)::decimal(36, 2),
            2
        )::decimal(38, 2) as share_of_discount_pct

    from every_band

)

select * from final
order by discount_band_order
