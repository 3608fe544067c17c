-- grain: one row per customer in the master data (customer_id), deleted ones included and
--   flagged
-- description: The customers of raw.customers (GET /customers), typed and renamed: company or
--   person, supplier flag, organization number and visiting address as 24SevenOffice holds
--   them. marts.dim_customers builds on it; empty when master data was never loaded.
--
-- column: customer_id — the customer's ID in 24SevenOffice (key)
-- column: customer_name — the customer's name
-- column: is_company — true for a company, false for a person (null where the API gave none)
-- column: customer_type — company, person or unknown (is_company not given)
-- column: is_supplier — true where the customer is also a supplier
-- column: organization_number — organization number
-- column: first_name — a person's first name
-- column: last_name — a person's last name
-- column: street — visiting address: street
-- column: postal_code — visiting address: postal code
-- column: city — visiting address: postal area (city)
-- column: country_subdivision — visiting address: county or state
-- column: country_code — visiting address: country code
-- column: is_deleted — true when the API no longer lists the customer (tombstoned by the loader)
-- column: created_at — when the customer was created in 24SevenOffice
-- column: modified_at — when the customer was last modified in 24SevenOffice
-- column: deleted_at — when the loader found the customer deleted (null while listed)
-- column: run_id — the pipeline run that last loaded the customer
-- column: extracted_at — when that run read the customer from the API

create or replace view staging.stg_customers as

with

customers as (

    select * from raw.customers

),

final as (

    select
        -- key
        customer_id,

        -- who
        name as customer_name,
        is_company,
        case
            when is_company then 'company'
            when not is_company then 'person'
            else 'unknown'
        end as customer_type,
        coalesce(is_supplier, false) as is_supplier,
        organization_number,
        first_name,
        last_name,

        -- visiting address
        street,
        postal_code,
        city,
        country_subdivision,
        country_code,

        -- state and times
        deleted_at is not null as is_deleted,
        created_at,
        modified_at,
        deleted_at,

        -- lineage
        run_id,
        extracted_at

    from customers

)

select * from final
