"""Staff may see the nightly run records (interventions.NightlyRunRecord): sync the roles again."""

from django.db import migrations


def sync(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_roles"), ("interventions", "0007_nightly_run_record")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
