"""Marketplace tables: the raw history every prediction is computed from."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sheba_retention.common.models import TimeStampedModel
from sheba_retention.common.validators import validate_bd_phone


class City(models.TextChoices):
    DHAKA = "dhaka", _("Dhaka")
    CHATTOGRAM = "chattogram", _("Chattogram")
    SYLHET = "sylhet", _("Sylhet")
    KHULNA = "khulna", _("Khulna")
    RAJSHAHI = "rajshahi", _("Rajshahi")
    BARISHAL = "barishal", _("Barishal")
    RANGPUR = "rangpur", _("Rangpur")
    MYMENSINGH = "mymensingh", _("Mymensingh")
    GAZIPUR = "gazipur", _("Gazipur")
    NARAYANGANJ = "narayanganj", _("Narayanganj")
    CUMILLA = "cumilla", _("Cumilla")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not given")


class AgeBand(models.TextChoices):
    UNDER_25 = "18-24", "18–24"
    FROM_25 = "25-34", "25–34"
    FROM_35 = "35-44", "35–44"
    FROM_45 = "45-54", "45–54"
    OVER_55 = "55+", "55+"
    UNKNOWN = "", _("Not given")


class Language(models.TextChoices):
    BENGALI = "bn", "বাংলা"
    ENGLISH = "en", "English"


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    PUSH = "push", _("Push notification")


class ServiceCategory(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    name_bn = models.CharField(_("name (Bengali)"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("service categories")

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    slug = models.SlugField(unique=True)
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=120)
    name_bn = models.CharField(_("name (Bengali)"), max_length=120)
    min_price = models.DecimalField(_("min price (Tk)"), max_digits=10, decimal_places=2)
    max_price = models.DecimalField(_("max price (Tk)"), max_digits=10, decimal_places=2)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_price__gte=0) & Q(max_price__gte=F("min_price")), name="service_price_range_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Provider(TimeStampedModel):
    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=14, blank=True, validators=[validate_bd_phone])
    city = models.CharField(max_length=20, choices=City.choices, blank=True)
    area = models.CharField(max_length=60, blank=True)
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="providers")
    rating = models.DecimalField(max_digits=2, decimal_places=1, default=4)
    is_verified = models.BooleanField(default=False)
    is_premium = models.BooleanField(default=False)
    joined_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="provider_rating_1_to_5"),
            models.CheckConstraint(
                condition=Q(is_premium=False) | Q(is_verified=True), name="provider_premium_is_verified"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class Customer(TimeStampedModel):
    # The id the customer has in the source system, kept exactly as given (leading zeros matter).
    external_id = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="customer"
    )
    name = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=14, blank=True, db_index=True, validators=[validate_bd_phone])
    email = models.EmailField(blank=True)
    city = models.CharField(max_length=20, choices=City.choices, blank=True)
    area = models.CharField(max_length=60, blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    age_band = models.CharField(max_length=5, choices=AgeBand.choices, blank=True, default=AgeBand.UNKNOWN)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.BENGALI)
    preferred_channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.SMS)
    joined_at = models.DateTimeField(db_index=True)
    preferred_provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.SET_NULL, related_name="preferred_by"
    )

    class Meta:
        ordering = ["external_id"]
        indexes = [models.Index(fields=["city", "area"])]

    def __str__(self) -> str:
        return f"{self.name or _('Customer')} ({self.external_id})"


class BookingStatus(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    BKASH = "bkash", "bKash"
    NAGAD = "nagad", "Nagad"
    CARD = "card", _("Card")


# Bookings the demo's replay of past nights invents (a customer answering an offer) carry this prefix in their id, so
# they are told from the generated or imported history at a glance, and deleted with one filter.
SIMULATED_BOOKING_PREFIX = "SIMULATED-"


class Booking(models.Model):
    # Imported bookings without an id get a deterministic one from their natural key (see customers/services).
    external_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bookings")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings")
    booked_at = models.DateTimeField()
    scheduled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    amount = models.DecimalField(_("amount (Tk)"), max_digits=12, decimal_places=2)
    discount = models.DecimalField(_("discount (Tk)"), max_digits=12, decimal_places=2, default=0)
    status = models.CharField(max_length=10, choices=BookingStatus.choices, default=BookingStatus.COMPLETED)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    payment_method = models.CharField(max_length=5, choices=PaymentMethod.choices, default=PaymentMethod.CASH)

    class Meta:
        ordering = ["-booked_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "booked_at"]),
            models.Index(fields=["booked_at"]),
            models.Index(fields=["service", "booked_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="booking_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=F("amount")), name="booking_discount_within_amount"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)), name="booking_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} · {self.service_id} · Tk {self.amount}"


class CustomerMonth(models.Model):
    """A calendar month (in Dhaka) a customer was active in: at least one completed booking, with how many and what
    they came to. Derived from Booking by customers.services.activity whenever bookings are written, and rebuilt by
    the nightly run, so retention and cohorts read a row per active customer-month instead of every booking."""

    # No database constraint: the rows are rebuilt from the bookings (which hold theirs) every night, and checking
    # 360k foreign keys at each rebuild's commit took longer than writing them. Django still cascades a deletion.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="active_months", db_constraint=False)
    month = models.DateField()  # its first day
    bookings = models.PositiveIntegerField()
    spend = models.DecimalField(_("spend (Tk)"), max_digits=14, decimal_places=2)
    # Active in the next calendar month too: what month-to-month retention counts, kept here so that counting it is
    # a filter, not a join of the table with itself.
    active_next_month = models.BooleanField(default=False)

    class Meta:
        ordering = ["customer", "month"]
        indexes = [models.Index(fields=["month", "customer"])]
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="customer_month_once")]

    def __str__(self) -> str:
        return f"{self.customer_id} · {self.month:%Y-%m} · {self.bookings}"


class ComplaintCategory(models.TextChoices):
    LATE = "late", _("Provider late")
    QUALITY = "quality", _("Poor work quality")
    BEHAVIOUR = "behaviour", _("Provider behaviour")
    PRICE = "price", _("Price dispute")
    NO_SHOW = "no_show", _("Provider did not come")
    DAMAGE = "damage", _("Damage to property")
    OTHER = "other", _("Other")


class Complaint(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="complaints")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints")
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints")
    created_at = models.DateTimeField()
    category = models.CharField(max_length=10, choices=ComplaintCategory.choices, default=ComplaintCategory.OTHER)
    description = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.customer_id}"


class CompetitorSearch(models.Model):
    """A search for a competing marketplace seen in app analytics: a signal that the customer is shopping around."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="competitor_searches")
    searched_at = models.DateTimeField()
    competitor = models.CharField(max_length=60)
    category = models.ForeignKey(ServiceCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-searched_at"]
        indexes = [models.Index(fields=["customer", "searched_at"])]
        verbose_name_plural = _("competitor searches")

    def __str__(self) -> str:
        return f"{self.competitor} · {self.customer_id}"


class Segment(models.Model):
    """The five named customer segments; K-Means clusters are mapped onto them by profile (mlcore.segmentation)."""

    class Key(models.TextChoices):
        HIGH_VALUE_LOYAL = "high_value_loyal", _("High-Value Loyal")
        PRICE_SENSITIVE = "price_sensitive", _("Price-Sensitive")
        QUALITY_FOCUSED = "quality_focused", _("Quality-Focused")
        OCCASIONAL = "occasional", _("Occasional")
        AT_RISK = "at_risk", _("At-Risk")

    key = models.CharField(max_length=20, choices=Key.choices, unique=True)
    name_bn = models.CharField(_("name (Bengali)"), max_length=60)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.get_key_display()


class CustomerSegment(models.Model):
    """A customer's segment over time: the open row (valid_to is null) is the current one."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="segment_history")
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="memberships")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    model_version = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(valid_to__isnull=True), name="one_current_segment_per_customer"
            ),
            models.UniqueConstraint(fields=["customer", "valid_from"], name="one_segment_per_customer_per_day"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")), name="segment_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.segment} from {self.valid_from}"
