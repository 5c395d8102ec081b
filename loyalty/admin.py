"""Admin screens for loyalty: staff tune tier thresholds and benefits; tier history is read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from loyalty.models import CustomerLoyalty, LoyaltyProgram, LoyaltyTier
from sheba_retention.common.admin import CurrentRowFilter, FixedRowsAdmin, ReadOnlyAdmin, SingletonAdmin, format_tk


@admin.register(LoyaltyTier)
class LoyaltyTierAdmin(FixedRowsAdmin):
    """The four tiers come from a migration and are fixed by name; their thresholds and benefits are staff's to tune."""

    list_display = (
        "rank",
        "name",
        "name_bn",
        "min_ltv_tk",
        "min_bookings_per_year",
        "min_tenure_days",
        "min_active_months",
        "discount",
    )
    list_display_links = ("name",)
    readonly_fields = ("name", "rank")
    fieldsets = (
        (None, {"fields": ("name", "name_bn", "rank")}),
        (_("Thresholds"), {"fields": ("min_ltv", "min_bookings_per_year", "min_tenure_days", "min_active_months")}),
        (_("Benefits"), {"fields": ("discount_percent", "benefits", "benefits_bn")}),
    )

    @admin.display(description=_("min lifetime value"), ordering="min_ltv")
    def min_ltv_tk(self, obj: LoyaltyTier) -> str | None:
        return format_tk(obj.min_ltv)

    @admin.display(description=_("discount"), ordering="discount_percent")
    def discount(self, obj: LoyaltyTier) -> str:
        return f"{obj.discount_percent.normalize():f}%"


@admin.register(CustomerLoyalty)
class CustomerLoyaltyAdmin(ReadOnlyAdmin):
    """Tier history is written by the tier assignment run, which closes the old row as it opens the new one."""

    list_display = ("customer", "tier", "valid_from", "valid_to", "reason", "created_at")
    list_filter = (CurrentRowFilter, "tier")
    list_select_related = ("customer", "tier")
    search_fields = ("^customer__external_id", "customer__name")
    date_hierarchy = "valid_from"
    list_per_page = 50


@admin.register(LoyaltyProgram)
class LoyaltyProgramAdmin(SingletonAdmin):
    list_display = ("__str__", "downgrade_margin", "min_hold_days", "updated_at")
