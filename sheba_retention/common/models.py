"""Abstract base models."""

from typing import Self

from django.db import models


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
