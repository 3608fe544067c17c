# The project's Airflow image: the official Airflow image plus the twentyfourseven
# package. docker-compose.yml builds it (`docker compose build`) and runs every
# Airflow service and the sandbox from it; docs/deployment.md explains the rest.
#
# The Airflow version and Python version match requirements.lock (apache-airflow==3.3.2,
# compiled for Python 3.11); tests/deploy/test_compose.py fails when they drift apart.
FROM apache/airflow:3.3.2-python3.11

# The project lives in AIRFLOW_HOME, laid out as in the repository:
#   /opt/airflow/dags     the DAG file            (AIRFLOW__CORE__DAGS_FOLDER)
#   /opt/airflow/plugins  the twentyfourseven package (AIRFLOW__CORE__PLUGINS_FOLDER)
#   /opt/airflow/sql      the SQL models (found next to plugins/, as in the repository)
#   /opt/airflow/data     TWENTYFOURSEVEN_DATA_DIR: staging files, warehouse, snapshot
# docker-compose.yml mounts the repository's dags/, plugins/ and sql/ over the copies
# below, so an edit on the host is what the containers run, without a rebuild.
WORKDIR /opt/airflow
USER airflow

COPY --chown=airflow:0 pyproject.toml README.md requirements.lock /opt/airflow/
COPY --chown=airflow:0 plugins/ /opt/airflow/plugins/
COPY --chown=airflow:0 dags/ /opt/airflow/dags/
COPY --chown=airflow:0 sql/ /opt/airflow/sql/

# Why not `pip install -c requirements.lock .`: the base image already holds Airflow
# 3.3.2 with its providers (celery, postgres, redis, fab, ...) installed against
# Airflow's own constraints. requirements.lock was resolved for Airflow core without
# those providers (and holds the dev tools), so applying it wholesale would move
# packages the image's providers were tested with. Instead:
#   1. the package itself, editable and without dependencies: an editable install
#      points at /opt/airflow/plugins, i.e. at the mounted source, and the SQL
#      models are found at /opt/airflow/sql (a regular install would copy the
#      package into site-packages, away from sql/ and from the mounts);
#   2. the dependencies the base image lacks, at the versions of requirements.lock
#      (duckdb, and pytz for DuckDB's TIMESTAMPTZ), with apache-airflow pinned
#      on the same command line so pip cannot move Airflow (the image docs' advice);
#   3. `pip check`: fails the build if any requirement of pyproject.toml (httpx,
#      pydantic, fastapi, uvicorn, ...) is missing or outside its range in the image.
RUN pip install --no-cache-dir --no-deps -e . \
    && pip install --no-cache-dir "apache-airflow==3.3.2" \
        $(grep -E '^(duckdb|pytz)==' requirements.lock) \
    && pip check \
    && twentyfourseven --help > /dev/null

# The data folder exists in the image so a fresh named volume mounted here starts
# owned by airflow and group-writable (the image runs with any UID in group 0).
RUN mkdir -p /opt/airflow/data && chmod g+rwx /opt/airflow/data
ENV TWENTYFOURSEVEN_DATA_DIR=/opt/airflow/data
