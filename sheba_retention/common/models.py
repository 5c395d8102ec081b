"""Abstract base models, and the shape of a record that a capability (payments, notifications) is asked to serve."""

from typing import Any, Protocol, Self

from django.db import models


class CustomerRecord(Protocol):
    """A row of some other app that belongs to one customer (an intervention, later a loyalty reward or a campaign).

    Payments and notifications keep a reference to the record a code or a message is for, and check that it belongs
    to the customer they serve, without knowing (or importing) what kind of record it is.
    """

    pk: Any
    customer_id: Any


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SingletonModel(models.Model):
    """Settings staff edit in the admin: a single row, pk 1, created by a migration (or on first use)."""

    class Meta:
        abstract = True

    @classmethod
    def load(cls) -> Self:
        row, _ = cls._default_manager.get_or_create(pk=1)
        return row
