"""
### 24SevenOffice sales orders → DuckDB

Reads sales orders and their lines from the 24SevenOffice (Finago Office) REST API
into the DuckDB warehouse.

1. **plan**: which orders to read: discovered since the watermark (minus an
   overlap), the `order_ids` param, last runs' failures and quarantined orders,
   and every known order on a reconciliation run. An incremental run also lists
   every order ID (every `deletion_check_every_runs` runs; default every run) and
   adds the known orders missing from it, so their `GET` confirms each deletion
   (404: tombstoned; any other answer: left alone, logged, asked again next run).
   Cut into a bounded number of chunks.
   The watermark never passes the listing's clock (the API's `Date` header); a
   `modifiedAt` far ahead of it is a warning, not a new watermark.
2. **extract** (one mapped task per chunk): header and lines per order under the
   connection's rate budget, into checksummed staging files. Beside them,
   **extract_master_data** lists the master data (customers by `modifiedFrom`,
   products, product categories, tax codes, accounts, currencies) every
   `master_data_every_runs` runs.
3. **load** (one writer, pool `twentyfourseven_warehouse` with one slot): in one
   transaction, replace each read order's lines, upsert headers, tombstone deleted
   orders, quarantine invalid records, record failures and the run in `ops.runs`;
   then each master-data listing in its own transaction (customers and products keep
   their history), recorded in `ops.listings`.
4. **transform**: build the SQL models of the package's `sql/` (staging → marts →
   reports, each after the models it reads), then run the data tests (those of
   `sql/tests` and the key and reference tests derived from the models' column
   annotations); a failing test fails the task with the rows that broke it. After an
   incremental load the facts update only the orders it changed, and the row-level
   tests check only those; a full refresh or reconciliation rebuilds and tests all.
5. **publish**: write the read-only snapshot for analysts and BI tools (a new
   file renamed over the old one) and render the HTML dashboard.

The design, step by step, is in the project's `docs/architecture.md`.

Assets (for downstream DAGs): `twentyfourseven_raw` (load), `twentyfourseven_models`
(transform), `twentyfourseven_snapshot` (publish).

**Params**: `order_ids` (list, or comma-separated; at most `max_order_ids`, each
in ASCII digits), `reconcile` (re-read every known order: finds line-only edits
that do not move `modifiedAt`; it also runs every `reconcile_every_hours`), `full_refresh` (list
everything and re-read every known order). Bad params fail the plan task at once,
without retries, with an error naming every bad value.

**Settings** (where the files go, how a run is cut up): each `name` is read from the
Airflow Variable `twentyfourseven_<name>`, else the environment variable
`TWENTYFOURSEVEN_<NAME>`, else its default. Every setting, with its default and
meaning, is in one place: the **Settings** table of the project's README (section
"Deploying it on your Airflow"). `TWENTYFOURSEVEN_DATA_DIR` moves the default data
folder. Read when the DAG is parsed: `TWENTYFOURSEVEN_SCHEDULE` (default `@hourly`)
`TWENTYFOURSEVEN_PARALLEL_EXTRACTS` (default 4: extract tasks of one run running
at once, each with that share of the connection's rate budget) and
`TWENTYFOURSEVEN_WAREHOUSE_QUEUE` (unset by default: the queue of the tasks that open
the warehouse, served only by the worker that holds it when workers share no disk and
staging is in object storage).

**Connection**: `twentyfourseven_default` (type `twentyfourseven`; another with the
`conn_id` setting); its fields are in the README's **Connection** paragraph.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import Param, dag, get_current_context, task

from twentyfourseven import assets
from twentyfourseven.deployment import DAG_ID, warehouse_task

# Extract tasks of one run that may read at once; each gets an equal share of the
# connection's rate budget, so together they never exceed it.
PARALLEL_EXTRACTS = int(os.environ.get("TWENTYFOURSEVEN_PARALLEL_EXTRACTS", "4"))
# The tasks that open the DuckDB file (plan, load, transform, publish).
WAREHOUSE_TASK = warehouse_task()


@dag(
    dag_id=DAG_ID,
    schedule=os.environ.get("TWENTYFOURSEVEN_SCHEDULE", "@hourly"),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "execution_timeout": dt.timedelta(hours=6),
    },
    params={
        "order_ids": Param([], type=["array", "string"], description="Order IDs to read"),
        "reconcile": Param(False, type="boolean", description="Re-read every known order"),
        "full_refresh": Param(False, type="boolean", description="List and re-read everything"),
    },
    tags=["24sevenoffice", "sales", "duckdb"],
    doc_md=__doc__,
)
def twentyfourseven_sales_orders():
    @task(**WAREHOUSE_TASK)
    def plan() -> list[int]:
        """Decide the run's orders; return the chunk numbers to extract."""
        from airflow.sdk.exceptions import AirflowFailException

        from twentyfourseven.pipeline.plan import InvalidRunRequestError
        from twentyfourseven.pipeline.steps import plan_step

        context = get_current_context()
        try:
            return plan_step(context["run_id"], dict(context["params"]))
        except InvalidRunRequestError as exc:
            # The same params fail the same way on every try: retries would only hold
            # the warehouse pool's one slot for minutes.
            raise AirflowFailException(str(exc)) from exc

    @task(max_active_tis_per_dagrun=PARALLEL_EXTRACTS)
    def extract(chunk: int) -> dict:
        """Read one chunk's orders into its staging files."""
        from twentyfourseven.pipeline.steps import extract_step

        return extract_step(get_current_context()["run_id"], chunk, PARALLEL_EXTRACTS)

    @task
    def extract_master_data(chunks: list[int]) -> dict:
        """List the master data the plan chose (customers, products, ...) into staging."""
        from twentyfourseven.pipeline.steps import extract_master_data_step

        return extract_master_data_step(get_current_context()["run_id"], PARALLEL_EXTRACTS)

    @task(**WAREHOUSE_TASK, outlets=[assets.RAW])
    def load(extracted: list[dict], master_data: dict) -> dict:
        """Apply the run's staging files to the warehouse in one transaction."""
        from twentyfourseven.pipeline.steps import load_step

        return load_step(get_current_context()["run_id"])

    @task(**WAREHOUSE_TASK, outlets=[assets.MODELS])
    def transform(loaded: dict) -> dict:
        """Build the models and run the data tests: an incremental run's changed orders
        only, a full refresh or reconciliation run's everything."""
        from twentyfourseven.pipeline.steps import transform_step

        return transform_step(mode=loaded["mode"])

    @task(**WAREHOUSE_TASK, outlets=[assets.SNAPSHOT])
    def publish(transformed: dict) -> dict:
        """Publish the snapshot and the dashboard."""
        from twentyfourseven.pipeline.steps import publish_step

        return publish_step()

    # TaskFlow passes each task's XComArg where the next one's value goes; Airflow's typing
    # of @task calls says the value's type, so mypy sees an XComArg where a dict should be.
    chunks = plan()
    loaded = load(extract.expand(chunk=chunks), extract_master_data(chunks))  # type: ignore[arg-type]
    publish(transform(loaded))  # type: ignore[arg-type]


twentyfourseven_sales_orders()
