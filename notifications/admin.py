"""Admin screen for the notification log: what was sent to whom, on which channel, and whether it arrived."""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import access
from notifications.models import Notification, NotificationAttempt, NotificationStatus
from notifications.services import NotificationError, notification_retry
from sheba_retention.common.admin import ReadOnlyAdmin, ReadOnlyTabularInline


class NotificationAttemptInline(ReadOnlyTabularInline):
    model = NotificationAttempt
    fields = ("number", "at", "outcome", "gateway_message_id", "error")
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
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
        (_("Message"), {"fields": ("subject", "body")}),
        (_("Delivery"), {"fields": ("status", "attempts", "gateway_message_id", "error", "sent_at", "delivered_at")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
    list_per_page = 50
    inlines = (NotificationAttemptInline,)
    actions = ("retry_sending",)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        # Whoever works the approval queue may push its messages out again; analysts only look.
        return access.can(request.user, access.Action.RETRY_NOTIFICATIONS)

    @admin.action(description=_("Retry sending the selected failed or queued notifications"), permissions=["retry"])
    def retry_sending(self, request: HttpRequest, queryset) -> None:
        retried, refused = 0, []
        for notification in queryset.filter(status__in=[NotificationStatus.QUEUED, NotificationStatus.FAILED]):
            try:
                notification_retry(notification_id=notification.pk)
            except NotificationError as exc:
                refused.append(str(exc))
            else:
                retried += 1
        skipped = queryset.exclude(status__in=[NotificationStatus.QUEUED, NotificationStatus.FAILED]).count()
        if retried:
            self.message_user(
                request,
                ngettext(
                    "%(count)s notification(s) queued for sending again.",
                    "%(count)s notification(s) queued for sending again.",
                    retried,
                )
                % {"count": retried},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)s sent or delivered notification(s) left alone.",
                    "%(count)s sent or delivered notification(s) left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.INFO,
            )
        for reason in refused:
            self.message_user(request, gettext("Not retried: %(reason)s") % {"reason": reason}, messages.WARNING)
