"""Time the SQL models (the package's ``sql/``) on N synthetic lines: build them, run the tests.

Generates N sales order lines (5 per order) and their orders straight into ``raw.*`` of a
temporary DuckDB file with SQL (deterministic: hashes of the row number, no Python loop),
then runs :func:`twentyfourseven.warehouse.model_runner.run_models` ``--runs`` times on it and
prints the per-model and per-test timings (median over the runs). The data covers what the
models must handle: foreign currencies with 4-decimal rates, credit lines, text lines,
fractional quantities, 6-decimal prices (and a share, ``--long-decimals``, of 10-decimal ones,
which take the line fact's exact path), 100 % discounts, every status, deleted orders,
invoice dates (often in the month after the order), accruals on 3 % of the orders and 4 % of
the lines (the revenue schedule's extra rows) and API order amounts that reconcile with the
lines; and the master data they reference
(products with a category history, a category tree, customers, tax codes, accounts,
currencies), with a few references missing so the fallback rows are built too.

    .venv/bin/python benchmarks/models_10m.py            # 10 M lines, 3 runs
    .venv/bin/python benchmarks/models_10m.py --quick    # 1 M lines, 1 run
    .venv/bin/python benchmarks/models_10m.py --lines 2000000 --runs 1 --sql-dir /tmp/sql

With ``--record``, writes ``benchmarks/results/models.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from twentyfourseven.warehouse.model_runner import SQL_DIR, run_models  # noqa: E402
from twentyfourseven.warehouse.schema import create_schema  # noqa: E402

RESULTS = Path(__file__).parent / "results"
LINES_PER_ORDER = 5

# h(i, k): a deterministic pseudo-random BIGINT in [0, 1_000_000) for row i and salt k.
_H = "(hash({i}, {k}) % 1000000)::bigint"


def h(i: str, k: int) -> str:
    return _H.format(i=i, k=k)


ORDERS_SQL = f"""
insert into raw.sales_orders by name
select
    o as order_id,
    case
        when {h("o", 1)} < 450000 then 'Invoice'
        when {h("o", 1)} < 500000 then 'AdvanceInvoice'
        when {h("o", 1)} < 700000 then 'Confirmed'
        when {h("o", 1)} < 800000 then 'Draft'
        when {h("o", 1)} < 850000 then 'Web'
        when {h("o", 1)} < 950000 then 'Proposal'
        else 'Inactive'
    end as status,
    date '2019-01-01' + ({h("o", 2)} % 2500)::integer as order_date,
    -- invoiced orders: invoiced 0-19 days after the order date (often the next month)
    case
        when {h("o", 1)} < 500000
            then date '2019-01-01' + ({h("o", 2)} % 2500 + {h("o", 8)} % 20)::integer
    end as invoice_date,
    -- 3 % of the orders accrue over 12 months from their order month, as in the sandbox
    case
        when {h("o", 9)} < 30000
            then date_trunc('month', date '2019-01-01' + ({h("o", 2)} % 2500)::integer)
    end as accrual_start_date,
    case when {h("o", 9)} < 30000 then 12 end as accrual_length,
    timestamptz '2019-01-01 00:00:00+00' + to_seconds({h("o", 3)} * 240) as modified_at,
    timestamptz '2019-01-01 00:00:00+00' + to_seconds({h("o", 3)} * 200) as created_at,
    1 + {h("o", 4)} % 50000 as customer_id,
    'Customer ' || (1 + {h("o", 4)} % 50000) || case when {h("o", 5)} < 100000 then ' (old)'
        else '' end as customer_name,
    (900000000 + {h("o", 4)} % 50000)::varchar as customer_organization_number,
    'Street ' || ({h("o", 4)} % 300) as customer_street,
    lpad(({h("o", 4)} % 9999)::varchar, 4, '0') as customer_postal_code,
    'Oslo' as customer_city,
    case when {h("o", 6)} < 800000 then 'NO' else 'DE' end as customer_country_code,
    case
        when {h("o", 6)} < 700000 then 'NOK'
        when {h("o", 6)} < 800000 then null
        when {h("o", 6)} < 900000 then 'EUR'
        when {h("o", 6)} < 950000 then 'USD'
        else 'SEK'
    end as currency_code,
    case
        when {h("o", 6)} < 700000 then 1
        when {h("o", 6)} < 800000 then null
        when {h("o", 6)} < 900000 then 11.4875
        when {h("o", 6)} < 950000 then 10.6523
        else 0.9871
    end::decimal(28, 16) as currency_rate,
    'listing' as header_source,
    'bench' as run_id,
    timestamptz '2025-03-05 12:00:00+00' as extracted_at,
    case when {h("o", 7)} < 20000 then timestamptz '2025-03-06 00:00:00+00' end as deleted_at,
    case when {h("o", 7)} < 20000 then 'bench-2' end as deleted_run_id
from range(1, $orders + 1) as t(o)
"""  # noqa: S608

# The integers the load writes beside the decimals (raw.*_e6, *_e10), as it writes them: null
# where a value has more decimals (the share of prices given by --long-decimals).
SCALED_SQL = """
update raw.sales_orders set currency_rate_e10 = (currency_rate * 10000000000)::bigint;
update raw.sales_order_lines set
    quantity_e6 = (quantity * 1000000)::bigint,
    price_e6 = case
        when price * 1000000 = trunc(price * 1000000) then (price * 1000000)::bigint
    end,
    cost_price_e6 = (cost_price * 1000000)::bigint,
    discount_rate_e6 = (discount_rate * 1000000)::bigint,
    tax_rate_e6 = (tax_rate * 1000000)::bigint;
"""

LINES_SQL = f"""
insert into raw.sales_order_lines by name
select
    i // {LINES_PER_ORDER} + 1 as order_id,
    (i % {LINES_PER_ORDER} + 1)::integer as line_number,
    i + 1 as line_id,
    case when {h("i", 11)} < 50000 then 'text' else 'product' end as line_type,
    'Product line ' || ({h("i", 12)} % 20000) as description,
    case when {h("i", 11)} >= 50000 then 1 + {h("i", 12)} % 20000 end as product_id,
    case when {h("i", 11)} >= 50000 then 'P-' || (1 + {h("i", 12)} % 20000) end
        as product_number,
    case
        when {h("i", 13)} < 50000 then -(1 + {h("i", 14)} % 5)
        when {h("i", 13)} < 150000 then ({h("i", 14)} % 100000) * 0.001
        when {h("i", 13)} < 160000 then 10000 + {h("i", 14)} % 90000
        else 1 + {h("i", 14)} % 20
    end::decimal(18, 6) as quantity,
    case
        when {h("i", 15)} < 100000 then ({h("i", 16)} * 1000003 % 1000000000) * 0.000001
        when {h("i", 15)} < 110000 then 900000 + {h("i", 16)} * 0.01
        else ({h("i", 16)} % 500000) * 0.01
    end::decimal(28, 16)
    -- a share of prices with 10 decimals (--long-decimals): the models' exact path
    + case
        when {h("i", 22)} < $long_per_million then (1 + {h("i", 23)} % 9) * 0.0000000001
        else 0
    end as price,
    (({h("i", 16)} % 500000) * 0.005)::decimal(18, 6) as cost_price,
    case
        when {h("i", 17)} < 600000 then 0
        when {h("i", 17)} < 650000 then 100
        when {h("i", 17)} < 700000
            then (({h("i", 18)} * 100 + {h("i", 21)} % 100) % 100000000) * 0.000001
        else [5, 10, 12.5, 15, 20, 25, 30, 33.333333, 40, 50, 75][1 + {h("i", 18)} % 11]
    end::decimal(9, 6) as discount_rate,
    1 + {h("i", 19)} % 4 as tax_id,
    [3, 31, 33, 5][1 + {h("i", 19)} % 4] as tax_number,
    [25, 15, 12, 0][1 + {h("i", 19)} % 4]::decimal(9, 6) as tax_rate,
    100000 + {h("i", 20)} % 40 as account_id,
    3000 + {h("i", 20)} % 40 as account_number,
    'Salgsinntekt ' || ({h("i", 20)} % 40) as account_name,
    false as is_hidden,
    -- 4 % of the lines have an accrual of their own, of the sandbox's lengths
    case
        when {h("i", 22)} < 40000 then date '2019-01-01' + to_months(({h("i", 23)} % 80)::integer)
    end as accrual_start_date,
    case when {h("i", 22)} < 40000 then [2, 3, 6, 12, 12, 24, 36][1 + {h("i", 23)} % 7] end
        as accrual_length,
    'bench' as run_id,
    timestamptz '2025-03-05 12:00:00+00' as extracted_at
from range(0, $lines) as t(i)
"""  # noqa: S608

# The API's order amounts: the sums of the lines as docs/architecture.md's rules give them,
# computed once here (not timed) so that the reconciliation compares real amounts.
API_AMOUNTS_SQL = """
update raw.sales_orders as o set
    net_amount = s.net_amount,
    tax_amount = s.tax_amount,
    gross_amount = s.net_amount + s.tax_amount
from (
    select order_id, sum(net_amount) as net_amount, sum(tax_amount) as tax_amount
    from (
        select
            order_id,
            round(net_exact, 2) as net_amount,
            round(round(net_exact, 2) * tax_rate::decimal(9, 6) * 0.01, 2) as tax_amount
        from (
            -- exact in DECIMAL(38, 24) for the generated values (prices of up to 10 decimals)
            select
                order_id,
                tax_rate,
                quantity::decimal(38, 6) * price::decimal(38, 10)
                    * (100 - discount_rate::decimal(9, 6)) * 0.01 as net_exact
            from raw.sales_order_lines
        )
    )
    group by order_id
) as s
where o.order_id = s.order_id and o.order_id % 10 <> 0
"""


# The master data the lines and orders reference, as the listings load it: 20,000 products
# (1 in 5 moved to another category in the middle of the data, so the history join has work:
# 24,000 versions), a three-level tree of 84 categories, 50,000 customers (1 in 10 a person,
# 1 in 100 missing: fallback rows), three of the four tax codes (one missing), 40 accounts,
# the currencies. Small, as the real lists are; the point is the joins on 10 M lines.
MASTER_SQL = """
insert into raw.product_categories by name
select
    c as category_id,
    'Category ' || c as name,
    case when c <= 4 then 0 when c <= 20 then 1 + (c - 5) // 4 else 5 + (c - 21) // 4 end
        as parent_id,
    'bench' as run_id,
    timestamptz '2025-03-05 12:00:00+00' as extracted_at
from range(1, 85) as t(c);

insert into raw.products by name
select
    p as product_id,
    'P-' || p as product_number,
    'Product ' || p as name,
    'default' as product_type,
    'active' as status,
    'stk' as unit_name,
    ((p * 7919 % 500000) * 0.005)::decimal(18, 6) as cost_price,
    ((p * 7919 % 500000) * 0.01)::decimal(18, 6) as sales_price,
    21 + (p % 64) as category_id,
    'bench' as run_id,
    timestamptz '2025-03-05 12:00:00+00' as extracted_at
from range(1, 20001) as t(p);

insert into raw.products_history by name
select * exclude (payload, extracted_at, deleted_at, deleted_run_id, category_id),
    case when product_id % 5 = 0 then 21 + ((product_id + 1) % 64) else category_id end
        as category_id,
    timestamptz '1900-01-01 00:00:00+00' as valid_from,
    case when product_id % 5 = 0 then timestamptz '2024-01-01 00:00:00+00' end as valid_to
from raw.products
union all by name
select * exclude (payload, extracted_at, deleted_at, deleted_run_id),
    timestamptz '2024-01-01 00:00:00+00' as valid_from, null as valid_to
from raw.products where product_id % 5 = 0;

insert into raw.customers by name
select
    c as customer_id,
    case when c % 10 = 0 then 'First' || c || ' Last' else 'Customer ' || c end as name,
    c % 10 <> 0 as is_company,
    c % 50 = 0 as is_supplier,
    case when c % 10 <> 0 then (900000000 + c)::varchar end as organization_number,
    'Street ' || (c % 300) as street,
    lpad((c % 9999)::varchar, 4, '0') as postal_code,
    'Oslo' as city,
    case when c % 5 = 0 then 'DE' else 'NO' end as country_code,
    'bench' as run_id,
    timestamptz '2025-03-05 12:00:00+00' as extracted_at
from range(1, 50001) as t(c) where c % 100 <> 7;

insert into raw.customers_history by name
select * exclude (payload, extracted_at, deleted_at, deleted_run_id),
    timestamptz '1900-01-01 00:00:00+00' as valid_from, null as valid_to
from raw.customers;

insert into raw.tax_codes by name
select * , 'bench' as run_id, timestamptz '2025-03-05 12:00:00+00' as extracted_at
from (values (1, 3, 'Utgående mva, høy sats', 25), (2, 31, 'Utgående mva, middels sats', 15),
    (3, 33, 'Utgående mva, lav sats', 12)) as t(tax_id, tax_number, name, rate);

insert into raw.accounts by name
select 100000 + a as account_id, 3000 + a as account_number, 'Salgsinntekt ' || a as name,
    1 + a % 3 as tax_id, 'bench' as run_id, timestamptz '2025-03-05 12:00:00+00' as extracted_at
from range(0, 40) as t(a);

insert into raw.currencies by name
select *, 'bench' as run_id, timestamptz '2025-03-05 12:00:00+00' as extracted_at
from (values ('NOK', 1), ('EUR', 11.5), ('USD', 10.6), ('SEK', 0.98)) as t(currency_code, rate);
"""


def generate(con: duckdb.DuckDBPyConnection, lines: int, long_decimals: float = 0.0) -> float:
    started = time.perf_counter()
    create_schema(con)
    orders = (lines + LINES_PER_ORDER - 1) // LINES_PER_ORDER
    con.execute(ORDERS_SQL.replace("$orders", str(orders)))
    long_per_million = round(long_decimals * 1_000_000)
    con.execute(
        LINES_SQL.replace("$lines", str(lines)).replace("$long_per_million", str(long_per_million))
    )
    con.execute(SCALED_SQL)
    con.execute(API_AMOUNTS_SQL)
    con.execute(MASTER_SQL)
    con.execute("checkpoint")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 M lines, 1 run")
    parser.add_argument("--sql-dir", type=Path, default=SQL_DIR)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all)")
    parser.add_argument("--record", action="store_true", help="write benchmarks/results/models.*")
    parser.add_argument("--label", default="", help="a note for the recorded result")
    parser.add_argument(
        "--long-decimals",
        type=float,
        default=0.001,
        help="share of lines whose price has 10 decimals (the models' exact path)",
    )
    args = parser.parse_args()
    if args.quick:
        args.lines, args.runs = 1_000_000, 1

    with tempfile.TemporaryDirectory(prefix="models-bench-") as folder:
        path = Path(folder) / "warehouse.duckdb"
        con = duckdb.connect(str(path))
        if args.threads:
            con.execute(f"set threads = {args.threads}")
        threads = con.execute("select current_setting('threads')").fetchone()[0]
        print(f"generating {args.lines:,} lines on {threads} threads …", flush=True)
        generate_seconds = generate(con, args.lines, args.long_decimals)
        print(f"generated in {generate_seconds:.1f} s", flush=True)

        runs = []
        for run in range(1, args.runs + 1):
            summary = run_models(con, args.sql_dir, raise_on_failure=False)
            failed = [t.describe() for t in summary.failed_tests]
            print(
                f"run {run}: models {summary.build_seconds:.1f} s, "
                f"data tests {summary.test_seconds:.1f} s, {len(failed)} failed",
                flush=True,
            )
            if failed:
                print("\n".join(failed), file=sys.stderr)
                return 1
            runs.append(
                summary.as_dict()
                | {"test_seconds_each": {t.name: t.seconds for t in summary.tests}}
            )
        con.close()

    result = summarize(runs, args, threads, generate_seconds)
    print(render_markdown(result))
    if args.record:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "models.json").write_text(json.dumps(result, indent=2) + "\n")
        (RESULTS / "models.md").write_text(render_markdown(result))
    return 0


def summarize(runs: list[dict], args: argparse.Namespace, threads: int, generate_seconds: float):
    def median(values: list[float]) -> float:
        return round(statistics.median(values), 2)

    return {
        "lines": args.lines,
        "long_decimals": args.long_decimals,
        "orders": (args.lines + LINES_PER_ORDER - 1) // LINES_PER_ORDER,
        "runs": len(runs),
        "label": args.label,
        "machine": {
            "cpus": os.cpu_count(),
            "duckdb_threads": threads,
            "duckdb": duckdb.__version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "generate_seconds": round(generate_seconds, 1),
        "build_seconds": median([r["build_seconds"] for r in runs]),
        "build_seconds_runs": [round(r["build_seconds"], 2) for r in runs],
        "test_seconds": median([r["test_seconds"] for r in runs]),
        "test_seconds_runs": [round(r["test_seconds"], 2) for r in runs],
        "total_seconds": median([r["build_seconds"] + r["test_seconds"] for r in runs]),
        "model_seconds": {
            name: median([r["model_seconds"][name] for r in runs])
            for name in runs[0]["model_seconds"]
        },
        "test_seconds_each": {
            name: median([r["test_seconds_each"][name] for r in runs])
            for name in runs[0].get("test_seconds_each", {})
        },
    }


def render_markdown(result: dict) -> str:
    machine = result["machine"]
    lines = [
        f"# Models on {result['lines']:,} lines",
        "",
        f"{result['label']}".strip(),
        "",
        f"`benchmarks/models_10m.py --lines {result['lines']}`: {result['lines']:,} lines, "
        f"{result['orders']:,} orders ({result.get('long_decimals', 0):.2%} of the prices with "
        f"10 decimals); median of {result['runs']} run(s) on "
        f"{machine['cpus']} CPUs ({machine['duckdb_threads']} DuckDB threads), DuckDB "
        f"{machine['duckdb']}, {machine['platform']}. The machine is shared and noisy.",
        "",
        f"- models: **{result['build_seconds']:.1f} s** (runs: {result['build_seconds_runs']})",
        f"- data tests: **{result['test_seconds']:.1f} s** (runs: {result['test_seconds_runs']})",
        f"- total: **{result['total_seconds']:.1f} s**",
        "",
        "| model | seconds |",
        "| --- | ---: |",
    ]
    lines += [f"| `{name}` | {s:.2f} |" for name, s in result["model_seconds"].items()]
    lines += ["", "| data test | seconds |", "| --- | ---: |"]
    lines += [f"| `{name}` | {s:.2f} |" for name, s in result["test_seconds_each"].items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
