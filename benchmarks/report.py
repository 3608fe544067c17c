"""Markdown rendering of a benchmark report (``bench.py`` writes the JSON beside it)."""

from __future__ import annotations

from typing import Any

from _harness import fmt

READER_NOTES = {
    "ours": (
        "our client: list pages streamed into `read_orders` (8 threads, shared RateLimiter, "
        "pydantic)"
    ),
    "ours+httpx2": "the same, `httpx2` swapped in for `httpx` (drop-in test)",
    "ours_asyncio": "the same job on `httpx.AsyncClient`: pages streamed to 8 worker "
    "coroutines, the same limiter, parsing and validation",
    "ours_asyncio+httpx2": "the asyncio variant on `httpx2`",
    "py24so_sync": "py24so 0.3.0 `Client24SO`: paginator, then `sales_orders.lines.list` "
    "from 8 threads",
    "py24so_async": "py24so 0.3.0 `AsyncClient24SO`: async paginator, 8 worker coroutines",
    "dlt": "dlt `rest_api`: parent `salesorders` (header_link), child `lines` (sequential)",
    "dlt_parallel": "dlt `rest_api`, child resource `parallelized`, 8 extract workers",
    "httpx_seq": "plain sequential `httpx.Client` loop, `json.loads`",
}


def _met(value: bool | None) -> str:
    return {True: "**met**", False: "**not met**", None: "not measured here"}[value]


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    s = report["sections"]
    out: list[str] = []
    add = out.append
    add(f"# Benchmarks, {report['mode']} mode, {report['started_at'][:10]}")
    add("")
    add(
        f"Measured {report['started_at']} - {report.get('finished_at', '(running)')} with "
        f"`benchmarks/bench.py --mode {report['mode']}` at commit `{m['commit']}`. "
        "Every figure is the median of the runs shown as *median (min-max)*; "
        "comparisons were measured in the same run."
    )
    add("")
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    add(
        f"**Machine**: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, {m['platform']}. "
        f"Client pinned with `{m['pinning']['client']}`, sandbox with "
        f"`{m['pinning']['server']}`. **Load average at start** (1/5/15 min): "
        f"{m['load_average_at_start']}"
        + (
            f", at the end: {report['load_average_at_end']}"
            if "load_average_at_end" in report
            else ""
        )
        + ". The machine is shared with other people's work: absolute figures move with it; "
        "the comparisons are measured side by side."
    )
    elsewhere = {
        name: commit
        for name, commit in report.get("section_commits", {}).items()
        if commit != m["commit"]
    }
    if elsewhere:
        add(
            "Sections merged from runs at other commits: "
            + ", ".join(f"`{name}` at `{commit}`" for name, commit in elsewhere.items())
            + "."
        )
    if m.get("earlier_load_averages"):
        add(
            "Sections merged from earlier runs of the same day started at load "
            f"{m['earlier_load_averages']}."
        )
    add("")
    add(f"**Versions**: {versions}.")
    add("")
    add("Reproduce: `make bench` (quick) or `make bench-full`; see `benchmarks/README.md`.")
    add("")

    add("## Targets")
    add("")
    add("| target | measured | result | note |")
    add("|---|---|---|---|")
    for t in report.get("targets", []):
        add(f"| {t['target']} | {t['measured']} | {_met(t['met'])} | {t['note']} |")
    for name, error in report.get("errors", {}).items():
        add(
            f"| section `{name}` | failed: `{error.strip().splitlines()[-1][:200]}` | - "
            "| see the JSON |"
        )
    add("")

    if "api" in s:
        _api(s["api"], add)
    if "scaling" in s:
        _scaling(s["scaling"], add)
    if "rate" in s:
        _rate(s["rate"], add)
    if "calls" in s:
        _calls(s["calls"], add)
    if "load" in s:
        _load(s["load"], add)
    if "e2e" in s:
        _e2e(s["e2e"], add)
    if "memory" in s:
        _memory(s["memory"], add)
    if "models" in s:
        _models(s["models"], add)
    add("## Section times")
    add("")
    add(", ".join(f"{k} {v:.0f} s" for k, v in report.get("section_seconds", {}).items()))
    add("")
    return "\n".join(out)


def _api(api: dict[str, Any], add) -> None:
    add("## 1. API reading")
    add("")
    add(
        f"The same job for every reader: a token, every order listed (pages of "
        f'{api["page_size"]}, `Link: rel="next"`), then every order\'s lines, at most '
        f"{api['concurrency']} requests in flight (the sequential loop: one). "
        f"{api['orders']:,} orders from one sandbox process; the reader in its own process on "
        "the other core. *client CPU/request* is the reader process's CPU time divided by the "
        "requests the sandbox counted; *server CPU/request* the sandbox's."
    )
    add("")
    for latency, per in api["latencies"].items():
        add(f"### {latency} ms injected latency")
        add("")
        ceiling = per.get("sandbox_ceiling")
        if ceiling:
            add(
                f"Sandbox ceiling (wrk, 8 connections, random orders' lines): "
                f"**{fmt(ceiling['lines_requests_per_second'])} requests/s**, "
                f"{fmt(ceiling['server_cpu_ms_per_request'])} ms server CPU each. One order costs "
                "one lines request plus 1/100 of a list page, so this is the orders/s ceiling."
            )
            add("")
        add(
            "| reader | orders/s | client CPU ms/request | requests/run "
            "| server CPU ms/request | what |"
        )
        add("|---|---:|---:|---:|---:|---|")
        for name, r in per["readers"].items():
            if "error" in r:
                add(f"| `{name}` | failed | | | | {r['error'].strip().splitlines()[-1][:120]} |")
                continue
            add(
                f"| `{name}` | {fmt(r['orders_per_second'])} | "
                f"{fmt(r['client_cpu_ms_per_request'], digits=3)} | {r['requests_per_run']:,.0f} | "
                f"{r['server_cpu_ms_per_request']:.3f} | {READER_NOTES.get(name, '')} |"
            )
        add("")
    _concurrency(api, add)


def _concurrency(api: dict[str, Any], add) -> None:
    add("### Concurrency model")
    add("")
    rows = []
    for latency, per in api["latencies"].items():
        readers = per["readers"]
        for name in ("ours", "ours+httpx2", "ours_asyncio", "ours_asyncio+httpx2"):
            r = readers.get(name, {})
            if "orders_per_second" in r:
                rows.append(
                    f"| {latency} ms | `{name}` | {fmt(r['orders_per_second'])} | "
                    f"{fmt(r['client_cpu_ms_per_request'], digits=3)} |"
                )
    if rows:
        add("| latency | variant | orders/s | client CPU ms/request |")
        add("|---|---|---:|---:|")
        out = rows
        for row in out:
            add(row)
        add("")
    decision = api.get("decision")
    if decision:
        add(decision)
        add("")


def _scaling(scaling: dict[str, Any], add) -> None:
    add("## 1b. More in flight")
    add("")
    add(
        f"The section 1 job at {scaling['latency_ms']} ms for our reader and dlt's "
        f"parallelized `rest_api`, {scaling['orders']:,} orders, with the same number of "
        "requests in flight for both (dlt: `EXTRACT__WORKERS`); the sandbox's ceiling "
        "measured by wrk with that many connections."
    )
    add("")
    add("| in flight | sandbox ceiling req/s | `ours` orders/s | `dlt_parallel` orders/s | ratio |")
    add("|---:|---:|---:|---:|---:|")
    for concurrency, e in scaling["concurrency"].items():
        ratio = e["ours"]["median"] / e["dlt_parallel"]["median"]
        add(
            f"| {concurrency} | {fmt(e.get('sandbox_ceiling'))} | {fmt(e['ours'])} | "
            f"{fmt(e['dlt_parallel'])} | {ratio:.2f}x |"
        )
    add("")


def _rate(rate: dict[str, Any], add) -> None:
    add("## 2. Rate budget")
    add("")
    add(
        "Our client with budget R against a sandbox that enforces R (token bucket, burst as "
        "shown, 429 beyond); reading R x seconds orders (list pages streamed into the lines "
        "reads). *achieved* = API requests the sandbox counted / the reader's wall time. "
        "`rate_burst` 1 is the client's default (requests exactly 1/R apart); 8 lets it make "
        "up to 8 missed slots at once, which a server bucket of 8 or more admits."
    )
    add("")
    add(
        "| R (req/s) | client `rate_burst` | sandbox burst | orders | achieved req/s | "
        "achieved / R | 429s (all runs) |"
    )
    add("|---:|---:|---:|---:|---:|---:|---:|")
    for b in rate["budgets"].values():
        add(
            f"| {b['budget']:g} | {b.get('client_burst', 1)} | {b['sandbox_burst']} | "
            f"{b['orders']:,} | "
            f"{fmt(b['achieved_requests_per_second'])} | "
            f"{fmt(b['fraction_of_budget'], digits=3)} | {b['status_429_total']} |"
        )
    add("")


def _calls(calls: dict[str, Any], add) -> None:
    add("## 3. Calls per run")
    add("")
    add(
        f"A full refresh of {calls['known']:,} orders and the master data, then incremental "
        "runs (plan + one client per extract chunk + one for the master data, as the DAG's "
        "tasks), each after the sandbox edited K orders and moved its clock an hour. Calls as "
        "the sandbox counted them (token requests included). Orders: calls = all but the "
        "master-data lists and their task's token; minimum = K + ceil(K / 100) list pages + "
        "ceil(M / 1,000) pages of the deletion check's ID listing + 1 token. Master data: "
        "one call per page of each list (customers since their watermark; a page/limit list "
        "also needs the short page that ends it)."
    )
    add("")
    add(
        "| K changed | order calls | minimum | over minimum | master-data calls | minimum "
        "| by endpoint (last run) |"
    )
    add("|---:|---:|---:|---:|---:|---:|---|")
    for c in calls["cases"].values():
        last = c["runs"][-1]
        add(
            f"| {c['changed']:,} | {fmt(c['calls'], digits=0)} | {fmt(c['minimum'], digits=0)} | "
            f"{fmt(c['over_minimum_pct'], '%', digits=2)} | "
            f"{fmt(c['master_data_calls'], digits=0)} | "
            f"{fmt(c['master_data_minimum'], digits=0)} | "
            f"{', '.join(f'{k} {v}' for k, v in sorted(last['by_endpoint'].items()))} |"
        )
    add("")


def _load(load: dict[str, Any], add) -> None:
    base = load["base"]
    add("## 4. Load")
    add("")
    add(
        f"Staging files of a real run ({base['orders']:,} orders, {base['lines']:,} lines, "
        f"{base['chunks']} chunks, extracted from the sandbox); larger sizes are copies of it "
        "with shifted order and line IDs (re-hashed manifests). *ours* = `load_run` into a "
        "fresh warehouse (verify checksums, stage, quarantine, merge, ledger, one transaction); "
        "*DuckDB ceiling* = DuckDB's own `read_json` of the same files, same columns, "
        "straight into new tables: *all files* = every staging file the load reads (headers "
        "with their payloads, lines, outcomes, quarantine), *lines* = the lines files alone;"
        " *dlt* = `pipeline.run(records, write_disposition='append')` into "
        "dlt's DuckDB destination, the same line records handed over as Python dicts (parsing "
        "not charged to dlt). Lines per second of the run's lines. No sandbox runs here: every "
        "step has both cores."
    )
    add("")
    add(
        "| orders | lines | ours lines/s | ceiling, all files | ours / all files "
        "| ceiling, lines | ours / lines | dlt lines/s | ours / dlt |"
    )
    add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for orders, e in load["sizes"].items():
        ours = e.get("load", {}).get("lines_per_second")
        every = e.get("ceiling_all", {}).get("lines_per_second")
        ceiling = e.get("ceiling", {}).get("lines_per_second")
        dlt = e.get("dlt_load", {}).get("lines_per_second")
        lines = e.get("load", {}).get("lines", 0)
        ratio = f"{ours['median'] / dlt['median']:.1f}x" if ours and dlt else "n/a"
        add(
            f"| {int(orders):,} | {lines:,} | {fmt(ours)} | {fmt(every)} | {_share(ours, every)} "
            f"| {fmt(ceiling)} | {_share(ours, ceiling)} | {fmt(dlt)} | {ratio} |"
        )
    add("")


def _share(ours: dict[str, Any] | None, peer: dict[str, Any] | None) -> str:
    return f"{100 * ours['median'] / peer['median']:.1f} %" if ours and peer else "n/a"


def _e2e(e2e: dict[str, Any], add) -> None:
    add("## 5. End to end")
    add("")
    add(
        "`airflow dags test twentyfourseven_sales_orders` (SQLite metadata in a temporary "
        f"AIRFLOW_HOME, migrated once in {e2e.get('db_migrate_seconds', '?')} s, not counted), "
        "a fresh data folder per run (first run = full refresh), sandbox in its own process. "
        f"{e2e['note']}. Task times from the task instances' start/end in the metadata DB "
        "(mapped extract tasks summed); *Airflow overhead* = wall time of the command minus the "
        "sum of task durations (start-up, DAG parsing, scheduling between tasks)."
    )
    add("")
    for orders, e in e2e["sizes"].items():
        if "error" in e:
            add(f"- {int(orders):,} orders: failed: `{e['error'].strip().splitlines()[-1][:200]}`")
            continue
        add(
            f"### {int(orders):,} orders ({e['runs_done']} run(s), "
            f"{e['mapped_task_instances']} task instances)"
        )
        add("")
        add("| | seconds |")
        add("|---|---:|")
        add(f"| wall time | {fmt(e['wall_seconds'])} |")
        for name, t in e["task_seconds"].items():
            add(f"| task `{name}` | {fmt(t)} |")
        add(f"| Airflow overhead | {fmt(e['airflow_overhead_seconds'])} |")
        share = e["airflow_overhead_share"]
        add(
            f"| overhead share of wall time | {100 * share['median']:.1f} % "
            f"({100 * share['min']:.1f}-{100 * share['max']:.1f} %) |"
        )
        add("")


def _memory(memory: dict[str, Any], add) -> None:
    add("## 6. Memory")
    add("")
    add(
        "Peak RSS (`VmHWM`) of the process doing the step, imports included. *extract*: "
        "a full-refresh plan in one process, cut as the DAG cuts it (at most 16 chunks, at "
        "least 500 orders each), then `extract_chunk` of chunk 0 alone in another process "
        "against the sandbox at 0 ms: one extract task's memory. *extract, one chunk*: the "
        "same with every order in a single chunk (the worst case, not what the DAG does). "
        "*load*: `load_run` of the section 4 staging files."
    )
    add("")
    add(
        "| step | orders in run | orders in chunk | peak RSS MiB | before extract MiB "
        "| plan peak RSS MiB | plan s | extract lines/s |"
    )
    add("|---|---:|---:|---:|---:|---:|---:|---:|")
    for key, label in (("extract", "extract"), ("extract_one_chunk", "extract, one chunk")):
        for orders, e in memory.get(key, {}).items():
            if "error" in e or "orders_in_chunk" not in e:
                add(f"| {label} | {int(orders):,} | | failed or not measured | | | | |")
                continue
            add(
                f"| {label} | {int(orders):,} | {e['orders_in_chunk']:,} | "
                f"{e['peak_rss_mb']:.0f} | {e['rss_before_extract_mb']:.0f} | "
                f"{e['plan_peak_rss_mb']:.0f} | {e.get('plan_seconds', 0):,.0f} | "
                f"{e['lines_per_second']:,} |"
            )
    for orders, e in memory.get("load", {}).items():
        add(f"| load | {int(orders):,} | | {e['peak_rss_mb']:.0f} | | | | |")
    add("")


def _models(models: dict[str, Any], add) -> None:
    add("## 7. Models")
    add("")
    add(
        f"`{models['script']}`: lines generated straight into DuckDB, then every SQL model "
        "built and every data test run (DuckDB on all cores of the machine)."
    )
    add("")
    add("| lines | build s | data tests s | total s | generate s |")
    add("|---:|---:|---:|---:|---:|")
    for lines, e in models["sizes"].items():
        if "error" in e:
            add(f"| {int(lines):,} | failed | | | |")
            continue
        add(
            f"| {int(lines):,} | {fmt(e['build_seconds'])} | {fmt(e['test_seconds'])} | "
            f"{fmt(e['total_seconds'])} | {e['generate_seconds']} |"
        )
    add("")
