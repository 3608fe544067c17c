"""The DuckDB warehouse: record shapes, staging files, schema, loader, model runner."""
