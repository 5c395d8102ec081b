"""Admin screen for the notification log: what was sent to whom, on which channel, and whether it arrived."""

from django.contrib import admin
from django.http import HttpRequest

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """A delivery log written by the sending service; the admin shows it and never rewrites it."""

    list_display = (
        "created_at",
        "customer",
        "channel",
        "language",
        "recipient",
        "subject",
        "status",
        "attempts",
        "sent_at",
        "delivered_at",
    )
    list_filter = ("status", "channel", "language")
    list_select_related = ("customer",)
    search_fields = ("^customer__external_id", "recipient", "=gateway_message_id")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("customer", "intervention", "channel", "language", "recipient")}),
        ("Message", {"fields": ("subject", "body")}),
        ("Delivery", {"fields": ("status", "attempts", "gateway_message_id", "error", "sent_at", "delivered_at")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False
