-- test: the top-discount reports' shares are "of all booked discount" as the discount-bands
--   report totals it: each row's share_of_all_discount_pct is its discount_amount in percent of
--   the bands' total (rounded to 2 decimals), and the customers' discounts, all of them, credit
--   lines included, add up to that total

-- within half a hundredth of a percent of the exact share (checked without rounding, which
-- DuckDB does slowly on DECIMAL(38))
with

bands_total as (

    select sum(discount_amount) as discount_amount
    from reports.rpt_discount_bands

),

customers_total as (

    select coalesce(sum(discount_amount), 0) as discount_amount
    from reports.base_discounts_by_dimension
    where is_all_time and dimension = 'customer'

),

shares as (

    select 'customer' as dimension, customer_id as id, discount_amount, share_of_all_discount_pct
    from reports.rpt_discount_top_customers
    union all
    select 'product', product_id, discount_amount, share_of_all_discount_pct
    from reports.rpt_discount_top_products

),

share_errors as (

    select
        shares.dimension,
        shares.id,
        shares.discount_amount,
        shares.share_of_all_discount_pct,
        bands_total.discount_amount as all_booked_discount

    from shares
    cross join bands_total
    where bands_total.discount_amount <> 0
        and abs(
            shares.share_of_all_discount_pct * bands_total.discount_amount
            - shares.discount_amount * 100
        ) > abs(bands_total.discount_amount) * 0.005

),

total_errors as (

    select
        'customers_total' as dimension,
        null::bigint as id,
        customers_total.discount_amount,
        null::decimal(38, 2) as share_of_all_discount_pct,
        bands_total.discount_amount as all_booked_discount

    from customers_total
    cross join bands_total
    where customers_total.discount_amount is distinct from bands_total.discount_amount

)

select * from share_errors
union all
select * from total_errors
order by dimension, id
