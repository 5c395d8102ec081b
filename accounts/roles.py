"""The staff roles as Django groups: which model permissions each one holds.

The access policy (accounts.access) decides from these permissions; the admin reads the same permissions, so a
role means the same in the admin, the API and the portals.
"""

RETENTION_STAFF = "Retention staff"
ANALYSTS = "Analysts"
MODEL_ADMINISTRATORS = "Model administrators"

_APPS = ["customers", "predictions", "loyalty", "interventions", "notifications", "payments"]

ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    # Staff work the approval queue: they may change interventions, codes and loyalty tiers and see everything else.
    RETENTION_STAFF: {
        "view": _APPS,
        "change": [
            "interventions.intervention",
            "interventions.supportcall",
            "payments.discountcode",
            "loyalty.loyaltytier",
            "customers.customer",
            "customers.complaint",
        ],
        "add": ["payments.discountcode", "customers.complaint"],
    },
    # Analysts read everything and export; they change nothing.
    ANALYSTS: {"view": _APPS, "change": [], "add": []},
    # Model administrators retrain, activate and roll back models and tune the scoring settings; they decide on no
    # customer.
    MODEL_ADMINISTRATORS: {
        "view": _APPS,
        "change": ["predictions.modelversion", "predictions.scoringsettings"],
        "add": ["predictions.modelversion"],
    },
}


def sync_roles(apps) -> None:
    """Create or update the groups; `apps` is a migration's app registry or django.apps.apps."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = []
        for app_label in grants["view"]:
            permissions += Permission.objects.filter(content_type__app_label=app_label, codename__startswith="view_")
        for action in ("change", "add"):
            for dotted in grants[action]:
                app_label, model = dotted.split(".")
                permissions += Permission.objects.filter(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                )
        group.permissions.set(permissions)
