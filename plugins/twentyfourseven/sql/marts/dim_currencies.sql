-- grain: one row per currency in the master data or on an order (currency_code)
-- description: Currencies from the master data (staging.stg_currencies) with the rate last read.
--   A currency an order uses that the master data lacks keeps a row with the rate of its latest
--   order (from the most recently modified live order; deleted orders only where it has no
--   other), flagged is_from_master_data = false. The facts convert with each order's own rate,
--   never with this one.
--
-- column: currency_code — the currency's ISO code (key)
-- column: currency_rate — base currency units per unit of the currency (master data: as last
--   read; else the latest order's rate)
-- column: is_from_master_data — false for a currency only the orders know
-- column: is_deleted — true when the API no longer lists the currency (its last rate kept)
-- column: order_count — live orders in the currency
-- column: first_order_date — date of the earliest live order in the currency
-- column: last_order_date — date of the latest live order in the currency

create or replace table marts.dim_currencies as

with

master_currencies as (

    select * from staging.stg_currencies

),

orders as (

    select * from staging.stg_sales_orders
    where currency_code is not null

),

order_currencies as (

    select
        currency_code,
        arg_max_null(
            currency_rate,
            (not is_deleted, coalesce(modified_at, '1970-01-01'::timestamptz), order_id)
        ) as currency_rate,
        count(*) filter (where not is_deleted) as order_count,
        min(order_date) filter (where not is_deleted) as first_order_date,
        max(order_date) filter (where not is_deleted) as last_order_date

    from orders
    group by currency_code

),

currencies as (

    select
        currency_code,
        currency_rate,
        true as is_from_master_data,
        is_deleted

    from master_currencies

    union all

    select
        currency_code,
        currency_rate,
        false,
        false

    from order_currencies
    where currency_code not in (select currency_code from master_currencies)

),

final as (

    select
        -- key
        currencies.currency_code,

        -- rate
        currencies.currency_rate,

        -- where the row comes from
        currencies.is_from_master_data,
        currencies.is_deleted,

        -- usage
        coalesce(order_currencies.order_count, 0) as order_count,
        order_currencies.first_order_date,
        order_currencies.last_order_date

    from currencies
    left join order_currencies on currencies.currency_code = order_currencies.currency_code

)

select * from final
