"""django-import-export resources: admin exports in exactly the columns the CSV importers read."""

from import_export import fields, resources

from customers.models import Booking, Customer
from customers.services.booking_import import BOOKING_CSV_COLUMNS
from customers.services.customer_import import CUSTOMER_CSV_COLUMNS
from sheba_retention.common.csvfiles import iso_local


class CustomerResource(resources.ModelResource):
    customer_id = fields.Field(attribute="external_id", column_name="customer_id")

    class Meta:
        model = Customer
        fields = tuple(CUSTOMER_CSV_COLUMNS)
        export_order = fields

    def dehydrate_joined_at(self, customer: Customer) -> str:
        return iso_local(customer.joined_at)


class BookingResource(resources.ModelResource):
    booking_id = fields.Field(attribute="external_id", column_name="booking_id")
    customer_id = fields.Field(attribute="customer__external_id", column_name="customer_id")
    service = fields.Field(attribute="service__slug", column_name="service")
    provider_id = fields.Field(attribute="provider__external_id", column_name="provider_id")
    complained = fields.Field(column_name="complained")

    class Meta:
        model = Booking
        fields = tuple(BOOKING_CSV_COLUMNS)
        export_order = fields

    def dehydrate_booked_at(self, booking: Booking) -> str:
        return iso_local(booking.booked_at)

    def dehydrate_complained(self, booking: Booking) -> str:
        # Annotated by BookingAdmin.get_export_queryset, so exporting does not query once per row.
        return "yes" if getattr(booking, "has_complaint", False) else "no"
