-- grain: one row per version of a customer in the master data (customer_id, valid_from)
-- description: Every version of each customer the pipeline has read (raw.customers_history, as
--   a dbt snapshot keeps them): valid from valid_from until valid_to (null: still current). The
--   first version seen is taken to hold since 1900-01-01; a deleted customer's last version ends
--   at its deletion. marts.dim_customer_versions builds on it.
--
-- column: customer_id — the customer's ID in 24SevenOffice (key)
-- column: valid_from — when this version began to hold (key)
-- column: valid_to — when the next version (or the deletion) replaced it; null while current
-- column: is_current — true for the version that holds now (valid_to null)
-- column: customer_name — the customer's name in this version
-- column: is_company — true for a company, false for a person (null where the API gave none)
-- column: customer_type — company, person or unknown (is_company not given)
-- column: is_supplier — true where the customer is also a supplier
-- column: organization_number — organization number
-- column: street — visiting address: street
-- column: postal_code — visiting address: postal code
-- column: city — visiting address: postal area (city)
-- column: country_subdivision — visiting address: county or state
-- column: country_code — visiting address: country code
-- column: modified_at — the customer's modifiedAt in this version
-- column: run_id — the pipeline run that found this version

create or replace view staging.stg_customers_history as

with

versions as (

    select * from raw.customers_history

),

final as (

    select
        -- keys and validity
        customer_id,
        valid_from,
        valid_to,
        valid_to is null as is_current,

        -- the customer in this version
        name as customer_name,
        is_company,
        case
            when is_company then 'company'
            when not is_company then 'person'
            else 'unknown'
        end as customer_type,
        coalesce(is_supplier, false) as is_supplier,
        organization_number,
        street,
        postal_code,
        city,
        country_subdivision,
        country_code,
        modified_at,

        -- lineage
        run_id

    from versions

)

select * from final
