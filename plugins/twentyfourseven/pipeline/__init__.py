"""The five steps of a run as plain functions (:mod:`.steps`): plan (which orders),
extract (read them), load (into the raw and ops tables), transform (the SQL models) and
publish (the snapshot and the dashboard), wired by ``dags/twentyfourseven_sales_orders.py``.
The files the steps hand each other live in :mod:`.runfiles`."""
