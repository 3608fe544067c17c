-- grain: one row per dimension row not taken from the current master data (dimension,
--   dimension_id)
-- description: The dimension rows the master data does not back today, for review rather than
--   failure: a record a fact references that the master data lacks (never loaded, or deleted
--   before it was read), kept as a row built from the orders (reason not in master data), and a
--   record deleted upstream after it was read, kept with its last master values (reason deleted
--   upstream). Empty when every referenced record is in the master data. Only a fact key with no
--   dimension row at all fails the transform (the derived keys_reference test).
--
-- column: dimension — the dimension: product, product_category, customer, tax_code, account or
--   currency (key)
-- column: dimension_id — the record's key, as text (key)
-- column: dimension_name — the name the row carries (from the orders where not in master data)
-- column: reason — not in master data, or deleted upstream
-- column: uses — lines (products, tax codes, accounts), orders (customers, currencies) or
--   products (categories) of live orders that reference it

create or replace view reports.rpt_dimension_fallbacks as

with

products as (

    select * from marts.dim_products
    where not is_from_master_data or is_deleted

),

categories as (

    select * from marts.dim_product_categories
    where not is_from_master_data or is_deleted

),

customers as (

    select * from marts.dim_customers
    where not is_from_master_data or is_deleted

),

tax_codes as (

    select * from marts.dim_tax_codes
    where not is_from_master_data or is_deleted

),

accounts as (

    select * from marts.dim_accounts
    where not is_from_master_data or is_deleted

),

currencies as (

    select * from marts.dim_currencies
    where not is_from_master_data or is_deleted

),

fallbacks as (

    select
        'product' as dimension, product_id::varchar as dimension_id,
        product_name as dimension_name, is_from_master_data, line_count as uses
    from products
    union all
    select
        'product_category', category_id::varchar, category_name, is_from_master_data,
        product_count
    from categories
    union all
    select
        'customer', customer_id::varchar, customer_name, is_from_master_data, order_count
    from customers
    union all
    select 'tax_code', tax_id::varchar, tax_name, is_from_master_data, line_count
    from tax_codes
    union all
    select 'account', account_id::varchar, account_name, is_from_master_data, line_count
    from accounts
    union all
    select
        'currency', currency_code, currency_code as currency_name, is_from_master_data,
        order_count
    from currencies

),

final as (

    select
        dimension,
        dimension_id,
        dimension_name,
        case
            when is_from_master_data then 'deleted upstream' else 'not in master data'
        end as reason,
        uses

    from fallbacks

)

select * from final
order by dimension, reason, dimension_id
