"""Tier definitions staff can edit, and the history of every customer's tier."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from sheba_retention.common.models import SingletonModel


class LoyaltyTier(models.Model):
    class Name(models.TextChoices):
        BRONZE = "bronze", _("Bronze")
        SILVER = "silver", _("Silver")
        GOLD = "gold", _("Gold")
        PLATINUM = "platinum", _("Platinum")

    name = models.CharField(max_length=10, choices=Name.choices, unique=True)
    name_bn = models.CharField(_("name (Bengali)"), max_length=30)
    rank = models.PositiveSmallIntegerField(unique=True, help_text=_("0 is the lowest tier."))
    min_ltv = models.DecimalField(_("minimum lifetime value (Tk)"), max_digits=12, decimal_places=2, default=0)
    min_bookings_per_year = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    min_tenure_days = models.PositiveIntegerField(default=0)
    min_active_months = models.PositiveSmallIntegerField(
        default=0, help_text=_("Engagement: months of the last twelve with at least one completed booking.")
    )
    discount_percent = models.DecimalField(max_digits=4, decimal_places=1, default=0)
    benefits = models.TextField(blank=True, help_text=_("One benefit a line, in English."))
    benefits_bn = models.TextField(blank=True, help_text=_("One benefit a line, in Bengali."))

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=50), name="tier_discount_0_to_50"
            ),
            models.CheckConstraint(condition=Q(min_active_months__lte=12), name="tier_active_months_at_most_12"),
        ]

    def __str__(self) -> str:
        return self.get_name_display()


class CustomerLoyalty(models.Model):
    """A customer's tier over a period; the open row (valid_to is null) is the current tier."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="loyalty_history")
    tier = models.ForeignKey(LoyaltyTier, on_delete=models.PROTECT, related_name="memberships")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer", "-valid_from"]
        verbose_name_plural = _("customer loyalty")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(valid_to__isnull=True), name="one_current_tier_per_customer"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="tier_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.tier} from {self.valid_from}"


class LoyaltyProgram(SingletonModel):
    """How tiers move. A single row (pk 1): staff tune it in the admin."""

    downgrade_margin = models.FloatField(
        default=0.8,
        help_text=_("A customer keeps their tier until they fall below this share of its thresholds (hysteresis)."),
    )
    min_hold_days = models.PositiveSmallIntegerField(
        default=90, help_text=_("No downgrade within this many days of the last tier change.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("loyalty programme settings")
        verbose_name_plural = _("loyalty programme settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(downgrade_margin__gt=0) & Q(downgrade_margin__lte=1), name="downgrade_margin_0_to_1"
            ),
        ]

    def __str__(self) -> str:
        return "Loyalty programme settings"
