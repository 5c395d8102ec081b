"""Writes every app shares: saving the fields a person changed on a row, validated, and nothing else."""

from collections.abc import Iterable

from django.db import models, transaction


def model_update(*, instance: models.Model, fields: Iterable[str]) -> list[str]:
    """Validate `instance` and save only `fields` (those of its own columns; auto_now columns come along), so an edit
    made in a form never writes back columns a job changed meanwhile. Returns the columns saved; none, no query."""
    concrete = {field.name: field for field in instance._meta.concrete_fields}
    names = [name for name in dict.fromkeys(fields) if name in concrete and not concrete[name].primary_key]
    if not names:
        return []
    instance.full_clean()
    names += [name for name, field in concrete.items() if getattr(field, "auto_now", False) and name not in names]
    with transaction.atomic():
        instance.save(update_fields=names)
    return names


def model_create(*, instance: models.Model) -> models.Model:
    """Validate and insert a new row."""
    instance.full_clean()
    instance.save(force_insert=True)
    return instance
