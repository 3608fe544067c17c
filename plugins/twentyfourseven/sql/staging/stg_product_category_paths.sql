-- grain: one row per product category and each category on its path up the tree, itself
--   included (category_id, ancestor_id)
-- description: The category tree of raw.product_categories (parentId), walked upward from every
--   category by a recursive query that never visits a category twice: a cycle or a parent the
--   master data lacks ends the walk, and the category's path_problem says which. Levels count
--   from the top of the path (1). Deleted categories stay in the tree with their last names, so
--   a product whose category was deleted keeps its path.
--
-- column: category_id — the category whose path this is (key)
-- column: ancestor_id — a category on its path: itself, its parent, … up to the top (key)
-- column: ancestor_name — that category's name
-- column: distance — steps from category_id up to ancestor_id (0: itself)
-- column: ancestor_level — ancestor_id's level on the path: 1 for the top, category_depth for
--   the category itself
-- column: category_depth — how many categories the path holds (1: a top-level category)
-- column: path_problem — null for a sound path; cycle (the parent at the top is already on the
--   path) or missing parent (the master data lacks the parent at the top)
-- column: broken_parent_id — the parent ID where the walk stopped on a problem (else null)

create or replace view staging.stg_product_category_paths as

with recursive

categories as (

    select * from raw.product_categories

),

-- upward from every category, one step a round; a category already on the path ends the walk
walk as (

    select
        category_id,
        category_id as ancestor_id,
        name as ancestor_name,
        parent_id as next_id,
        0 as distance,
        [category_id] as visited

    from categories

    union all

    select
        walk.category_id,
        parents.category_id as ancestor_id,
        parents.name as ancestor_name,
        parents.parent_id as next_id,
        walk.distance + 1 as distance,
        list_append(walk.visited, parents.category_id) as visited

    from walk
    inner join categories as parents on walk.next_id = parents.category_id
    where not list_contains(walk.visited, parents.category_id)

),

-- the top of each walk: where it stopped, and why
tops as (

    select
        category_id,
        max(distance) + 1 as category_depth,
        arg_max_null(next_id, distance) as broken_parent_id,
        coalesce(
            list_contains(arg_max_null(visited, distance), arg_max_null(next_id, distance)), false
        ) as is_cycle

    from walk
    group by category_id

),

final as (

    select
        -- keys
        walk.category_id,
        walk.ancestor_id,
        walk.ancestor_name,

        -- place on the path
        walk.distance,
        tops.category_depth - walk.distance as ancestor_level,
        tops.category_depth,

        -- problems
        case
            when tops.is_cycle then 'cycle'
            when tops.broken_parent_id is not null then 'missing parent'
        end as path_problem,
        tops.broken_parent_id

    from walk
    inner join tops on walk.category_id = tops.category_id

)

select * from final
