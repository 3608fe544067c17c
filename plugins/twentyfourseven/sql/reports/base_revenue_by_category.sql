-- grain: one row per category basis, month, level of the category tree and category at that
--   level with booked or pipeline lines (category_as_of, month, category_level, category_id)
-- description: The revenue and discount sums behind reports.rpt_revenue_by_category (the
--   product's category at the time of the sale) and rpt_revenue_by_category_today (its category
--   today). Each line counts once at every level of its category's path
--   (staging.stg_product_category_paths): under its level-1 category, its level-2 category, and
--   so on down to the category itself, so each level sums to all lines whose path reaches it.
--   A line without a category (text lines, products without one) or with a category the master
--   data lacks counts once, at level 1. Base currency, lines of live orders. A building block:
--   query the rpt_revenue_by_category* reports instead.
--
-- column: category_as_of — sale (the product's category at the time of the sale) or today
-- column: month — first day of the order month
-- column: category_level — the level in the category tree: 1 for the top
-- column: category_id — the category at that level on the line's path (null: no category)
-- column: category_name — the category's name; '(no category)' for lines without one,
--   '(unknown category)' for one the master data lacks
-- column: category_path — the category's path from the top, joined by ' > '
-- column: booked_quantity — quantity sold on booked lines (credit lines count negative)
-- column: booked_line_count — lines of invoiced and confirmed orders
-- column: booked_gross_amount — booked revenue before discount, excluding tax; base currency
-- column: booked_discount_amount — discount given on booked lines (gross − net); base currency
-- column: booked_net_amount — booked revenue excluding tax; base currency
-- column: booked_tax_amount — tax on booked revenue; base currency
-- column: booked_total_amount — booked revenue including tax; base currency
-- column: pipeline_line_count — lines of draft, web and proposal orders
-- column: pipeline_net_amount — pipeline excluding tax; base currency

create or replace view reports.base_revenue_by_category as

with

lines as (

    select * from marts.fct_sales_order_lines
    where is_booked or status_category = 'pipeline'

),

categories as (

    select category_id, category_name, category_path from marts.dim_product_categories

),

paths as (

    select category_id, ancestor_id, ancestor_level from staging.stg_product_category_paths

),

-- each line once for the category it had at the sale and once for today's
lines_by_basis as (

    select 'sale' as category_as_of, sale_category_id as line_category_id, * from lines
    union all
    select 'today', category_id, * from lines

),

-- each line once for each level of its category's path
lines_by_level as (

    select
        lines_by_basis.*,
        coalesce(paths.ancestor_level, 1) as category_level,
        case
            when paths.category_id is null then lines_by_basis.line_category_id
            else paths.ancestor_id
        end as level_category_id

    from lines_by_basis
    left join paths on lines_by_basis.line_category_id = paths.category_id

),

sums as (

    select
        -- basis, month and category
        category_as_of,
        order_month as month,
        category_level,
        level_category_id as category_id,

        -- booked
        coalesce(sum(quantity) filter (where is_booked), 0)::decimal(38, 16) as booked_quantity,
        count(*) filter (where is_booked) as booked_line_count,
        coalesce(sum(gross_amount_base) filter (where is_booked), 0)::decimal(38, 2)
            as booked_gross_amount,
        coalesce(sum(discount_amount_base) filter (where is_booked), 0)::decimal(38, 2)
            as booked_discount_amount,
        coalesce(sum(net_amount_base) filter (where is_booked), 0)::decimal(38, 2)
            as booked_net_amount,
        coalesce(sum(tax_amount_base) filter (where is_booked), 0)::decimal(38, 2)
            as booked_tax_amount,
        coalesce(sum(total_amount_base) filter (where is_booked), 0)::decimal(38, 2)
            as booked_total_amount,

        -- pipeline
        count(*) filter (where status_category = 'pipeline') as pipeline_line_count,
        coalesce(
            sum(net_amount_base) filter (where status_category = 'pipeline'), 0
        )::decimal(38, 2) as pipeline_net_amount

    from lines_by_level
    group by category_as_of, order_month, category_level, level_category_id

),

final as (

    select
        -- basis, month and category
        sums.category_as_of,
        sums.month,
        sums.category_level,
        sums.category_id,
        case
            when sums.category_id is null then '(no category)'
            else coalesce(categories.category_name, '(unknown category)')
        end as category_name,
        categories.category_path,

        -- revenue and discount
        sums.* exclude (category_as_of, month, category_level, category_id)

    from sums
    left join categories on sums.category_id = categories.category_id

)

select * from final
