"""Admin screens for the marketplace tables: catalogue, providers, customers, bookings and their signals."""

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.admin_import import BookingCsvImportForm, CsvImportAdminMixin
from customers.models import (
    Booking,
    CompetitorSearch,
    Complaint,
    Customer,
    CustomerSegment,
    Provider,
    Segment,
    Service,
    ServiceCategory,
)
from customers.resources import BookingResource, CustomerResource
from customers.services.booking_import import bookings_import
from customers.services.customer_import import customers_import
from sheba_retention.common.admin import (
    CsvExportMixin,
    CurrentRowFilter,
    FixedRowsAdmin,
    ReadOnlyAdmin,
    ReadOnlyTabularInline,
    ServiceSaveAdmin,
    format_tk,
    interpolate_lazy,
)
from sheba_retention.common.validators import normalize_bd_phone

RECENT_ROWS = 20


class RatingFilter(admin.SimpleListFilter):
    """Fixed choices, so the filter never runs SELECT DISTINCT over every booking."""

    title = _("rating")
    parameter_name = "rating"

    def lookups(self, request, model_admin):
        return [(str(stars), "★" * stars) for stars in range(5, 0, -1)] + [("none", gettext("Not rated"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(rating__isnull=True)
        if value in {str(stars) for stars in range(1, 6)}:
            return queryset.filter(rating=int(value))
        return queryset


class RecentRowsFormSet(BaseInlineFormSet):
    """Only the newest RECENT_ROWS related rows, so a customer with years of history opens quickly."""

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset()[:RECENT_ROWS]
        return self._queryset


class ReadOnlyInline(ReadOnlyTabularInline):
    formset = RecentRowsFormSet
    show_change_link = True


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(ServiceSaveAdmin):
    list_display = ("name", "name_bn", "slug")
    search_fields = ("name", "name_bn", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Service)
class ServiceAdmin(ServiceSaveAdmin):
    list_display = ("name", "name_bn", "category", "min_price_tk", "max_price_tk", "is_active")
    list_filter = ("is_active", "category")
    list_select_related = ("category",)
    search_fields = ("name", "name_bn", "slug")
    prepopulated_fields = {"slug": ("name",)}

    @admin.display(description=_("min price"), ordering="min_price")
    def min_price_tk(self, obj: Service) -> str | None:
        return format_tk(obj.min_price)

    @admin.display(description=_("max price"), ordering="max_price")
    def max_price_tk(self, obj: Service) -> str | None:
        return format_tk(obj.max_price)


@admin.register(Provider)
class ProviderAdmin(ServiceSaveAdmin):
    list_display = (
        "external_id",
        "name",
        "phone",
        "city",
        "area",
        "category",
        "rating",
        "is_verified",
        "is_premium",
        "joined_at",
    )
    list_filter = ("is_verified", "is_premium", "city", "category")
    list_select_related = ("category",)
    search_fields = ("^external_id", "name", "^phone")
    date_hierarchy = "joined_at"
    readonly_fields = ("created_at", "updated_at")
    list_per_page = 50


class RecentBookingInline(ReadOnlyInline):
    model = Booking
    fk_name = "customer"
    verbose_name_plural = interpolate_lazy(_("recent bookings (newest %(count)s)"), {"count": RECENT_ROWS})
    fields = ("external_id", "booked_at", "service", "provider", "amount_tk", "discount_tk", "status", "rating")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        return super().get_queryset(request).select_related("service", "provider")

    @admin.display(description=_("amount"))
    def amount_tk(self, obj: Booking) -> str | None:
        return format_tk(obj.amount)

    @admin.display(description=_("discount"))
    def discount_tk(self, obj: Booking) -> str | None:
        return format_tk(obj.discount)


class RecentComplaintInline(ReadOnlyInline):
    model = Complaint
    fk_name = "customer"
    verbose_name_plural = interpolate_lazy(_("recent complaints (newest %(count)s)"), {"count": RECENT_ROWS})
    fields = ("created_at", "category", "booking", "provider", "description", "resolved_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Complaint]:
        return super().get_queryset(request).select_related("booking", "provider")


# The ignores: types-django-import-export declares ExportMixin.model as a model instance, django-stubs as its class.
@admin.register(Customer)
class CustomerAdmin(CsvImportAdminMixin, CsvExportMixin, ServiceSaveAdmin):  # type: ignore[misc]
    resource_classes = [CustomerResource]
    import_csv_service = staticmethod(customers_import)
    import_csv_help = _(
        "Columns: customer_id (required); name, phone, email, area, city, gender, language, joined_at (optional). "
        "Existing customers (same customer_id) are updated with the non-blank values."
    )
    list_display = ("external_id", "name", "phone", "city", "area", "language", "preferred_channel", "joined_at")
    list_filter = ("city", "language", "preferred_channel", "gender", "age_band")
    search_fields = ("^external_id", "name", "^phone", "email")
    date_hierarchy = "joined_at"
    ordering = ("-joined_at",)
    raw_id_fields = ("user",)
    autocomplete_fields = ("preferred_provider",)
    readonly_fields = ("all_bookings", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("external_id", "name", "phone", "email", "user")}),
        (_("Location"), {"fields": ("city", "area")}),
        (_("Profile"), {"fields": ("gender", "age_band", "language", "preferred_channel", "preferred_provider")}),
        (_("Record"), {"fields": ("joined_at", "all_bookings", "created_at", "updated_at")}),
    )
    inlines = (RecentBookingInline, RecentComplaintInline)
    list_per_page = 50
    show_full_result_count = False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalize_bd_phone(search_term.strip())
        except ValueError:
            return results, may_have_duplicates
        return results | queryset.filter(phone=phone), may_have_duplicates

    @admin.display(description=_("bookings"))
    def all_bookings(self, obj: Customer) -> str:
        if obj.pk is None:
            return "—"
        url = reverse("admin:customers_booking_changelist")
        return format_html(
            '<a href="{}?customer__id__exact={}">{}</a>', url, obj.pk, gettext("All bookings of this customer")
        )


@admin.register(Booking)
class BookingAdmin(CsvImportAdminMixin, CsvExportMixin, ServiceSaveAdmin):  # type: ignore[misc]
    resource_classes = [BookingResource]
    import_csv_form = BookingCsvImportForm
    import_csv_service = staticmethod(bookings_import)
    import_csv_help = _(
        "Columns: customer_id, booked_at, amount (required); booking_id, service, status, rating, provider_id, "
        "discount, payment_method, complained (optional). Times without an offset are Dhaka time."
    )
    list_display = (
        "external_id",
        "customer",
        "service",
        "provider",
        "booked_at",
        "amount_tk",
        "discount_tk",
        "status",
        "rating",
        "payment_method",
    )
    list_filter = ("status", "payment_method", "service__category", RatingFilter)
    list_select_related = ("customer", "service", "provider")
    search_fields = ("^external_id", "^customer__external_id", "^provider__external_id")
    date_hierarchy = "booked_at"
    raw_id_fields = ("customer",)
    autocomplete_fields = ("provider",)
    fieldsets = (
        (None, {"fields": ("external_id", "customer", "service", "provider", "status")}),
        (_("When"), {"fields": ("booked_at", "scheduled_at", "completed_at")}),
        (_("Payment"), {"fields": ("amount", "discount", "payment_method")}),
        (_("Feedback"), {"fields": ("rating",)}),
    )
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description=_("amount"), ordering="amount")
    def amount_tk(self, obj: Booking) -> str | None:
        return format_tk(obj.amount)

    @admin.display(description=_("discount"), ordering="discount")
    def discount_tk(self, obj: Booking) -> str | None:
        return format_tk(obj.discount)

    def get_export_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        complaints = Complaint.objects.filter(booking=OuterRef("pk"))
        return (
            super()
            .get_export_queryset(request)
            .select_related("customer", "service", "provider")
            .annotate(has_complaint=Exists(complaints))
        )


@admin.register(Complaint)
class ComplaintAdmin(ServiceSaveAdmin):
    list_display = ("created_at", "customer", "category", "booking", "provider", "is_resolved", "resolved_at")
    list_filter = ("category", ("resolved_at", admin.EmptyFieldListFilter))
    list_select_related = ("customer", "booking", "provider")
    search_fields = ("^customer__external_id", "^booking__external_id", "description")
    date_hierarchy = "created_at"
    raw_id_fields = ("customer", "booking")
    autocomplete_fields = ("provider",)
    list_per_page = 50

    @admin.display(description=_("resolved"), boolean=True, ordering="resolved_at")
    def is_resolved(self, obj: Complaint) -> bool:
        return obj.resolved_at is not None


@admin.register(CompetitorSearch)
class CompetitorSearchAdmin(ServiceSaveAdmin):
    list_display = ("searched_at", "customer", "competitor", "category")
    list_filter = ("competitor", "category")
    list_select_related = ("customer", "category")
    search_fields = ("^customer__external_id", "competitor")
    date_hierarchy = "searched_at"
    raw_id_fields = ("customer",)
    list_per_page = 50


@admin.register(Segment)
class SegmentAdmin(FixedRowsAdmin):
    """The five segments are fixed by mlcore.segmentation; staff edit only their wording."""

    list_display = ("key", "name_bn", "description")
    readonly_fields = ("key",)


@admin.register(CustomerSegment)
class CustomerSegmentAdmin(ReadOnlyAdmin):
    """Segment history is written by the segmentation run; the admin only shows it."""

    list_display = ("customer", "segment", "valid_from", "valid_to", "model_version", "created_at")
    list_filter = (CurrentRowFilter, "segment")
    list_select_related = ("customer", "segment")
    search_fields = ("^customer__external_id", "=model_version")
    date_hierarchy = "valid_from"
    list_per_page = 50
