-- grain: one row per month, level of the category tree and category at that level with booked
--   or pipeline lines (month, category_level, category_id)
-- description: Booked (invoiced + confirmed) and pipeline revenue and discount by product category
--   and order month, at every level of the category tree, by the product's category **at the time
--   of the sale** (the version of the product valid at the order date: a product moved since keeps
--   its old category for its old sales). Each line counts once at each level of its category's
--   path, so filter on one category_level before summing: the rows of one level add up to all lines
--   (level 1) or to those whose path reaches that level. Lines without a category (text lines
--   included) are at level 1 as '(no category)'. All amounts in the base currency, from the lines
--   of live orders.
--
-- column: month — first day of the order month
-- column: category_level — the level in the category tree: 1 for the top
-- column: category_id — the category at that level (→ marts.dim_product_categories); null for
--   lines without a category
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

create or replace view reports.rpt_revenue_by_category as

with

revenue as (

    select * from reports.base_revenue_by_category
    where category_as_of = 'sale'

),

final as (

    select * exclude (category_as_of) from revenue

)

select * from final
order by month, category_level, category_path nulls last, category_id
