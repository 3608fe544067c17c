-- grain: one row per version of a customer in the master data (customer_id, valid_from)
-- description: Every version of each customer (staging.stg_customers_history), valid from
--   valid_from until valid_to (null: still current): for the customer as it was at the time of
--   a sale, join on customer_id and valid_from <= the order date < coalesce(valid_to, infinity).
--   The reports use the customer as it is today (marts.dim_customers).
--
-- column: customer_id — the customer (key) (→ marts.dim_customers)
-- column: valid_from — when this version began to hold (key)
-- column: valid_to — when the next version (or the deletion) replaced it; null while current
-- column: is_current — true for the version that holds now
-- column: customer_name — the customer's name in this version
-- column: customer_type — company, person or unknown
-- column: is_supplier — true where the customer is also a supplier
-- column: organization_number — organization number
-- column: street — street address
-- column: postal_code — postal code
-- column: city — city (postal area)
-- column: country_subdivision — county or state
-- column: country_code — country code

create or replace table marts.dim_customer_versions as

with

versions as (

    select * from staging.stg_customers_history

),

final as (

    select
        -- keys and validity
        customer_id,
        valid_from,
        valid_to,
        is_current,

        -- the customer in this version
        customer_name,
        customer_type,
        is_supplier,
        organization_number,
        street,
        postal_code,
        city,
        country_subdivision,
        country_code

    from versions

)

select * from final
