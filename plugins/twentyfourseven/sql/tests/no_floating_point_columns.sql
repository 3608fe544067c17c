-- test: no column of a staging, mart or report model has a floating-point type (money, rates
--   and quantities are DECIMAL; counts are integers)

select table_schema, table_name, column_name, data_type
from information_schema.columns
where table_schema in ('staging', 'marts', 'reports')
    and (
        data_type in ('FLOAT', 'REAL', 'DOUBLE', 'FLOAT4', 'FLOAT8') or data_type like '%FLOAT%'
        or data_type like '%DOUBLE%'
    )
order by table_schema, table_name, column_name
