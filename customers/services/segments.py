"""Customer segment history: close the old segment and open the new one when a customer moves."""

import datetime as dt
from typing import cast

import pandas as pd
from django.db import transaction

from customers.models import CustomerSegment, Segment
from sheba_retention.common.history import history_change


@transaction.atomic
def segments_apply(*, as_of: dt.date, assignments: pd.Series, model_version: str) -> int:
    """Record each customer's segment (index: customer pk, values: segment keys) as of `as_of`; returns moves.

    Unchanged customers are not written. Re-running the same day revises that day's rows instead of adding more.
    History only moves forward: scoring a day before a customer's current row (a backfill) leaves their history alone.
    """
    segment_pks = dict(Segment.objects.values_list("key", "pk"))
    unknown = set(assignments.unique()) - set(segment_pks)
    if unknown:
        raise ValueError(f"unknown segment keys {sorted(unknown)}")
    key_of_pk = {pk: key for key, pk in segment_pks.items()}
    open_rows = {
        row.customer_id: row
        for row in CustomerSegment.objects.select_for_update().filter(
            customer_id__in=list(assignments.index), valid_to=None
        )
    }
    changes = []
    for label, key in assignments.items():
        customer_pk = cast(int, label)  # the index holds customer pks
        row = open_rows.get(customer_pk)
        if row is not None and (key_of_pk[row.segment_id] == key or row.valid_from > as_of):
            continue
        changes.append((customer_pk, {"segment_id": segment_pks[key], "model_version": model_version}))
    closed, revised = history_change(model=CustomerSegment, as_of=as_of, open_rows=open_rows, changes=changes)
    return closed + revised
