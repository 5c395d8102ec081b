"""The notification log: one row per message per channel, with its delivery status."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Channel, Customer, Language
from sheba_retention.common.models import TimeStampedModel


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Notification(TimeStampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notifications")
    # The record the message is about, if any. A string reference: notifications never imports the apps it serves.
    intervention = models.ForeignKey(
        "interventions.Intervention", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    channel = models.CharField(max_length=5, choices=Channel.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    recipient = models.CharField(max_length=254, help_text=_("Phone number, email address or device token."))
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    gateway_message_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # Delivery reports find their notification by the gateway's message id.
            models.Index(fields=["gateway_message_id"], name="notification_gateway_msg_idx"),
        ]
        constraints = [
            # An intervention's message goes out once per channel, however often a task is retried.
            models.UniqueConstraint(
                fields=["intervention", "channel"], name="one_notification_per_intervention_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.recipient} ({self.get_status_display()})"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Sent")
    TEMPORARY_FAILURE = "temporary", _("Temporary failure (will retry)")
    PERMANENT_FAILURE = "permanent", _("Permanent failure")


class NotificationAttempt(models.Model):
    """Audit trail: one row per call to a channel gateway, with what the gateway answered."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=10, choices=AttemptOutcome.choices)
    gateway_message_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["notification", "number"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "number"], name="one_row_per_notification_attempt"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} #{self.number}: {self.get_outcome_display()}"
