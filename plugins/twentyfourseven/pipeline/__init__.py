"""The DAG's steps as plain functions: plan (which orders), extract (read them), wired by
``dags/twentyfourseven_sales_orders.py``; the load step is ``twentyfourseven.warehouse.load``."""
