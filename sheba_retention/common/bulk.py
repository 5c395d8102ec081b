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


def _iso_utc(series: pd.Series) -> pd.Series:
    """Timezone-aware datetimes as ISO text in UTC; numpy formats a million of them ~3× faster than strftime."""
    naive = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]")
    text = pd.Series(np.datetime_as_string(naive, unit="us"), index=series.index) + "+00:00"
    return text.where(series.notna(), None)


def _copy_postgres(table: str, columns: list[str], frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    datetimes = [column for column in frame.columns if isinstance(frame[column].dtype, pd.DatetimeTZDtype)]
    if datetimes:
        frame = frame.assign(**{column: _iso_utc(frame[column]) for column in datetimes})
    # \N marks NULL so that an empty string stays an empty string (blank CharFields are NOT NULL).
    frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
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


def read_frame(
    sql: str,
    params: list | tuple = (),
    *,
    columns: list[str],
    datetimes: tuple[str, ...] = (),
    texts: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Run a SELECT and return a DataFrame, fast: COPY … TO STDOUT on PostgreSQL, fetchall elsewhere.

    `columns` names the selected columns in order; `datetimes` are parsed as timezone-aware UTC; `texts` stay text
    (an id like "0042" must not become the number 42).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            query = cursor.mogrify(sql, params).decode()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, NULL '\\N')", buffer)
            buffer.seek(0)
            frame = pd.read_csv(
                buffer,
                names=columns,
                header=None,
                na_values=["\\N"],
                keep_default_na=False,
                dtype={column: str for column in texts},
            )
        else:
            cursor.execute(sql, params)
            frame = pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
    for column in datetimes:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def temporary_keys(values: list[str], *, name: str = "import_keys") -> str:
    """Load `values` into a temporary one-column table and return its name (PostgreSQL only).

    A JOIN with it replaces an `IN (...)` list: looking up a million ids this way is one COPY and one query
    instead of hundreds. Call inside transaction.atomic(); the table is dropped at commit.
    """
    if connection.vendor != "postgresql":
        raise NotImplementedError("temporary_keys needs PostgreSQL")
    table = connection.ops.quote_name(name)
    buffer = io.StringIO()
    pd.Series(values, dtype=object).to_csv(buffer, index=False, header=False)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} (key text PRIMARY KEY) ON COMMIT DROP")
        cursor.copy_expert(f"COPY {table} (key) FROM STDIN WITH (FORMAT csv)", buffer)
    return table
