"""Reads of the notification log."""

from django.db.models import QuerySet

from customers.models import Customer
from notifications.models import Notification
from sheba_retention.common.models import CustomerRecord


def notification_list(*, customer: Customer | None = None, intervention: CustomerRecord | None = None) -> QuerySet:
    """Notifications, newest first, optionally of one customer and/or about one record (an intervention)."""
    notifications = Notification.objects.select_related("customer", "intervention")
    if customer is not None:
        notifications = notifications.filter(customer=customer)
    if intervention is not None:
        notifications = notifications.filter(intervention_id=intervention.pk)
    return notifications.order_by("-created_at", "-pk")
