"""Histories kept as rows valid from one day to another (segments, loyalty tiers): one way to write a change."""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar, cast

import pandas as pd
from django.db import models
from django.utils import timezone

from sheba_retention.common.bulk import bulk_insert


class HistoryDates(Protocol):
    """The fields of every history model: the day a row starts and the day it ends (None while it is open)."""

    valid_from: dt.date
    valid_to: dt.date | None


RowT = TypeVar("RowT", bound=models.Model)


def _dates(row: models.Model) -> HistoryDates:
    """A history row's dates (every model given to history_change has them; mypy cannot say "a model with these
    fields")."""
    return cast(HistoryDates, row)


def history_change(
    *,
    model: type[RowT],
    as_of: dt.date,
    open_rows: Mapping[int, RowT],
    changes: Sequence[tuple[int, Mapping[str, object]]],
) -> tuple[int, int]:
    """Write each (customer pk, new values) in `changes` as of `as_of`: a row opened that same day is revised in place
    (so re-running a day never stacks rows); otherwise the open row is closed on `as_of` and a new one opened.
    `open_rows` (customer pk → the open row, locked by the caller) must hold every customer that has one. The values
    are attribute names (``segment_id``, ``reason``). Returns (closed, revised)."""
    closing: list[RowT] = []
    revising: list[RowT] = []
    creating: list[dict[str, object]] = []
    for customer_pk, values in changes:
        row = open_rows.get(customer_pk)
        if row is not None and _dates(row).valid_from == as_of:
            for name, value in values.items():
                setattr(row, name, value)
            revising.append(row)
            continue
        if row is not None:
            _dates(row).valid_to = as_of
            closing.append(row)
        creating.append({"customer_id": customer_pk, **values})
    if changes:
        fields = [name.removesuffix("_id") for name in changes[0][1]]
        # Closed rows are written first: one open row per customer at any moment.
        model._default_manager.bulk_update(closing, ["valid_to"], batch_size=2000)
        model._default_manager.bulk_update(revising, fields, batch_size=2000)
    if creating:
        frame = pd.DataFrame(creating)
        bulk_insert(
            model=model, frame=frame.assign(valid_from=as_of, valid_to=None, created_at=pd.Timestamp(timezone.now()))
        )
    return len(closing), len(revising)
