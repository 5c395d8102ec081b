"""Reads of the notification log."""

from django.db.models import QuerySet

from customers.models import Customer
from interventions.models import Intervention
from notifications.models import Notification


def notification_list(*, customer: Customer | None = None, intervention: Intervention | None = None) -> QuerySet:
    """Notifications, newest first, optionally of one customer and/or one intervention."""
    notifications = Notification.objects.select_related("customer", "intervention")
    if customer is not None:
        notifications = notifications.filter(customer=customer)
    if intervention is not None:
        notifications = notifications.filter(intervention=intervention)
    return notifications.order_by("-created_at", "-pk")
