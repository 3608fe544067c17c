-- grain: one row per product category in the master data (category_id), deleted ones included
--   and flagged
-- description: The categories of raw.product_categories (GET /productcategories) with their
--   path in the tree (staging.stg_product_category_paths): the names of levels 1 to 4 from the
--   top, and the whole path as text for deeper trees. A cycle or a missing parent is reported
--   in path_problem; the path then starts at the last category before the break.
--
-- column: category_id — the category's ID in 24SevenOffice (key)
-- column: category_name — the category's name
-- column: parent_id — the parent category's ID (null for a top-level category)
-- column: alternative_reference — the category's alternative reference
-- column: category_depth — the category's level in the tree: 1 for a top-level category
-- column: category_path — the names from the top down to the category, joined by ' > '
-- column: category_level_1 — the name of the path's level 1 (the top)
-- column: category_level_2 — the name of level 2 (null when the path is shorter)
-- column: category_level_3 — the name of level 3 (null when the path is shorter)
-- column: category_level_4 — the name of level 4 (null when the path is shorter; deeper levels
--   are in category_path)
-- column: path_problem — null for a sound path; cycle or missing parent
-- column: broken_parent_id — the parent ID where the path broke (else null)
-- column: is_deleted — true when the API no longer lists the category (tombstoned by the loader)
-- column: modified_at — when the category was last modified in 24SevenOffice
-- column: run_id — the pipeline run that last loaded the category
-- column: extracted_at — when that run read the category from the API

create or replace view staging.stg_product_categories as

with

categories as (

    select * from raw.product_categories

),

paths as (

    select * from staging.stg_product_category_paths

),

path_names as (

    select
        category_id,
        any_value(category_depth) as category_depth,
        string_agg(ancestor_name, ' > ' order by distance desc) as category_path,
        any_value(ancestor_name) filter (where ancestor_level = 1) as category_level_1,
        any_value(ancestor_name) filter (where ancestor_level = 2) as category_level_2,
        any_value(ancestor_name) filter (where ancestor_level = 3) as category_level_3,
        any_value(ancestor_name) filter (where ancestor_level = 4) as category_level_4,
        any_value(path_problem) as path_problem,
        any_value(broken_parent_id) as broken_parent_id

    from paths
    group by category_id

),

final as (

    select
        -- key
        categories.category_id,

        -- the category
        categories.name as category_name,
        categories.parent_id,
        categories.alternative_reference,

        -- its path
        path_names.category_depth,
        path_names.category_path,
        path_names.category_level_1,
        path_names.category_level_2,
        path_names.category_level_3,
        path_names.category_level_4,
        path_names.path_problem,
        path_names.broken_parent_id,

        -- state and lineage
        categories.deleted_at is not null as is_deleted,
        categories.modified_at,
        categories.run_id,
        categories.extracted_at

    from categories
    inner join path_names on categories.category_id = path_names.category_id

)

select * from final
