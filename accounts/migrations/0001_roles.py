"""The staff roles as groups with their permissions (Retention staff, Analysts, Model administrators).

The first two were created by analytics' migrations before the roles moved here; syncing again is harmless.
"""

from django.db import migrations


def create_roles(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0002_catalogue_and_segments"),
        ("predictions", "0004_ltv_low_if_retained"),
        ("loyalty", "0003_engagement_and_programme_settings"),
        ("interventions", "0006_uplift_source"),
        ("notifications", "0002_attempt_log"),
        ("payments", "0002_redemption_and_reference_constraints"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
