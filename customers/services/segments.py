"""Customer segment history: close the old segment and open the new one when a customer moves."""

import datetime as dt

import pandas as pd
from django.db import transaction
from django.utils import timezone

from customers.models import CustomerSegment, Segment
from sheba_retention.common.bulk import bulk_insert


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
    closing, creating, revising = [], [], []
    for customer_pk, key in assignments.items():
        row = open_rows.get(customer_pk)
        if row is not None and (key_of_pk[row.segment_id] == key or row.valid_from > as_of):
            continue
        if row is not None and row.valid_from == as_of:
            row.segment_id, row.model_version = segment_pks[key], model_version
            revising.append(row)
            continue
        if row is not None:
            row.valid_to = as_of
            closing.append(row)
        creating.append((customer_pk, segment_pks[key]))
    CustomerSegment.objects.bulk_update(closing, ["valid_to"], batch_size=2000)
    CustomerSegment.objects.bulk_update(revising, ["segment", "model_version"], batch_size=2000)
    new_rows = pd.DataFrame(creating, columns=["customer_id", "segment_id"])
    bulk_insert(
        model=CustomerSegment,
        frame=new_rows.assign(
            valid_from=as_of, valid_to=None, model_version=model_version, created_at=pd.Timestamp(timezone.now())
        ),
    )
    return len(closing) + len(revising)
