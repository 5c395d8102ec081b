"""Admin screens for discount codes, their redemptions and the payment transaction log."""

import json

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from payments.models import DiscountCode, DiscountKind, PaymentTransaction, Redemption
from sheba_retention.common.admin import format_tk


class LogAdmin(admin.ModelAdmin):
    """Rows written by the payment services under an idempotency key; editing one would break the ledger."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


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
    readonly_fields = ("uses", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "customer", "intervention", "is_active")}),
        ("Discount", {"fields": ("kind", "value", "min_order", "max_uses", "uses", "expires_at")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    list_per_page = 50

    @admin.display(description="value", ordering="value")
    def value_display(self, obj: DiscountCode) -> str | None:
        if obj.kind == DiscountKind.PERCENT:
            return f"{obj.value.normalize():f}%"
        return format_tk(obj.value)

    @admin.display(description="minimum order", ordering="min_order")
    def min_order_tk(self, obj: DiscountCode) -> str | None:
        return format_tk(obj.min_order)

    @admin.display(description="used")
    def usage(self, obj: DiscountCode) -> str:
        return f"{obj.uses} / {obj.max_uses}"


@admin.register(Redemption)
class RedemptionAdmin(LogAdmin):
    list_display = ("redeemed_at", "code", "customer", "booking", "order_amount_tk", "discount_amount_tk")
    list_select_related = ("code", "customer", "booking")
    search_fields = ("^code__code", "^customer__external_id", "^booking__external_id", "=idempotency_key")
    date_hierarchy = "redeemed_at"
    list_per_page = 50

    @admin.display(description="order amount", ordering="order_amount")
    def order_amount_tk(self, obj: Redemption) -> str | None:
        return format_tk(obj.order_amount)

    @admin.display(description="discount", ordering="discount_amount")
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

    @admin.display(description="amount", ordering="amount")
    def amount_tk(self, obj: PaymentTransaction) -> str | None:
        return format_tk(obj.amount)

    @admin.display(description="gateway payload")
    def payload_pretty(self, obj: PaymentTransaction) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False, sort_keys=True))
