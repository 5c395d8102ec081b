"""Discount codes, redemptions and the payment transaction log."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Booking, Customer
from sheba_retention.common.models import TimeStampedModel


class DiscountKind(models.TextChoices):
    AMOUNT = "amount", _("Fixed amount (Tk)")
    PERCENT = "percent", _("Percent")


class DiscountCode(TimeStampedModel):
    code = models.CharField(max_length=32, unique=True)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="discount_codes",
        help_text=_("Only this customer may use the code; empty means anyone."),
    )
    # The offer the code was issued for, if any. A string reference: payments never imports the apps it serves.
    intervention = models.ForeignKey(
        "interventions.Intervention", null=True, blank=True, on_delete=models.SET_NULL, related_name="discount_codes"
    )
    kind = models.CharField(max_length=7, choices=DiscountKind.choices, default=DiscountKind.AMOUNT)
    value = models.DecimalField(max_digits=10, decimal_places=2)
    max_uses = models.PositiveIntegerField(default=1)
    uses = models.PositiveIntegerField(default=0)
    min_order = models.DecimalField(_("minimum order (Tk)"), max_digits=10, decimal_places=2, default=0)
    expires_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(uses__lte=F("max_uses")), name="code_uses_within_max"),
            models.CheckConstraint(condition=Q(value__gt=0), name="code_value_positive"),
            models.CheckConstraint(condition=Q(kind="amount") | Q(value__lte=100), name="code_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.code


class Redemption(models.Model):
    code = models.ForeignKey(DiscountCode, on_delete=models.PROTECT, related_name="redemptions")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="redemptions")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    order_amount = models.DecimalField(max_digits=12, decimal_places=2)
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2)
    idempotency_key = models.CharField(max_length=64, unique=True)
    redeemed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-redeemed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0) & Q(discount_amount__lte=F("order_amount")),
                name="redemption_discount_within_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} by {self.customer_id}"


class Gateway(models.TextChoices):
    BKASH = "bkash", "bKash"
    NAGAD = "nagad", "Nagad"
    BANK = "bank", _("Bank / card")


class TransactionStatus(models.TextChoices):
    INITIATED = "initiated", _("Initiated")
    CONFIRMED = "confirmed", _("Confirmed")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")


class PaymentTransaction(TimeStampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="transactions")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    gateway = models.CharField(max_length=5, choices=Gateway.choices)
    amount = models.DecimalField(_("amount (Tk)"), max_digits=12, decimal_places=2)
    status = models.CharField(max_length=10, choices=TransactionStatus.choices, default=TransactionStatus.INITIATED)
    gateway_reference = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transaction_amount_positive"),
            # Callbacks find their transaction by the gateway's reference: it must name exactly one.
            models.UniqueConstraint(
                fields=["gateway", "gateway_reference"],
                condition=~Q(gateway_reference=""),
                name="transaction_reference_unique_per_gateway",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_gateway_display()} Tk {self.amount} ({self.get_status_display()})"
