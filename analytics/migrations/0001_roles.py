"""Create the Retention staff and Analysts groups with their permissions."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from analytics.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0002_catalogue_and_segments"),
        ("predictions", "0001_initial"),
        ("loyalty", "0002_default_tiers"),
        ("interventions", "0001_initial"),
        ("notifications", "0001_initial"),
        ("payments", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
