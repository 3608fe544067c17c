# The project's Airflow image: the official Airflow image plus the twentyfourseven
# package. docker-compose.yml builds it (`docker compose build`) and runs every
# Airflow service and the sandbox from it; docs/deployment.md explains the rest.
#
# The Airflow version and Python version match requirements.lock (apache-airflow==3.3.2,
# compiled for Python 3.11); tests/deploy/test_compose.py fails when they drift apart.
FROM apache/airflow:3.3.2-python3.11

# The package is installed like any Python package (not editable): its SQL models
# ship inside it, so nothing else of the repository is needed at run time. What
# lives in AIRFLOW_HOME:
#   /opt/airflow/dags     the DAG files             (AIRFLOW__CORE__DAGS_FOLDER)
#   /opt/airflow/plugins  the Airflow UI plugin file (AIRFLOW__CORE__PLUGINS_FOLDER)
#   /opt/airflow/data     TWENTYFOURSEVEN_DATA_DIR: staging files, warehouse, snapshot
# docker-compose.yml mounts the repository's dags/ over the copy below, so an edited
# DAG file needs no rebuild; a change to the package does (`docker compose build`).
WORKDIR /opt/airflow
USER airflow

COPY --chown=airflow:0 pyproject.toml README.md requirements.lock /tmp/twentyfourseven/
COPY --chown=airflow:0 plugins/twentyfourseven/ /tmp/twentyfourseven/plugins/twentyfourseven/
COPY --chown=airflow:0 plugins/twentyfourseven_plugin.py plugins/.airflowignore /opt/airflow/plugins/
COPY --chown=airflow:0 dags/ /opt/airflow/dags/

# Why not `pip install -c requirements.lock .`: the base image already holds Airflow
# 3.3.2 with its providers (celery, postgres, redis, fab, ...) installed against
# Airflow's own constraints. requirements.lock was resolved for Airflow core without
# those providers (and holds the dev tools), so applying it wholesale would move
# packages the image's providers were tested with. Instead:
#   1. the package itself, without dependencies: a regular install into
#      site-packages, SQL models included, the same install as a user's
#      `pip install` of the wheel (tests/wheel checks that one runs the DAG);
#   2. the dependencies the base image lacks, at the versions of requirements.lock
#      (duckdb, pytz for DuckDB's TIMESTAMPTZ, and s3fs of the `objectstorage` extra:
#      staging on S3; the image already has its other half, the Amazon provider), with
#      apache-airflow pinned on the same command line so pip cannot move Airflow (the
#      image docs' advice);
#   3. `pip check`: fails the build if any requirement of pyproject.toml (httpx,
#      pydantic, fastapi, uvicorn, ...) is missing or outside its range in the image.
RUN pip install --no-cache-dir --no-deps /tmp/twentyfourseven \
    && pip install --no-cache-dir "apache-airflow==3.3.2" \
        $(grep -E '^(duckdb|pytz|s3fs)==' /tmp/twentyfourseven/requirements.lock) \
    && pip check \
    && twentyfourseven --help > /dev/null \
    && rm -rf /tmp/twentyfourseven

# The data folder exists in the image so a fresh named volume mounted here starts
# owned by airflow and group-writable (the image runs with any UID in group 0).
RUN mkdir -p /opt/airflow/data && chmod g+rwx /opt/airflow/data
ENV TWENTYFOURSEVEN_DATA_DIR=/opt/airflow/data
