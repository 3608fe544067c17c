-- grain: one row per customer seen on an order (customer_id)
-- description: Customers from the order snapshots: the latest snapshot of each customer
--   (from its most recently modified live order; deleted orders only where it has no other).
--
-- column: customer_id — the customer's ID in 24SevenOffice (key)
-- column: customer_name — name (latest snapshot)
-- column: organization_number — organization number (latest snapshot)
-- column: gln — GLN (latest snapshot)
-- column: street — street address (latest snapshot)
-- column: postal_code — postal code (latest snapshot)
-- column: postal_area — postal area (latest snapshot)
-- column: city — city (latest snapshot)
-- column: country_subdivision — county or state (latest snapshot)
-- column: country_code — country code (latest snapshot)
-- column: order_count — live orders of the customer
-- column: first_order_date — date of the customer's first live order
-- column: last_order_date — date of the customer's latest live order

create or replace table marts.dim_customers as

with

snapshots as (

    select * from staging.stg_customer_snapshots

),

snapshots_seen as (

    select
        *,
        (
            not is_deleted,
            coalesce(modified_at, '1970-01-01'::timestamptz),
            extracted_at,
            order_id
        ) as seen

    from snapshots

),

final as (

    select
        -- key
        customer_id,

        -- latest snapshot
        arg_max_null(customer_name, seen) as customer_name,
        arg_max_null(organization_number, seen) as organization_number,
        arg_max_null(gln, seen) as gln,
        arg_max_null(street, seen) as street,
        arg_max_null(postal_code, seen) as postal_code,
        arg_max_null(postal_area, seen) as postal_area,
        arg_max_null(city, seen) as city,
        arg_max_null(country_subdivision, seen) as country_subdivision,
        arg_max_null(country_code, seen) as country_code,

        -- orders
        count(*) filter (where not is_deleted) as order_count,
        min(order_date) filter (where not is_deleted) as first_order_date,
        max(order_date) filter (where not is_deleted) as last_order_date

    from snapshots_seen
    group by customer_id

)

select * from final
