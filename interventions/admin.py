"""Admin screens for the approval queue and its audit trail; state changes happen only through services."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from interventions.messages import offer_body
from interventions.models import (
    CallStatus,
    Intervention,
    InterventionEvent,
    InterventionSettings,
    InterventionStatus,
    NightlyRunRecord,
    SupportCall,
)
from interventions.services.calls import MAX_ATTEMPTS, support_call_claim, support_call_log
from interventions.services.queue import (
    DiscountAboveCap,
    intervention_approve,
    intervention_discount_check,
    intervention_reject,
    intervention_update,
    interventions_decide,
)
from sheba_retention.common.admin import (
    FixedRowsAdmin,
    ReadOnlyAdmin,
    ReadOnlyTabularInline,
    SingletonAdmin,
    format_tk,
    interpolate_lazy,
)

EDITABLE_WHILE_PROPOSED = ("discount_amount", "message_en", "message_bn")


class InterventionForm(forms.ModelForm):
    """Staff may change the discount before approving, within the caps the services enforce (checked here too, so the
    form shows the error on its field); saved through intervention_update."""

    class Meta:
        model = Intervention
        fields = list(EDITABLE_WHILE_PROPOSED)

    def clean_discount_amount(self):
        amount = self.cleaned_data["discount_amount"]
        if amount is not None and amount != self.instance.discount_amount:
            try:
                intervention_discount_check(intervention=self.instance, discount_amount=amount)
            except DiscountAboveCap as exc:
                raise ValidationError(
                    gettext("For this customer the discount must be between Tk 0 and Tk %(cap)s.")
                    % {"cap": f"{exc.cap:,}"}
                ) from exc
        return amount


class InterventionEventInline(ReadOnlyTabularInline):
    model = InterventionEvent
    fields = ("at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("actor")


@admin.register(Intervention)
class InterventionAdmin(FixedRowsAdmin):
    """Proposals come from the recommendation engine; staff may reword a proposal's message before it is decided."""

    form = InterventionForm
    list_display = (
        "customer",
        "churn_percent",
        "reason",
        "action",
        "service",
        "discount",
        "expected_roi_percent",
        "risk_adjusted_roi_percent",
        "status",
        "decided_by",
        "created_at",
    )
    list_filter = ("status", "action", "outcome", "prediction__segment")
    list_select_related = ("customer", "decided_by", "service", "prediction")
    actions = ("approve_selected", "reject_selected")
    ordering = ("-expected_net_benefit",)
    search_fields = ("^customer__external_id", "customer__name", "addresses_reason")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("customer", "prediction", "action", "service", "reason", "status", "outcome")}),
        (_("Offer"), {"fields": ("discount_amount", "message_en", "message_bn", "preview", "expires_at")}),
        (
            _("Expected value"),
            {
                "fields": (
                    "churn_percent",
                    "uplift_percent",
                    "expected_cost_tk",
                    "expected_net_benefit_tk",
                    "expected_roi_percent",
                    "risk_adjusted_roi_percent",
                )
            },
        ),
        (_("Decision"), {"fields": ("decided_by", "decided_at", "sent_at")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = (InterventionEventInline,)
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: Intervention | None = None) -> list[str]:
        return [name for name in flatten_fieldsets(self.fieldsets) if name not in EDITABLE_WHILE_PROPOSED]

    def has_change_permission(self, request: HttpRequest, obj: Intervention | None = None) -> bool:
        if obj is not None and obj.status != InterventionStatus.PROPOSED:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Intervention, form, change: bool) -> None:
        data = form.cleaned_data
        updated = intervention_update(
            intervention_id=obj.pk,
            user=request.user,
            discount_amount=data.get("discount_amount"),
            message_en=data.get("message_en"),
            message_bn=data.get("message_bn"),
        )
        form.instance = updated

    @admin.display(description=_("discount"), ordering="discount_amount")
    def discount(self, obj: Intervention) -> str | None:
        if obj.discount_percent:
            return f"{obj.discount_percent.normalize():f}%"
        if obj.discount_amount:
            return format_tk(obj.discount_amount)
        return None

    @admin.display(description=_("expected cost"), ordering="expected_cost")
    def expected_cost_tk(self, obj: Intervention) -> str | None:
        return format_tk(obj.expected_cost)

    @admin.display(description=_("expected net benefit"), ordering="expected_net_benefit")
    def expected_net_benefit_tk(self, obj: Intervention) -> str | None:
        return format_tk(obj.expected_net_benefit)

    @admin.display(description=_("expected ROI"), ordering="expected_roi")
    def expected_roi_percent(self, obj: Intervention) -> str:
        return f"{obj.expected_roi:.0%}"

    @admin.display(description=_("answers the reason"), ordering="addresses_reason")
    def reason(self, obj: Intervention) -> str:
        """The churn reason this proposal answers, as a sentence (the feature name when the text is missing)."""
        return obj.answered_reason.get("text_en") or obj.addresses_reason or "—"

    @admin.display(description=_("as the customer will read it"))
    def preview(self, obj: Intervention) -> str:
        """The message filled in as it would go out today, with a sample code; the real code is issued on sending."""
        if obj.pk is None:
            return "—"
        until = timezone.localdate() + dt.timedelta(days=InterventionSettings.load().offer_valid_days)
        filled = [
            offer_body(intervention=obj, language=language, code="SHEBA-XXXX-XXXX", until=until)
            for language in ("en", "bn")
        ]
        return format_html("<p>{}</p><p>{}</p>", *filled)

    @admin.display(description=_("risk-adjusted ROI"), ordering="risk_adjusted_roi")
    def risk_adjusted_roi_percent(self, obj: Intervention) -> str:
        return f"{obj.risk_adjusted_roi:.0%}"

    @admin.display(description=_("churn risk"), ordering="churn_probability")
    def churn_percent(self, obj: Intervention) -> str:
        return f"{obj.churn_probability:.0%}"

    def _decide(self, request: HttpRequest, queryset, decide, done) -> None:
        """`done` is the success message, an ngettext_lazy(…, "count") filled with how many were decided."""
        result = interventions_decide(intervention_ids=list(queryset.values_list("pk", flat=True)), decide=decide)
        if result.decided:
            self.message_user(request, done % {"count": len(result.decided)}, messages.SUCCESS)
        for reason in list(result.refused.values())[:10]:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description=_("Approve the selected proposals"), permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset) -> None:
        self._decide(
            request,
            queryset,
            lambda pk: intervention_approve(intervention_id=pk, user=request.user),
            ngettext_lazy("%(count)s intervention(s) approved.", "%(count)s intervention(s) approved.", "count"),
        )

    @admin.action(description=_("Reject the selected proposals"), permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset) -> None:
        self._decide(
            request,
            queryset,
            lambda pk: intervention_reject(intervention_id=pk, user=request.user),
            ngettext_lazy("%(count)s intervention(s) rejected.", "%(count)s intervention(s) rejected.", "count"),
        )

    @admin.display(description=_("expected retention uplift"), ordering="expected_retention_uplift")
    def uplift_percent(self, obj: Intervention) -> str:
        if not obj.uplift_source:
            return f"{obj.expected_retention_uplift:.1%}"
        return f"{obj.expected_retention_uplift:.1%} ({obj.get_uplift_source_display()})"


@admin.register(InterventionEvent)
class InterventionEventAdmin(ReadOnlyAdmin):
    """The audit trail: nobody edits or deletes it, not even a superuser."""

    list_display = ("at", "intervention", "from_status", "to_status", "actor", "note")
    list_filter = ("to_status", "from_status")
    list_select_related = ("intervention__customer", "actor")
    search_fields = ("^intervention__customer__external_id", "note")
    date_hierarchy = "at"
    ordering = ("-at",)
    list_per_page = 100

    def has_delete_permission(self, request: HttpRequest, obj: InterventionEvent | None = None) -> bool:
        return False


@admin.register(InterventionSettings)
class InterventionSettingsAdmin(SingletonAdmin):
    list_display = ("__str__", "control_share", "min_roi", "max_discount_amount", "ltv_discount_share", "updated_at")


class SupportCallForm(forms.ModelForm):
    """Logging a call: did the customer answer, and what did they say. Saved through support_call_log."""

    result = forms.ChoiceField(
        choices=[("", "—"), ("reached", _("Reached the customer")), ("no_answer", _("No answer"))],
        required=False,
        help_text=interpolate_lazy(
            ngettext_lazy(
                "After %(count)s unanswered attempt the call is closed.",
                "After %(count)s unanswered attempts the call is closed.",
                "count",
            ),
            {"count": MAX_ATTEMPTS},
        ),
    )
    new_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("note"))

    class Meta:
        model = SupportCall
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        if data.get("new_note") and not data.get("result"):
            raise ValidationError(gettext("Say whether the customer answered when you add a note."))
        return data


@admin.register(SupportCall)
class SupportCallAdmin(FixedRowsAdmin):
    """The call list: personal calls promised to Critical, high-value customers, the most overdue first."""

    form = SupportCallForm
    list_display = (
        "customer",
        "phone",
        "language",
        "churn_percent",
        "reason",
        "due",
        "attempts",
        "status",
        "assigned_to",
    )
    list_filter = ("status", ("assigned_to", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("customer", "assigned_to", "intervention__prediction")
    search_fields = ("^customer__external_id", "customer__name", "=customer__phone")
    ordering = ("due_by", "pk")
    actions = ("claim_selected",)
    readonly_fields = (
        "customer",
        "phone",
        "language",
        "churn_percent",
        "reason",
        "ltv_if_retained",
        "intervention",
        "status",
        "due_by",
        "attempts",
        "last_attempt_at",
        "assigned_to",
        "note",
        "closed_at",
    )
    fieldsets = (
        (_("Who to call"), {"fields": ("customer", "phone", "language", "churn_percent", "reason", "ltv_if_retained")}),
        (_("Call"), {"fields": ("intervention", "status", "due_by", "attempts", "last_attempt_at", "assigned_to")}),
        (_("What was said"), {"fields": ("note", "result", "new_note")}),
    )
    list_per_page = 50

    def get_fieldsets(self, request: HttpRequest, obj: SupportCall | None = None):
        if obj is not None and obj.status != CallStatus.TO_CALL:  # closed: nothing left to log
            return (*self.fieldsets[:2], (gettext("What was said"), {"fields": ("note", "closed_at")}))
        return self.fieldsets

    def has_change_permission(self, request: HttpRequest, obj: SupportCall | None = None) -> bool:
        if obj is not None and obj.status != CallStatus.TO_CALL:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: SupportCall, form, change: bool) -> None:
        result = form.cleaned_data.get("result")
        if result:
            support_call_log(
                call_id=obj.pk, user=request.user, reached=result == "reached", note=form.cleaned_data["new_note"]
            )

    @admin.action(description=_("Put the selected calls on my list"), permissions=["change"])
    def claim_selected(self, request: HttpRequest, queryset) -> None:
        claimed = 0
        for call in queryset.filter(status=CallStatus.TO_CALL):
            support_call_claim(call_id=call.pk, user=request.user)
            claimed += 1
        self.message_user(
            request,
            ngettext("%(count)s call(s) are on your list.", "%(count)s call(s) are on your list.", claimed)
            % {"count": claimed},
            messages.SUCCESS,
        )

    @admin.display(description=_("phone"))
    def phone(self, obj: SupportCall) -> str:
        return obj.customer.phone

    @admin.display(description=_("language"))
    def language(self, obj: SupportCall) -> str:
        return obj.customer.get_language_display()

    @admin.display(description=_("churn risk"))
    def churn_percent(self, obj: SupportCall) -> str:
        return f"{obj.intervention.churn_probability:.0%}"

    @admin.display(description=_("why they may leave"))
    def reason(self, obj: SupportCall) -> str:
        prediction = obj.intervention.prediction
        reasons = prediction.reasons if prediction else []
        return "; ".join(item.get("text_en", item.get("feature", "")) for item in reasons[:3]) or "—"

    @admin.display(description=_("worth at least, if they stay"))
    def ltv_if_retained(self, obj: SupportCall) -> str | None:
        prediction = obj.intervention.prediction
        return format_tk(prediction.ltv_low_if_retained) if prediction else None

    @admin.display(description=_("due"), ordering="due_by")
    def due(self, obj: SupportCall) -> str:
        when = timezone.localtime(obj.due_by).strftime("%d %b %H:%M")
        if obj.status == CallStatus.TO_CALL and obj.due_by < timezone.now():
            return format_html(
                '<strong style="color:#c62828">{}</strong>', gettext("%(when)s (overdue)") % {"when": when}
            )
        return when


@admin.register(NightlyRunRecord)
class NightlyRunRecordAdmin(ReadOnlyAdmin):
    """Each night's run: a night the watchdog had to resume, or that failed, shows here with why."""

    list_display = ("as_of", "state", "started_at", "finished_at", "resumed", "error")
    list_filter = ("state",)
    date_hierarchy = "as_of"
