-- grain: one row per customer in the master data or seen on an order (customer_id)
-- description: Customers from the master data (staging.stg_customers: company or person,
--   organization number, visiting address, supplier flag, as 24SevenOffice holds them today).
--   A customer an order references that the master data lacks (never loaded, or deleted before
--   it was read) keeps a row built from its latest order snapshot (from its most recently
--   modified live order; deleted orders only where it has no other), flagged
--   is_from_master_data = false, customer_type unknown. A customer deleted upstream after it was
--   read keeps its last master values (is_deleted). The GLN is only on the orders: it comes from
--   the latest snapshot for every customer. reports.rpt_dimension_fallbacks lists the fallbacks.
--
-- column: customer_id — the customer's ID in 24SevenOffice (key)
-- column: customer_name — the customer's name
-- column: customer_type — company, person, or unknown (not in the master data, or not given)
-- column: is_company — true for a company, false for a person (null when unknown)
-- column: is_supplier — true where the customer is also a supplier (null when not in the master
--   data)
-- column: organization_number — organization number
-- column: first_name — a person's first name
-- column: last_name — a person's last name
-- column: gln — GLN (latest order snapshot)
-- column: street — street address (visiting address)
-- column: postal_code — postal code
-- column: postal_area — postal area
-- column: city — city (the master data's postal area)
-- column: country_subdivision — county or state
-- column: country_code — country code
-- column: is_from_master_data — false for a customer built from an order snapshot (the master
--   data lacks it)
-- column: is_deleted — true when the API no longer lists the customer (its last values kept)
-- column: order_count — live orders of the customer
-- column: first_order_date — date of the customer's first live order
-- column: last_order_date — date of the customer's latest live order

create or replace table marts.dim_customers as

with

master_customers as (

    select * from staging.stg_customers

),

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

-- the latest snapshot of each customer, and its orders
latest_snapshots as (

    select
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

),

customers as (

    select
        customer_id,
        customer_name,
        customer_type,
        is_company,
        is_supplier,
        organization_number,
        first_name,
        last_name,
        street,
        postal_code,
        city as postal_area,
        city,
        country_subdivision,
        country_code,
        true as is_from_master_data,
        is_deleted

    from master_customers

    union all

    select
        customer_id,
        customer_name,
        'unknown',
        null::boolean,
        null::boolean,
        organization_number,
        null::varchar,
        null::varchar,
        street,
        postal_code,
        postal_area,
        city,
        country_subdivision,
        country_code,
        false,
        false

    from latest_snapshots
    where customer_id not in (select customer_id from master_customers)

),

final as (

    select
        -- key
        customers.customer_id,

        -- who
        customers.customer_name,
        customers.customer_type,
        customers.is_company,
        customers.is_supplier,
        customers.organization_number,
        customers.first_name,
        customers.last_name,
        latest_snapshots.gln,

        -- address
        customers.street,
        customers.postal_code,
        customers.postal_area,
        customers.city,
        customers.country_subdivision,
        customers.country_code,

        -- where the row comes from
        customers.is_from_master_data,
        customers.is_deleted,

        -- orders
        coalesce(latest_snapshots.order_count, 0) as order_count,
        latest_snapshots.first_order_date,
        latest_snapshots.last_order_date

    from customers
    left join latest_snapshots on customers.customer_id = latest_snapshots.customer_id

)

select * from final
