"""Admin screens for discount codes, their redemptions and the payment transaction log."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from payments.models import DiscountCode, DiscountKind, PaymentTransaction, Redemption
from payments.services import discount_code_deactivate, discount_code_issue, discount_code_update
from payments.services.codes import discount_code_update_check
from sheba_retention.common.admin import ReadOnlyAdmin, format_tk


class DiscountCodeIssueForm(forms.ModelForm):
    """The add form: staff choose the offer, the service draws the code (never typed in, so never guessable)."""

    valid_days = forms.IntegerField(min_value=1, max_value=365, initial=14, help_text=_("Days until the code expires."))

    class Meta:
        model = DiscountCode
        fields = ["customer", "intervention", "kind", "value", "max_uses", "min_order"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        intervention, customer = cleaned.get("intervention"), cleaned.get("customer")
        if intervention is not None and customer is not None and intervention.customer_id != customer.pk:
            self.add_error("intervention", gettext("The intervention belongs to another customer."))
        return cleaned


class DiscountCodeChangeForm(forms.ModelForm):
    """The change form: checked by the same rule discount_code_update applies, so a refusal shows on its field."""

    class Meta:
        model = DiscountCode
        fields = ["is_active", "expires_at", "max_uses", "min_order"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("max_uses") is not None and cleaned.get("min_order") is not None:
            try:
                discount_code_update_check(
                    code=self.instance, max_uses=cleaned["max_uses"], min_order=cleaned["min_order"]
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class LogAdmin(ReadOnlyAdmin):
    """Rows written by the payment services under an idempotency key; editing one would break the ledger."""


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "customer",
        "kind",
        "value_display",
        "min_order_tk",
        "usage",
        "expires_at",
        "is_active",
        "created_at",
    )
    list_filter = ("is_active", "kind", ("customer", admin.EmptyFieldListFilter))
    list_select_related = ("customer",)
    search_fields = ("^code", "^customer__external_id")
    date_hierarchy = "created_at"
    raw_id_fields = ("customer", "intervention")
    # Once issued, what the customer was promised stays as it was; staff may extend, limit or withdraw it.
    readonly_fields = ("code", "customer", "intervention", "kind", "value", "uses", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "customer", "intervention", "is_active")}),
        (_("Discount"), {"fields": ("kind", "value", "min_order", "max_uses", "uses", "expires_at")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
    add_form = DiscountCodeIssueForm
    add_fieldsets = (
        (None, {"fields": ("customer", "intervention")}),
        (_("Discount"), {"fields": ("kind", "value", "min_order", "max_uses", "valid_days")}),
    )
    actions = ["deactivate_codes"]
    list_per_page = 50

    def get_fieldsets(self, request: HttpRequest, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return () if obj is None else self.readonly_fields

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        kwargs["form"] = self.add_form if obj is None else DiscountCodeChangeForm
        if obj is None:
            kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: DiscountCode, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = discount_code_update(
                code_id=obj.pk,
                is_active=data["is_active"],
                expires_at=data["expires_at"],
                max_uses=data["max_uses"],
                min_order=data["min_order"],
            )
        else:
            saved = discount_code_issue(
                customer=data["customer"],
                intervention=data["intervention"],
                kind=data["kind"],
                value=data["value"],
                max_uses=data["max_uses"],
                min_order=data["min_order"],
                valid_days=data["valid_days"],
            )
        # The admin goes on with `obj` (message, log entry, redirect): make it the saved row.
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False

    @admin.action(description=_("Deactivate selected codes"), permissions=["change"])
    def deactivate_codes(self, request: HttpRequest, queryset: QuerySet[DiscountCode]) -> None:
        changed = 0
        for code in queryset.filter(is_active=True):
            discount_code_deactivate(code=code)
            self.log_change(request, code, "Deactivated")
            changed += 1
        self.message_user(
            request,
            ngettext("Deactivated %(count)s code(s).", "Deactivated %(count)s code(s).", changed) % {"count": changed},
            messages.SUCCESS,
        )

    @admin.display(description=_("value"), ordering="value")
    def value_display(self, obj: DiscountCode) -> str | None:
        if obj.kind == DiscountKind.PERCENT:
            return f"{obj.value.normalize():f}%"
        return format_tk(obj.value)

    @admin.display(description=_("minimum order"), ordering="min_order")
    def min_order_tk(self, obj: DiscountCode) -> str | None:
        return format_tk(obj.min_order)

    @admin.display(description=_("used"))
    def usage(self, obj: DiscountCode) -> str:
        return f"{obj.uses} / {obj.max_uses}"


@admin.register(Redemption)
class RedemptionAdmin(LogAdmin):
    list_display = ("redeemed_at", "code", "customer", "booking", "order_amount_tk", "discount_amount_tk")
    list_select_related = ("code", "customer", "booking")
    search_fields = ("^code__code", "^customer__external_id", "^booking__external_id", "=idempotency_key")
    date_hierarchy = "redeemed_at"
    list_per_page = 50

    @admin.display(description=_("order amount"), ordering="order_amount")
    def order_amount_tk(self, obj: Redemption) -> str | None:
        return format_tk(obj.order_amount)

    @admin.display(description=_("discount"), ordering="discount_amount")
    def discount_amount_tk(self, obj: Redemption) -> str | None:
        return format_tk(obj.discount_amount)


@admin.register(PaymentTransaction)
class PaymentTransactionAdmin(LogAdmin):
    list_display = ("created_at", "customer", "booking", "gateway", "amount_tk", "status", "gateway_reference")
    list_filter = ("status", "gateway")
    list_select_related = ("customer", "booking")
    search_fields = ("^customer__external_id", "^booking__external_id", "=gateway_reference", "=idempotency_key")
    date_hierarchy = "created_at"
    fields = (
        "customer",
        "booking",
        "gateway",
        "amount_tk",
        "status",
        "gateway_reference",
        "idempotency_key",
        "payload_pretty",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    list_per_page = 50

    @admin.display(description=_("amount"), ordering="amount")
    def amount_tk(self, obj: PaymentTransaction) -> str | None:
        return format_tk(obj.amount)

    @admin.display(description=_("gateway payload"))
    def payload_pretty(self, obj: PaymentTransaction) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False, sort_keys=True))
