"""Load the service catalogue (customers/catalog.py) and the five named segments."""

from django.db import migrations

SEGMENTS = [
    ("high_value_loyal", "উচ্চ-মূল্যের বিশ্বস্ত", "Frequent, high-spending customers who keep coming back."),
    ("price_sensitive", "দাম-সচেতন", "Book mostly with discounts and cheaper services; respond to price offers."),
    ("quality_focused", "মান-সচেতন", "Prefer verified and premium providers, rate carefully, pay for quality."),
    ("occasional", "মাঝে মাঝে", "Book rarely, for one-off needs."),
    ("at_risk", "ঝুঁকিতে", "Activity is falling: long gaps, complaints or competitor searches."),
]


def load(apps, schema_editor):
    from customers.catalog import CATEGORIES, SERVICES

    ServiceCategory = apps.get_model("customers", "ServiceCategory")
    Service = apps.get_model("customers", "Service")
    Segment = apps.get_model("customers", "Segment")
    categories = {}
    for spec in CATEGORIES:
        categories[spec.slug], _ = ServiceCategory.objects.update_or_create(
            slug=spec.slug, defaults={"name": spec.name, "name_bn": spec.name_bn}
        )
    for spec in SERVICES:
        Service.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "category": categories[spec.category], "name": spec.name, "name_bn": spec.name_bn,
                "min_price": spec.min_price, "max_price": spec.max_price,
            },
        )
    for key, name_bn, description in SEGMENTS:
        Segment.objects.update_or_create(key=key, defaults={"name_bn": name_bn, "description": description})


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
