"""Retention staff work the support call list: re-sync the groups now that the model exists."""

from django.db import migrations


def sync(apps, schema_editor):
    from analytics.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_roles"), ("interventions", "0004_support_call")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
