-- grain: one row per product category in the master data or referenced by a product
--   (category_id)
-- description: Product categories from the master data (staging.stg_product_categories) with
--   every level of their path; a category a product references (now or in an earlier version)
--   that the master data lacks keeps a row without a name, flagged is_from_master_data = false,
--   so no product loses its category. Deleted categories keep their last name (is_deleted).
--
-- column: category_id — the category's ID in 24SevenOffice (key)
-- column: category_name — the category's name (null where the master data lacks it)
-- column: parent_id — the parent category's ID (null for a top-level category)
-- column: category_depth — the category's level in the tree: 1 for a top-level category
-- column: category_path — the names from the top down to the category, joined by ' > '
-- column: category_level_1 — the name of the path's level 1 (the top)
-- column: category_level_2 — the name of level 2 (null when the path is shorter)
-- column: category_level_3 — the name of level 3 (null when the path is shorter)
-- column: category_level_4 — the name of level 4 (null when the path is shorter; deeper levels
--   are in category_path)
-- column: path_problem — null for a sound path; cycle or missing parent (the path then starts
--   at the last category before the break)
-- column: is_from_master_data — false for a category only a product references
-- column: is_deleted — true when the API no longer lists the category
-- column: product_count — products of the master data in the category now

create or replace table marts.dim_product_categories as

with

categories as (

    select * from staging.stg_product_categories

),

products as (

    select product_id, category_id from staging.stg_products

),

product_versions as (

    select product_id, category_id from staging.stg_products_history

),

referenced as (

    select category_id from products
    union
    select category_id from product_versions

),

missing as (

    select category_id from referenced
    where category_id is not null
        and category_id not in (select category_id from categories)

),

all_categories as (

    select
        category_id,
        category_name,
        parent_id,
        category_depth,
        category_path,
        category_level_1,
        category_level_2,
        category_level_3,
        category_level_4,
        path_problem,
        true as is_from_master_data,
        is_deleted

    from categories

    union all

    select
        category_id,
        null::varchar,
        null::bigint,
        null::bigint,
        null::varchar,
        null::varchar,
        null::varchar,
        null::varchar,
        null::varchar,
        null::varchar,
        false,
        false

    from missing

),

product_counts as (

    select
        category_id,
        count(*) as product_count

    from products
    group by category_id

),

final as (

    select
        all_categories.*,
        coalesce(product_counts.product_count, 0) as product_count

    from all_categories
    left join product_counts on all_categories.category_id = product_counts.category_id

)

select * from final
