"""The four default tiers; staff tune thresholds and benefits in the admin afterwards."""

from decimal import Decimal

from django.db import migrations

TIERS = [
    # name, name_bn, rank, min_ltv, min_bookings_per_year, min_tenure_days, discount_percent, benefits, benefits_bn
    ("bronze", "ব্রোঞ্জ", 0, "0", "0", 0, "0",
     "Member prices on seasonal campaigns", "মৌসুমি ক্যাম্পেইনে সদস্য মূল্য"),
    ("silver", "সিলভার", 1, "8000", "2", 90, "5",
     "5% off every booking\nPriority booking slots", "প্রতিটি বুকিংয়ে ৫% ছাড়\nঅগ্রাধিকার বুকিং স্লট"),
    ("gold", "গোল্ড", 2, "25000", "4", 180, "8",
     "8% off every booking\nVerified providers only\nFree re-visit within 7 days",
     "প্রতিটি বুকিংয়ে ৮% ছাড়\nশুধু যাচাইকৃত সেবাদাতা\n৭ দিনের মধ্যে বিনামূল্যে পুনরায় পরিদর্শন"),
    ("platinum", "প্লাটিনাম", 3, "60000", "8", 365, "12",
     "12% off every booking\nPremium providers\nDedicated support line\nFree re-visit within 30 days",
     "প্রতিটি বুকিংয়ে ১২% ছাড়\nপ্রিমিয়াম সেবাদাতা\nনিজস্ব সাপোর্ট লাইন\n৩০ দিনের মধ্যে বিনামূল্যে পুনরায় পরিদর্শন"),
]


def load(apps, schema_editor):
    LoyaltyTier = apps.get_model("loyalty", "LoyaltyTier")
    for name, name_bn, rank, min_ltv, per_year, tenure, discount, benefits, benefits_bn in TIERS:
        LoyaltyTier.objects.update_or_create(
            name=name,
            defaults={
                "name_bn": name_bn, "rank": rank, "min_ltv": Decimal(min_ltv),
                "min_bookings_per_year": Decimal(per_year), "min_tenure_days": tenure,
                "discount_percent": Decimal(discount), "benefits": benefits, "benefits_bn": benefits_bn,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
