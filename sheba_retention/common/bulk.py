"""Fast set-based inserts of DataFrames: COPY on PostgreSQL, batched executemany elsewhere.

The ORM's bulk_create builds a model instance per row; for the million-row imports and the
synthetic generator that is the whole budget, so rows go to the database straight from pandas.
Callers validate first: this layer trusts its input and only converts types.
"""

import io

import numpy as np
import pandas as pd
from django.db import connection, models

SQLITE_BATCH = 5_000


def table_columns(model: type[models.Model], frame: pd.DataFrame) -> list[str]:
    """The frame's columns, checked against the model's concrete database columns (FKs as `<name>_id`)."""
    known = {field.column for field in model._meta.concrete_fields}
    unknown = [column for column in frame.columns if column not in known]
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {unknown}")
    return list(frame.columns)


def bulk_insert(*, model: type[models.Model], frame: pd.DataFrame) -> int:
    """Insert every row of `frame` (columns named as the table's columns) into `model`'s table. Returns the count."""
    if frame.empty:
        return 0
    columns = table_columns(model, frame)
    if connection.vendor == "postgresql":
        _copy_postgres(model._meta.db_table, columns, frame)
    else:
        _executemany(model._meta.db_table, columns, frame)
    return len(frame)


def _copy_postgres(table: str, columns: list[str], frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    # \N marks NULL so that an empty string stays an empty string (blank CharFields are NOT NULL).
    frame.to_csv(buffer, index=False, header=False, na_rep="\\N", date_format="%Y-%m-%d %H:%M:%S.%f%z")
    buffer.seek(0)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, buffer)


def _sqlite_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert to the Python values Django's SQLite backend stores: naive UTC datetime text, 0/1, None for NaN."""
    out = {}
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            text = series.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%f")
            out[column] = text.astype(object).where(series.notna(), None)
        elif pd.api.types.is_datetime64_any_dtype(series):
            raise ValueError(f"column {column} holds naive datetimes; localize them first")
        elif pd.api.types.is_bool_dtype(series):
            out[column] = series.astype(np.int8).astype(object)
        else:
            out[column] = series.astype(object).where(series.notna(), None)
    return pd.DataFrame(out)


def _executemany(table: str, columns: list[str], frame: pd.DataFrame) -> None:
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    # Table and column names come from model metadata and are quoted; values are parameters.
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"  # noqa: S608
    values = _sqlite_values(frame)
    with connection.cursor() as cursor:
        for start in range(0, len(values), SQLITE_BATCH):
            chunk = values.iloc[start : start + SQLITE_BATCH]
            cursor.executemany(sql, list(chunk.itertuples(index=False, name=None)))
