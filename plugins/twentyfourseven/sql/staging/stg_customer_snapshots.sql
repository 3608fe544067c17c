-- grain: one row per sales order with a customer (order_id): the customer as that order saw it
-- description: Customers exist in this warehouse only as snapshots on the orders;
--   marts.dim_customers keeps the latest snapshot of each customer.
--
-- column: order_id — the order the snapshot comes from (key)
-- column: customer_id — the customer's ID in 24SevenOffice
-- column: is_deleted — true when the order has been deleted upstream
-- column: order_date — the order's date
-- column: modified_at — when the order was last modified (orders the snapshots)
-- column: extracted_at — when the order was read from the API
-- column: customer_name — name
-- column: organization_number — organization number
-- column: gln — GLN
-- column: street — street address
-- column: postal_code — postal code
-- column: postal_area — postal area
-- column: city — city
-- column: country_subdivision — county or state
-- column: country_code — country code

create or replace view staging.stg_customer_snapshots as

with

orders as (

    select * from raw.sales_orders

),

final as (

    select
        -- keys
        order_id,
        customer_id,
        deleted_at is not null as is_deleted,

        -- when
        order_date,
        modified_at,
        extracted_at,

        -- the customer as on the order
        customer_name,
        customer_organization_number as organization_number,
        customer_gln as gln,
        customer_street as street,
        customer_postal_code as postal_code,
        customer_postal_area as postal_area,
        customer_city as city,
        customer_country_subdivision as country_subdivision,
        customer_country_code as country_code

    from orders
    where customer_id is not null

)

select * from final
