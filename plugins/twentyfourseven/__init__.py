"""24SevenOffice (Finago Office) sales orders into DuckDB, on Airflow 3."""
