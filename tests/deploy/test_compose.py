"""docker-compose.yml, the Dockerfile and .env.example agree with the project.

No Docker engine runs here: the compose file is parsed with PyYAML (anchors and
``<<`` merges resolved), its ``${VAR:-default}`` references are substituted the way
``docker compose`` does, and the result is checked against the project's own
constants: the connection type and extras, the sandbox's command line, the
warehouse pool, the settings' data folder, the DAG's environment defaults and the
locked Airflow version. The file needs its secrets (``${VAR:?...}``): unless a
test says otherwise, they are the ones ``twentyfourseven secrets`` generates.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import math
import os
import re
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from airflow.sdk.io import store as object_store

from twentyfourseven import connection, deployment
from twentyfourseven.api import ConfigurationError
from twentyfourseven.api import constants as api_constants
from twentyfourseven.cli import build_parser
from twentyfourseven.commands import secrets as secrets_command
from twentyfourseven.commands.sandbox import PUBLIC_CLIENT_SECRET, config_from_args

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DAG_FILE = ROOT / "dags" / "twentyfourseven_sales_orders.py"

# The services of Airflow's official docker-compose.yaml for Airflow 3 (CeleryExecutor).
OFFICIAL_SERVICES = {
    "postgres",
    "redis",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
}
# Long-running Airflow services and what each must wait for.
RUNNING_AIRFLOW_SERVICES = OFFICIAL_SERVICES - {"postgres", "redis", "airflow-init"}
SANDBOX = "sandbox"
CONN_ENV = "AIRFLOW_CONN_TWENTYFOURSEVEN_DEFAULT"
STAGING_CONN_ENV = "AIRFLOW_CONN_TWENTYFOURSEVEN_STAGING"
# What `twentyfourseven secrets` writes into a fresh .env.
GENERATED = secrets_command.generate({})

# ---------------------------------------------------------------------------------
# Compose variable substitution (the subset of the compose spec the file may use)

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}$]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<invalid>))"
)


def substitute(text: str, env: dict[str, str]) -> str:
    """``text`` with ``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-d}``, ``${VAR-d}``,
    ``${VAR:?e}``, ``${VAR?e}``, ``${VAR:+a}``, ``${VAR+a}`` replaced as compose does."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["invalid"] is not None and not match["braced"] and not match["named"]:
            raise ValueError(f"invalid or nested interpolation at {text[match.start() :]!r}")
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"] or ""
        value = env.get(name)
        unset_or_empty = not value
        if op in (":-", "-"):
            return arg if (unset_or_empty if op == ":-" else value is None) else value
        if op in (":?", "?"):
            if unset_or_empty if op == ":?" else value is None:
                raise KeyError(f"required variable {name}: {arg}")
            return value
        if op in (":+", "+"):
            return "" if (unset_or_empty if op == ":+" else value is None) else arg
        return value or ""

    return _VARIABLE.sub(replace, text)


def resolve(node: Any, env: dict[str, str]) -> Any:
    """The parsed compose document with every string substituted."""
    if isinstance(node, str):
        return substitute(node, env)
    if isinstance(node, list):
        return [resolve(item, env) for item in node]
    if isinstance(node, dict):
        return {key: resolve(value, env) for key, value in node.items()}
    return node


def referenced_variables(text: str) -> set[str]:
    return {
        m["braced"] or m["named"]
        for m in _VARIABLE.finditer(text)
        if not m["escaped"] and (m["braced"] or m["named"])
    }


def env_example(*, uncomment: bool) -> dict[str, str]:
    """The variables .env.example sets; with ``uncomment``, also its ``# VAR=value`` lines."""
    values = {}
    for raw in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if uncomment and line.startswith("#"):
            line = line.lstrip("#").strip()
        match = re.fullmatch(r"([A-Z_][A-Z0-9_]*)=(.*)", line)
        if match:
            values[match[1]] = match[2]
    return values


def compose(env: dict[str, str] | None = None, *, secrets: bool = True) -> dict[str, Any]:
    """The resolved file, with ``env`` over the generated secrets (``secrets=False``: alone)."""
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return resolve(document, {**(GENERATED if secrets else {}), **(env or {})})


def services(env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    return compose(env)["services"]


def airflow_services(env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services(env).items() if name.startswith("airflow-")}


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> source, from the short volume syntax."""
    targets = {}
    for volume in service.get("volumes", []):
        source, target, *_ = volume.split(":")
        targets[target] = source
    return targets


def sandbox_args(env: dict[str, str] | None = None):
    """The sandbox service's command line, parsed with the service's environment."""
    service = services(env)[SANDBOX]
    command = service["command"]
    assert command[:2] == ["twentyfourseven", "sandbox"], command
    with pytest.MonkeyPatch.context() as patch:
        for name, value in service.get("environment", {}).items():
            patch.setenv(name, value)
        return build_parser().parse_args(command[1:])


def connection_json(env: dict[str, str] | None = None) -> dict[str, Any]:
    value = services(env)["airflow-worker"]["environment"][CONN_ENV]
    return json.loads(value)


def built_client(monkeypatch: pytest.MonkeyPatch, env: dict[str, str] | None = None):
    """The API client the hook builds from the compose connection, as a worker would."""
    from twentyfourseven.hooks import TwentyFourSevenOfficeHook

    monkeypatch.setenv(CONN_ENV, services(env)["airflow-worker"]["environment"][CONN_ENV])
    hook = TwentyFourSevenOfficeHook(connection.DEFAULT_CONN_ID)
    client = hook.get_conn()
    hook.close()
    return client


def locked_version(package: str) -> str:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(package)}==(\S+)", lock, re.MULTILINE)
    assert match, f"{package} is not pinned in requirements.lock"
    return match[1]


# ---------------------------------------------------------------------------------
# The substitution helper itself


def test_substitute_follows_compose_rules():
    env = {"SET": "value", "EMPTY": ""}
    assert substitute("$$HOSTNAME ${SET} $SET", env) == "$HOSTNAME value value"
    assert substitute("${EMPTY:-d} ${EMPTY-d} ${UNSET-d}", env) == "d  d"
    assert substitute('{"a": "${UNSET:-x}"}', env) == '{"a": "x"}'
    assert substitute("${SET:+alt}${UNSET:+alt}", env) == "alt"
    with pytest.raises(KeyError, match="UNSET"):
        substitute("${UNSET:?set it}", env)


# ---------------------------------------------------------------------------------
# Shape: the official Airflow 3 compose file


def test_every_service_of_the_official_shape_and_the_sandbox_is_there():
    assert set(services()) >= OFFICIAL_SERVICES | {SANDBOX}


def test_celery_executor_postgres_metadata_and_redis_broker():
    names = services()
    for name, service in airflow_services().items():
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        metadata = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        assert metadata.scheme == "postgresql+psycopg2", name
        assert names[metadata.hostname]["image"].startswith("postgres:"), name
        results = urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"])
        assert (results.scheme, results.hostname) == ("db+postgresql", metadata.hostname)
        broker = urlsplit(env["AIRFLOW__CELERY__BROKER_URL"])
        assert broker.scheme == "redis", name
        assert names[broker.hostname]["image"].startswith("redis:")
        # Airflow 3: tasks talk to the API server's execution API, signed with a shared secret.
        execution = urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert execution.hostname == "airflow-apiserver", name
        published = names["airflow-apiserver"]["ports"]
        assert any(port.endswith(f":{execution.port}:{execution.port}") for port in published)
        assert execution.path == "/execution/"
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"], name


def test_services_wait_for_what_they_need_and_report_health():
    all_services = services()
    for name in RUNNING_AIRFLOW_SERVICES:
        service = all_services[name]
        depends = service["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
        assert service["healthcheck"]["test"], name
    worker = all_services["airflow-worker"]["depends_on"]
    assert worker["airflow-apiserver"]["condition"] == "service_healthy"
    assert worker[SANDBOX]["condition"] == "service_healthy"
    for name in ("postgres", "redis", SANDBOX):
        assert all_services[name]["healthcheck"]["test"], name
    commands = {name: all_services[name]["command"] for name in RUNNING_AIRFLOW_SERVICES}
    assert commands == {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-worker": "celery worker",
        "airflow-triggerer": "triggerer",
    }


# ---------------------------------------------------------------------------------
# The project's image, folders and data


def test_airflow_services_run_the_project_image():
    document = compose()
    image = document["x-project-image"]["image"]
    assert document["x-project-image"]["build"] == "."
    assert (ROOT / "Dockerfile").is_file()
    for name, service in airflow_services().items():
        assert (service["image"], service["build"]) == (image, "."), name
    assert (services()[SANDBOX]["image"], services()[SANDBOX]["build"]) == (image, ".")


def test_airflow_services_mount_dags_and_data_where_airflow_looks():
    for name, service in airflow_services().items():
        env, mounted = service["environment"], mounts(service)
        dags, plugins = env["AIRFLOW__CORE__DAGS_FOLDER"], env["AIRFLOW__CORE__PLUGINS_FOLDER"]
        data = env["TWENTYFOURSEVEN_DATA_DIR"]
        assert mounted.get(dags) == "./dags", name
        assert mounted.get(data) == "twentyfourseven-data", name
        # The package is installed in the image: a mounted source tree would only shadow
        # part of it (the plugins folder is on sys.path) and go stale against it.
        assert plugins not in mounted, name
        assert not any(source.startswith("./plugins") for source in mounted.values()), name
    paths = {
        (*sorted(mounts(s).items()), s["environment"]["TWENTYFOURSEVEN_DATA_DIR"])
        for s in airflow_services().values()
    }
    assert len(paths) == 1, "every Airflow service sees the same folders at the same paths"


def test_data_volume_is_a_declared_named_volume_holding_every_pipeline_file(monkeypatch):
    document = compose()
    service = document["services"]["airflow-worker"]
    data = service["environment"]["TWENTYFOURSEVEN_DATA_DIR"]
    volume = mounts(service)[data]
    assert volume in document["volumes"], "the data volume is declared at the top level"
    # Its default is a named volume; a path makes it a bind mount (documented switch).
    moved = airflow_services({"TWENTYFOURSEVEN_DATA_VOLUME": "./docker-data"})
    assert all(mounts(s)[data] == "./docker-data" for s in moved.values())
    # Staging files, warehouse (and any other path setting) land in that folder.
    for name in list(os.environ):
        if name.startswith("TWENTYFOURSEVEN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TWENTYFOURSEVEN_DATA_DIR", data)
    loaded = deployment.PipelineSettings.load()
    paths = [value for value in vars(loaded).values() if isinstance(value, Path)]
    assert paths, "PipelineSettings has path settings"
    for path in paths:
        assert PurePosixPath(path).is_relative_to(data), path


def test_dag_environment_defaults_match_the_dag_file():
    defaults = {}
    for node in ast.walk(ast.parse(DAG_FILE.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "os.environ.get"
            and len(node.args) == 2
        ):
            defaults[node.args[0].value] = str(node.args[1].value)
    assert set(defaults) >= {"TWENTYFOURSEVEN_SCHEDULE", "TWENTYFOURSEVEN_PARALLEL_EXTRACTS"}
    for name, service in airflow_services().items():
        for variable, default in defaults.items():
            assert service["environment"].get(variable) == default, (name, variable)
    overridden = airflow_services({"TWENTYFOURSEVEN_SCHEDULE": "@daily"})
    assert overridden["airflow-dag-processor"]["environment"]["TWENTYFOURSEVEN_SCHEDULE"] == (
        "@daily"
    )


def test_init_creates_the_warehouse_pool_with_one_slot():
    script = "\n".join(services()["airflow-init"]["command"])
    pools = re.findall(r"airflow pools set (\S+) (\d+)", script)
    assert pools == [(deployment.WAREHOUSE_POOL, "1")]
    assert services()["airflow-init"]["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"


# ---------------------------------------------------------------------------------
# The sandbox and the connection


def test_sandbox_service_serves_on_the_port_it_publishes_and_checks():
    service = services()[SANDBOX]
    args = sandbox_args()
    assert args.host == "0.0.0.0"  # noqa: S104 (inside its container, reached by service name)
    assert service["entrypoint"] == [], "Airflow's entrypoint would run `airflow twentyfourseven`"
    assert all(port.endswith(f":{args.port}") for port in service["ports"])
    assert f"localhost:{args.port}/_sandbox/health" in " ".join(service["healthcheck"]["test"])
    assert "depends_on" not in service
    assert "user" not in service


def test_connection_defaults_to_the_sandbox_service(monkeypatch):
    conn = connection_json()
    assert conn["conn_type"] == connection.CONN_TYPE
    assert set(conn["extra"]) <= set(connection.EXTRA_FIELDS), "only extras the hook reads"
    args = sandbox_args()
    sandbox = config_from_args(args)
    assert (conn["login"], conn["password"], conn["extra"]["organization_id"]) == (
        sandbox.client_id,
        sandbox.client_secret,
        sandbox.organization_id,
    )
    # The sandbox serves the real API's paths, on its service name and --port.
    for key, real in (
        ("api_base_url", api_constants.API_BASE_URL),
        ("token_url", api_constants.TOKEN_URL),
    ):
        url = urlsplit(conn["extra"][key])
        assert (url.scheme, url.hostname, url.port) == ("http", SANDBOX, args.port), key
        assert url.path == urlsplit(real).path, key
    # ... and the hook builds its client from it, as a worker would: plain HTTP on the
    # compose network only because `make secrets` opted in for the sandbox ...
    assert GENERATED["TWENTYFOURSEVEN_ALLOW_INSECURE_HTTP"] == "true"
    assert conn["extra"]["allow_insecure_http"] is True
    client = built_client(monkeypatch)
    assert client.base_url == f"http://{SANDBOX}:{args.port}/v1"
    assert client.organization_id == sandbox.organization_id
    assert client.limiter.rate == connection.EXTRA_FIELDS["rate_limit"][2]


def test_without_the_opt_in_the_hook_refuses_plain_http_to_the_sandbox(monkeypatch):
    assert (
        connection_json({"TWENTYFOURSEVEN_ALLOW_INSECURE_HTTP": ""})["extra"]["allow_insecure_http"]
        is False
    )
    with pytest.raises(ConfigurationError, match=f"plain HTTP refused for base_url to {SANDBOX}"):
        built_client(monkeypatch, {"TWENTYFOURSEVEN_ALLOW_INSECURE_HTTP": ""})


def test_profile_s3_stages_in_its_bucket_and_sends_the_warehouse_tasks_to_one_worker(
    monkeypatch,
):
    switch = ("TWENTYFOURSEVEN_STAGING", "TWENTYFOURSEVEN_WAREHOUSE_QUEUE")
    example = {k: v for k, v in env_example(uncomment=True).items() if k in switch}
    assert set(example) == set(switch), ".env.example shows how to switch"
    resolved = services(example)
    profiled = {name for name, s in resolved.items() if "s3" in s.get("profiles", [])}
    assert profiled == {"staging-store", "staging-store-init", "airflow-warehouse-worker"}
    worker = resolved["airflow-warehouse-worker"]
    env = worker["environment"]
    queue = env["TWENTYFOURSEVEN_WAREHOUSE_QUEUE"]
    assert queue == "warehouse"
    assert f"--queues {queue}" in worker["command"]
    assert "--queues" not in resolved["airflow-worker"]["command"]  # the default queue
    bucket = resolved["staging-store-init"]["environment"]["STORE_BUCKET"]
    assert env["TWENTYFOURSEVEN_STAGING"].startswith(f"s3://{bucket}/")
    conn = json.loads(env[STAGING_CONN_ENV])
    assert conn["conn_type"] == "aws"
    assert urlsplit(conn["extra"]["endpoint_url"]).hostname == "staging-store"
    assert env["TWENTYFOURSEVEN_STAGING_CONN_ID"].upper() == STAGING_CONN_ENV.split("CONN_")[1]
    # The settings, as a worker of the profile reads them.
    for name in list(os.environ):
        if name.startswith("TWENTYFOURSEVEN_"):
            monkeypatch.delenv(name)
    for name in (*switch, "TWENTYFOURSEVEN_STAGING_CONN_ID", STAGING_CONN_ENV):
        monkeypatch.setenv(name, env[name])
    # Airflow caches each connection's object store for the process: this test's store (the
    # compose file's endpoint) must not outlive it, or later tests' paths would use it.
    monkeypatch.setattr(object_store, "_STORE_CACHE", {})
    staging = deployment.PipelineSettings.load().staging
    assert not isinstance(staging, Path)
    assert (staging.protocol, staging.bucket) == ("s3", bucket)
    assert deployment.warehouse_task() == {"pool": deployment.WAREHOUSE_POOL, "queue": queue}
    # Without the switch: staging in the data volume, every task on the default queue.
    plain = airflow_services()["airflow-worker"]["environment"]
    assert plain["TWENTYFOURSEVEN_STAGING"] == plain["TWENTYFOURSEVEN_WAREHOUSE_QUEUE"] == ""
    for name in switch:
        monkeypatch.setenv(name, "")
    assert isinstance(deployment.PipelineSettings.load().staging, Path)
    assert deployment.warehouse_queue() == {}


def test_every_airflow_service_has_the_connection_and_the_data_folder():
    reference = airflow_services()["airflow-worker"]["environment"]
    for name, service in airflow_services().items():
        env = service["environment"]
        assert env[CONN_ENV] == reference[CONN_ENV], name
        assert env["TWENTYFOURSEVEN_DATA_DIR"] == reference["TWENTYFOURSEVEN_DATA_DIR"], name


def test_env_example_switches_the_connection_to_the_real_api(monkeypatch):
    # A .env written by `make secrets`, then edited as .env.example says.
    env = {**GENERATED, **{k: v for k, v in env_example(uncomment=True).items() if v}}
    conn = connection_json(env)
    assert conn["conn_type"] == connection.CONN_TYPE
    assert conn["extra"]["api_base_url"] == api_constants.API_BASE_URL
    assert conn["extra"]["token_url"] == api_constants.TOKEN_URL
    assert conn["login"] == env["TWENTYFOURSEVEN_CLIENT_ID"]
    assert conn["password"] == env["TWENTYFOURSEVEN_CLIENT_SECRET"]
    assert conn["extra"]["organization_id"] == env["TWENTYFOURSEVEN_ORGANIZATION_ID"]
    assert conn["extra"]["allow_insecure_http"] is False
    client = built_client(monkeypatch, env)
    assert (client.base_url, client.token_url) == (
        api_constants.API_BASE_URL,
        api_constants.TOKEN_URL,
    )
    # A secret with JSON-special characters, escaped as documented, survives.
    tricky = {**env, "TWENTYFOURSEVEN_CLIENT_SECRET": r"a\"b\\c"}
    assert connection_json(tricky)["password"] == 'a"b\\c'


def test_every_compose_variable_is_documented_in_env_example():
    used = referenced_variables(COMPOSE.read_text(encoding="utf-8"))
    documented = set(env_example(uncomment=True))
    missing = used - documented
    assert not missing, f"document these in .env.example: {sorted(missing)}"


# ---------------------------------------------------------------------------------
# No secrets in the file


# The secrets compose requires, and where each must arrive: (service, variable) pairs.
SECRETS_AND_READERS = {
    "AIRFLOW__API_AUTH__JWT_SECRET": [("airflow-apiserver", "AIRFLOW__API_AUTH__JWT_SECRET")],
    "AIRFLOW__API__SECRET_KEY": [("airflow-apiserver", "AIRFLOW__API__SECRET_KEY")],
    "FERNET_KEY": [("airflow-scheduler", "AIRFLOW__CORE__FERNET_KEY")],
    "_AIRFLOW_WWW_USER_PASSWORD": [("airflow-init", "_AIRFLOW_WWW_USER_PASSWORD")],
    "FLOWER_BASIC_AUTH": [("flower", "AIRFLOW__CELERY__FLOWER_BASIC_AUTH")],
    "POSTGRES_PASSWORD": [
        ("postgres", "POSTGRES_PASSWORD"),
        ("airflow-worker", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"),
        ("airflow-worker", "AIRFLOW__CELERY__RESULT_BACKEND"),
    ],
    "TWENTYFOURSEVEN_SANDBOX_CLIENT_SECRET": [(SANDBOX, "TWENTYFOURSEVEN_SANDBOX_CLIENT_SECRET")],
    "TWENTYFOURSEVEN_CLIENT_SECRET": [("airflow-worker", CONN_ENV)],
    "TWENTYFOURSEVEN_STAGING_BUCKET_ACCESS_KEY": [
        ("staging-store", "MINIO_ROOT_USER"),
        ("airflow-worker", STAGING_CONN_ENV),
    ],
    "TWENTYFOURSEVEN_STAGING_BUCKET_SECRET_KEY": [
        ("staging-store", "MINIO_ROOT_PASSWORD"),
        ("staging-store-init", "STORE_SECRET_KEY"),
        ("airflow-warehouse-worker", STAGING_CONN_ENV),
    ],
}


def required_variables(text: str) -> set[str]:
    return {m["braced"] for m in _VARIABLE.finditer(text) if m["op"] in (":?", "?")}


def test_with_the_secrets_set_the_file_resolves_and_every_secret_arrives():
    text = COMPOSE.read_text(encoding="utf-8")
    assert required_variables(text) == set(SECRETS_AND_READERS)
    assert set(GENERATED) >= set(SECRETS_AND_READERS), "the generator writes them all"
    marked = {name: f"from-env-{name.lower().strip('_')}" for name in SECRETS_AND_READERS}
    marked["FLOWER_BASIC_AUTH"] = "admin:from-env-flower"
    resolved = compose(marked, secrets=False)["services"]
    for name, readers in SECRETS_AND_READERS.items():
        for service, variable in readers:
            assert marked[name] in resolved[service]["environment"][variable], (name, service)


@pytest.mark.parametrize("missing", sorted(SECRETS_AND_READERS))
@pytest.mark.parametrize("value", [None, ""])
def test_without_any_one_secret_compose_refuses_naming_it(missing, value):
    env = {name: "set" for name in SECRETS_AND_READERS}
    if value is None:
        del env[missing]
    else:
        env[missing] = value
    with pytest.raises(KeyError) as caught:
        compose(env, secrets=False)
    assert f"required variable {missing}:" in str(caught.value)
    assert "make secrets" in str(caught.value), "the message says how to generate them"


WELL_KNOWN = [
    re.compile(r"airflow_jwt_secret"),  # the official file's JWT default
    re.compile(r"airflow:airflow@"),  # PostgreSQL user airflow, password airflow
    re.compile(r"POSTGRES_PASSWORD\W+airflow\b"),
    re.compile(r"_PASSWORD:-"),  # any password with a default
    re.compile(r"FERNET_KEY:-"),  # the official file's empty Fernet key
    re.compile(r"SECRET(_KEY)?:-"),
    re.compile(r"\(`?airflow`? */ *`?airflow`?\)|airflow/airflow"),  # the admin account
]
SHIPPED = [COMPOSE, ENV_EXAMPLE, DOCKERFILE, ROOT / "docs" / "deployment.md", ROOT / "Makefile"]


def test_no_well_known_secret_in_any_shipped_deployment_file():
    for path in SHIPPED:
        text = path.read_text(encoding="utf-8")
        for pattern in WELL_KNOWN:
            found = pattern.search(text)
            assert not found, f"{path.name}: well-known secret {found[0]!r}"
    # ... and none reaches a container: not empty, not Airflow's or the sandbox's defaults.
    public = {"airflow", "admin", "", PUBLIC_CLIENT_SECRET}
    for name, readers in SECRETS_AND_READERS.items():
        assert GENERATED[name] not in public, name
        for service, variable in readers:
            assert services()[service]["environment"][variable], (name, service)


def test_every_published_port_binds_to_a_configurable_address_defaulting_to_loopback():
    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    published = {name: s["ports"] for name, s in raw.items() if s.get("ports")}
    assert {"airflow-apiserver", "flower", SANDBOX} <= set(published)
    for name, ports in published.items():
        for port in ports:
            match = re.fullmatch(r"\$\{(\w+):-127\.0\.0\.1\}:(.+:\d+)", str(port))
            assert match, f"{name} publishes {port!r} without a loopback default"
            assert substitute(port, GENERATED).startswith("127.0.0.1:"), name
            assert substitute(port, {match[1]: "0.0.0.0"}).startswith("0.0.0.0:"), name  # noqa: S104
    # The sandbox's admin API (unauthenticated) does not follow the UI's address.
    sandbox_variable = re.match(r"\$\{(\w+)", published[SANDBOX][0])[1]
    assert sandbox_variable != re.match(r"\$\{(\w+)", published["airflow-apiserver"][0])[1]


def test_connection_credentials_come_from_variables():
    """With every variable set, the credentials are the variables' values: nothing
    in the file overrides them, and the only literal fallbacks are the sandbox's."""
    text = COMPOSE.read_text(encoding="utf-8")
    marked = {name: f"from-env-{name.lower()}" for name in referenced_variables(text)}
    marked["TWENTYFOURSEVEN_RATE_LIMIT"] = "7"
    marked["TWENTYFOURSEVEN_ALLOW_INSECURE_HTTP"] = "false"
    conn = connection_json(marked)
    assert conn["login"] == marked["TWENTYFOURSEVEN_CLIENT_ID"]
    assert conn["password"] == marked["TWENTYFOURSEVEN_CLIENT_SECRET"]
    assert conn["extra"]["organization_id"] == marked["TWENTYFOURSEVEN_ORGANIZATION_ID"]
    assert conn["extra"]["api_base_url"] == marked["TWENTYFOURSEVEN_API_BASE_URL"]
    assert conn["extra"]["token_url"] == marked["TWENTYFOURSEVEN_TOKEN_URL"]


def test_no_secret_literal_in_the_compose_file():
    text = COMPOSE.read_text(encoding="utf-8")
    sandbox = config_from_args(sandbox_args())
    # Identifiers, not secrets: the sandbox's public values may be defaults.
    public = {sandbox.client_id, sandbox.organization_id}
    secretish = re.compile(r"SECRET|PASSWORD|CLIENT_ID|ORGANIZATION|FERNET|_KEY$|TOKEN$|AUTH")
    for match in _VARIABLE.finditer(text):
        name, default = match["braced"], match["arg"]
        if name and secretish.search(name) and match["op"] in (":-", "-"):
            assert default in public, f"literal default for {name}: {default!r}"
    # The real API is reached only through variables, never named in the file.
    assert "24sevenoffice.com" not in text
    # Nothing that looks like a key or token: long, mixed, high-entropy strings.
    for token in re.findall(r"[A-Za-z0-9+=_\-]{20,}", text):
        counts = Counter(token)
        entropy = -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())
        mixed = any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
        assert not (mixed and entropy > 3.7), f"secret-looking literal: {token!r}"


def test_env_example_holds_placeholders_only_and_env_is_git_ignored():
    secretish = re.compile(r"SECRET|PASSWORD|CLIENT_ID|ORGANIZATION_ID|FERNET_KEY|AUTH")
    for name, value in env_example(uncomment=True).items():
        if secretish.search(name):
            assert value == "" or re.fullmatch(r"<[^>]+>", value), (name, value)
    patterns = [
        line.strip()
        for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert any(fnmatch.fnmatch(".env", p.lstrip("/")) for p in patterns), ".env is git-ignored"
    assert not any(fnmatch.fnmatch(".env.example", p.lstrip("/")) for p in patterns)


# ---------------------------------------------------------------------------------
# The Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_builds_on_the_locked_airflow_version():
    froms = [rest for keyword, rest in dockerfile_instructions() if keyword == "FROM"]
    assert len(froms) == 1, froms
    match = re.fullmatch(r"apache/airflow:(\d+\.\d+\.\d+)-python(\d+\.\d+)", froms[0])
    assert match, froms[0]
    assert match[1] == locked_version("apache-airflow")
    lock_python = re.search(r"--python-version (\S+)", (ROOT / "requirements.lock").read_text())
    assert lock_python
    assert match[2] == lock_python[1]
    # pip may not move Airflow while adding the project's dependencies.
    runs = " ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "RUN")
    assert f'"apache-airflow=={match[1]}"' in runs


def test_dockerfile_installs_the_package_not_editable_and_copies_dags_and_the_plugin():
    instructions = dockerfile_instructions()
    runs = [rest for keyword, rest in instructions if keyword == "RUN"]
    installs = [r for r in runs if "pip install --no-cache-dir --no-deps " in r]
    assert installs, "the Dockerfile installs the package without dependencies"
    assert " -e " not in installs[0]
    assert "--editable" not in installs[0]
    source = installs[0].split("--no-deps ", 1)[1].split()[0]
    copied = {
        rest.split()[-1].rstrip("/"): rest.split()[1:-1]
        for keyword, rest in instructions
        if keyword == "COPY"
    }
    # The install reads pyproject.toml and the package (SQL models inside) from one folder.
    assert "pyproject.toml" in copied[source]
    assert copied[f"{source}/plugins/twentyfourseven"] == ["plugins/twentyfourseven/"]
    env = airflow_services()["airflow-worker"]["environment"]
    assert copied[env["AIRFLOW__CORE__DAGS_FOLDER"]] == ["dags/"]
    assert "plugins/twentyfourseven_plugin.py" in copied[env["AIRFLOW__CORE__PLUGINS_FOLDER"]]
    # Dependencies installed from the lock are pinned there.
    picked = re.search(r"grep -E '\^\(([^)]*)\)==' \S*requirements\.lock", " ".join(runs))
    assert picked, "non-Airflow dependencies come from requirements.lock"
    for package in picked[1].split("|"):
        locked_version(package)
    envs = dict(rest.split("=", 1) for keyword, rest in instructions if keyword == "ENV")
    data = airflow_services()["airflow-worker"]["environment"]["TWENTYFOURSEVEN_DATA_DIR"]
    assert envs.get("TWENTYFOURSEVEN_DATA_DIR") == data


def test_deployment_doc_commands_name_existing_services():
    doc = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert "docker compose up" in doc
    scaled = re.findall(r"--scale ([\w-]+)=", doc)
    assert "airflow-worker" in scaled
    assert set(scaled) <= set(services()), scaled
    for name in re.findall(r"docker compose (?:exec|run --rm|logs(?: -f)?) ([\w-]+)", doc):
        assert name in services(), name
