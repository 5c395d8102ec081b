"""The approval queue: one row per proposal, and an audit row for every change of state."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, Service
from predictions.models import Prediction
from sheba_retention.common.models import SingletonModel, TimeStampedModel

# The member of staff whose decisions the demo's replay of past nights records (interventions.services.replay).
SIMULATION_USERNAME = "demo-simulation"


class InterventionAction(models.TextChoices):
    WIN_BACK_DISCOUNT = "win_back_discount", _("Win-back discount")
    BUDGET_SERVICE = "budget_service", _("Budget service offer")
    PREMIUM_PROVIDER = "premium_provider", _("Premium provider offer")
    SEASONAL_REMINDER = "seasonal_reminder", _("Seasonal reminder")
    LOYALTY_BONUS = "loyalty_bonus", _("Loyalty tier bonus")
    SERVICE_RECOVERY = "service_recovery", _("Service recovery")
    PERSONAL_CALL = "personal_call", _("Personal call from support")


class InterventionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SENT = "sent", _("Sent")
    REDEEMED = "redeemed", _("Redeemed")
    EXPIRED = "expired", _("Expired")
    # Held out at random: proposed but deliberately never sent, so uplift is measured against these customers.
    CONTROL = "control", _("Control (held out)")


OPEN_STATUSES = [InterventionStatus.PROPOSED, InterventionStatus.APPROVED, InterventionStatus.SENT]


class UpliftSource(models.TextChoices):
    CUSTOMER = "customer", _("this customer (uplift model)")
    MEASURED = "measured", _("measured against the control group")
    PRIOR = "prior", _("prior (no outcomes yet)")


class InterventionOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETAINED = "retained", _("Retained")
    CHURNED = "churned", _("Churned")


class Intervention(TimeStampedModel):
    # When the proposal was made: its churn window, its cooldown and the control group's draw start here. Set by the
    # proposing service (a replayed night's proposals carry that night's moment), not by the row's insertion.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interventions")
    prediction = models.ForeignKey(
        Prediction, null=True, blank=True, on_delete=models.SET_NULL, related_name="interventions"
    )
    action = models.CharField(max_length=20, choices=InterventionAction.choices)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The SHAP reason (feature name) this proposal answers, shown to the approver.
    addresses_reason = models.CharField(max_length=64, blank=True)
    discount_amount = models.DecimalField(_("discount (Tk)"), max_digits=10, decimal_places=2, default=0)
    discount_percent = models.DecimalField(max_digits=4, decimal_places=1, default=0)
    message_en = models.TextField(blank=True)
    message_bn = models.TextField(blank=True)
    churn_probability = models.FloatField(default=0, help_text=_("At the time of the proposal."))
    expected_retention_uplift = models.FloatField(default=0)
    uplift_source = models.CharField(
        max_length=10, choices=UpliftSource.choices, blank=True, help_text=_("Where the expected uplift came from.")
    )
    expected_cost = models.DecimalField(_("expected cost (Tk)"), max_digits=10, decimal_places=2, default=0)
    expected_net_benefit = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    expected_roi = models.FloatField(default=0)
    # The same ROI with the lower bound of the customer's value if retained: what staff can count on.
    risk_adjusted_roi = models.FloatField(default=0)
    status = models.CharField(max_length=10, choices=InterventionStatus.choices, default=InterventionStatus.PROPOSED)
    outcome = models.CharField(max_length=10, choices=InterventionOutcome.choices, default=InterventionOutcome.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField(null=True, blank=True, help_text=_("The scoring day the proposal was made from."))

    class Meta:
        ordering = ["-created_at"]
        # The approval queue's order (intervention_pending_list): its pages are read from the index, not sorted.
        indexes = [
            models.Index(
                fields=["status", "-expected_net_benefit", "-expected_roi", "id"], name="intervention_queue_order_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(status__in=OPEN_STATUSES), name="one_open_intervention_per_customer"
            ),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0) & Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="intervention_discount_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} for {self.customer.external_id} ({self.get_status_display()})"

    @property
    def answered_reason(self) -> dict:
        """The prediction's reason (feature, value, contribution, text_en, text_bn) this proposal answers; {} if the
        prediction is gone or does not list it."""
        reasons = self.prediction.reasons if self.prediction else []
        return next((item for item in reasons or [] if item.get("feature") == self.addresses_reason), {})


class InterventionEvent(models.Model):
    """Audit trail: who moved an intervention from one state to another, and when."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=InterventionStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=InterventionStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(default=timezone.now)  # the moment of the change (a replayed night's, in the demo)

    class Meta:
        ordering = ["intervention", "at"]

    def __str__(self) -> str:
        return f"{self.intervention_id}: {self.from_status or '∅'} → {self.to_status}"


class InterventionSettings(SingletonModel):
    """What the engine may offer and when it pays. A single row (pk 1) created by a migration; staff edit it."""

    control_share = models.FloatField(
        default=0.10, help_text=_("Share of eligible customers held out at random to measure what works.")
    )
    min_roi = models.FloatField(default=1.0, help_text=_("Proposals below this ROI (1.0 = 100%) are not made."))
    max_discount_amount = models.DecimalField(_("largest discount (Tk)"), max_digits=8, decimal_places=2, default=500)
    max_discount_percent = models.DecimalField(max_digits=4, decimal_places=1, default=25)
    ltv_discount_share = models.FloatField(
        default=0.10,
        help_text=_("A discount is at most this share of the lower bound of the customer's LTV if they stay."),
    )
    margin_rate = models.FloatField(
        default=1.0,
        help_text=_(
            "Share of a customer's spending the business keeps, used in ROI. 1.0 counts revenue, as the plan's "
            "formula does; the commission rate counts margin."
        ),
    )
    message_cost = models.DecimalField(_("cost of one message (Tk)"), max_digits=6, decimal_places=2, default=2)
    call_cost = models.DecimalField(_("cost of one support call (Tk)"), max_digits=6, decimal_places=2, default=120)
    offer_valid_days = models.PositiveSmallIntegerField(default=14)
    cooldown_days = models.PositiveSmallIntegerField(
        default=30, help_text=_("No new proposal for a customer within this many days of the last one.")
    )
    # Expected retention uplift per action before outcomes exist, e.g. {"win_back_discount": 0.06}.
    uplift_priors = models.JSONField(default=dict, blank=True)
    uplift_per_customer = models.BooleanField(
        default=True,
        help_text=_(
            "Once enough outcomes exist, target each customer by the uplift model (the most customers saved per "
            "offer); off, by the effect measured per action and segment (more offers, more customers saved in all)."
        ),
    )
    control_salt = models.CharField(
        max_length=32, default="sheba-2026", help_text=_("Changing it re-draws the control group.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("intervention settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(control_share__gte=0) & Q(control_share__lt=1), name="control_share_0_to_1"
            ),
            models.CheckConstraint(
                condition=Q(max_discount_percent__gte=0) & Q(max_discount_percent__lte=100),
                name="max_discount_percent_0_to_100",
            ),
            models.CheckConstraint(condition=Q(margin_rate__gt=0) & Q(margin_rate__lte=1), name="margin_rate_0_to_1"),
        ]

    def __str__(self) -> str:
        return "Intervention settings"


class CallStatus(models.TextChoices):
    TO_CALL = "to_call", _("To call")
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer (gave up)")
    MISSED = "missed", _("Missed (offer expired first)")


class SupportCall(TimeStampedModel):
    """A personal call from support: the task a sent "personal call" intervention puts on the call list."""

    intervention = models.OneToOneField(Intervention, on_delete=models.CASCADE, related_name="support_call")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="support_calls")
    status = models.CharField(max_length=10, choices=CallStatus.choices, default=CallStatus.TO_CALL)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="support_calls"
    )
    due_by = models.DateTimeField(help_text=_("The customer was told to expect the call by then."))
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text=_("What the customer said, for the next caller and the analysts."))
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_by", "pk"]
        indexes = [models.Index(fields=["status", "due_by"])]

    def __str__(self) -> str:
        return f"Call {self.customer.external_id} ({self.get_status_display()})"


class NightlyState(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETE = "complete", _("Complete")
    FAILED = "failed", _("Failed")


class NightlyRunRecord(models.Model):
    """One night of the nightly chain (beat's or `run_nightly`), so that a night that did not finish is seen: by staff
    in the admin, by `/healthz`, and by the watchdog that resumes it (interventions.services.nightly)."""

    as_of = models.DateField(unique=True, help_text=_("The day the night scored as of."))
    state = models.CharField(max_length=10, choices=NightlyState.choices, default=NightlyState.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    chunks = models.JSONField(default=list, help_text=_("The scoring chunks (first and last customer key)."))
    versions = models.JSONField(default=dict, help_text=_("The model versions every chunk scores with."))
    resumed = models.PositiveSmallIntegerField(default=0, help_text=_("How often the watchdog had to resume it."))
    error = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-as_of"]

    def __str__(self) -> str:
        return f"Nightly run {self.as_of} ({self.get_state_display()})"
