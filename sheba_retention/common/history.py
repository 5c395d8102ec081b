"""Histories kept as rows valid from one day to another (segments, loyalty tiers): one way to write a change."""

import datetime as dt

import pandas as pd
from django.db import models
from django.utils import timezone

from sheba_retention.common.bulk import bulk_insert


def history_change(
    *,
    model: type[models.Model],
    as_of: dt.date,
    open_rows: dict[int, models.Model],
    changes: list[tuple[int, dict]],
) -> tuple[int, int]:
    """Write each (customer pk, new values) in `changes` as of `as_of`: a row opened that same day is revised in place
    (so re-running a day never stacks rows); otherwise the open row is closed on `as_of` and a new one opened.
    `open_rows` (customer pk → the open row, locked by the caller) must hold every customer that has one. The values
    are attribute names (``segment_id``, ``reason``). Returns (closed, revised)."""
    closing, revising, creating = [], [], []
    for customer_pk, values in changes:
        row = open_rows.get(customer_pk)
        if row is not None and row.valid_from == as_of:
            for name, value in values.items():
                setattr(row, name, value)
            revising.append(row)
            continue
        if row is not None:
            row.valid_to = as_of
            closing.append(row)
        creating.append({"customer_id": customer_pk, **values})
    if changes:
        fields = [name.removesuffix("_id") for name in changes[0][1]]
        # Closed rows are written first: one open row per customer at any moment.
        model.objects.bulk_update(closing, ["valid_to"], batch_size=2000)
        model.objects.bulk_update(revising, fields, batch_size=2000)
    if creating:
        frame = pd.DataFrame(creating)
        bulk_insert(
            model=model, frame=frame.assign(valid_from=as_of, valid_to=None, created_at=pd.Timestamp(timezone.now()))
        )
    return len(closing), len(revising)
