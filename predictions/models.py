"""Scores the models produce and the record of how well the models did."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, Segment
from loyalty.models import LoyaltyTier
from sheba_retention.common.models import SingletonModel


class RiskCategory(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ModelKind(models.TextChoices):
    CHURN = "churn", _("Churn")
    LTV = "ltv", _("Lifetime value")
    SEGMENTATION = "segmentation", _("Segmentation")


# What a training run may serve, as reports, the admin and the command call it (mlcore.champion decides).
SERVED_NAMES = {
    "model": _("our model"),
    "blend": _("a blend of our model and the best classical model"),
    "recency": _("recency"),
    "bg_nbd": "BG/NBD",
    "pareto_nbd": "Pareto/NBD",
    "bg_nbd_gamma_gamma": "BG/NBD+GG",
    "pareto_nbd_gamma_gamma": "Pareto/NBD+GG",
    "zero": _("predict zero"),
}


def served_name(served: str) -> str:
    return str(SERVED_NAMES.get(served, served))


class Prediction(models.Model):
    """One customer's scores as of one date. Re-scoring the same date replaces the row (unique per customer, as_of)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="predictions")
    as_of = models.DateField()
    churn_probability = models.FloatField()
    risk_category = models.CharField(max_length=10, choices=RiskCategory.choices)
    # Top drivers: [{"feature", "value", "contribution", "text_en", "text_bn"}], strongest first.
    reasons = models.JSONField(default=list, blank=True)
    ltv = models.DecimalField(_("lifetime value (Tk)"), max_digits=12, decimal_places=2, null=True, blank=True)
    ltv_low = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    ltv_high = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # What the customer spends at least if they come back (90% confidence): caps what a win-back offer may give.
    ltv_low_if_retained = models.DecimalField(
        _("lifetime value if retained, lower bound (Tk)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    segment = models.CharField(max_length=20, choices=Segment.Key.choices, blank=True)
    loyalty_tier = models.CharField(max_length=10, choices=LoyaltyTier.Name.choices, blank=True)
    model_version = models.CharField(max_length=64, help_text=_("Churn model version."))
    ltv_model_version = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of", "-churn_probability"]
        indexes = [
            models.Index(fields=["as_of", "risk_category"]),
            models.Index(fields=["as_of", "-churn_probability"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "as_of"], name="one_prediction_per_customer_per_day"),
            models.CheckConstraint(
                condition=Q(churn_probability__gte=0) & Q(churn_probability__lte=1), name="churn_probability_0_to_1"
            ),
            models.CheckConstraint(
                condition=Q(ltv__isnull=True) | (Q(ltv_low__lte=F("ltv")) & Q(ltv_high__gte=F("ltv"))),
                name="ltv_within_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.as_of}: {self.churn_probability:.0%}"


class ModelPerformance(models.Model):
    """Metrics of one training run on its out-of-time holdout, beside the baselines measured on the same rows."""

    model_kind = models.CharField(max_length=20, choices=ModelKind.choices)
    model_version = models.CharField(max_length=64)
    as_of = models.DateField()
    trained_at = models.DateTimeField(auto_now_add=True)
    n_train = models.PositiveIntegerField(default=0)
    n_holdout = models.PositiveIntegerField(default=0)
    # {"model": {"auc_roc": …}, "baselines": {"recency": {…}, "bg_nbd": {…}}, "class_balance": …}
    metrics = models.JSONField(default=dict)

    class Meta:
        ordering = ["-trained_at"]
        verbose_name_plural = _("model performance")
        constraints = [
            models.UniqueConstraint(fields=["model_kind", "model_version"], name="one_performance_row_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.get_model_kind_display()} {self.model_version}"

    @property
    def served(self) -> str:
        """What the run serves (see SERVED_NAMES); runs from before the champion served their own model, and a
        segmentation serves nothing to choose between."""
        if self.model_kind == ModelKind.SEGMENTATION:
            return ""
        return str((self.metrics or {}).get("served", "model"))

    @property
    def is_fallback(self) -> bool:
        """A classical model served because the history was too short to validate ours."""
        return bool((self.metrics or {}).get("fallback", False))

    @property
    def decision_reason(self) -> str:
        return str((self.metrics or {}).get("decision", {}).get("reason", ""))


class ModelVersion(models.Model):
    """A trained model artifact in the registry (MODEL_ARTIFACTS_DIR/<kind>/<version>/); one active per kind."""

    kind = models.CharField(max_length=20, choices=ModelKind.choices)
    version = models.CharField(max_length=64, unique=True)
    as_of = models.DateField()
    is_active = models.BooleanField(default=False)
    # Feature list, parameters, data sizes, library versions, file checksums: a copy of the artifact's metadata.
    metadata = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(is_active=True), name="one_active_version_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.version}{' (active)' if self.is_active else ''}"


class FeatureDriftDay(models.Model):
    """The drift of one scoring day's features from the active churn model's training snapshot, measured once by the
    night that scored the day (predictions.services.drift), so the analyst portal reads it instead of rebuilding a
    year of features per request."""

    as_of = models.DateField(unique=True, help_text=_("The scoring day."))
    model_version = models.CharField(
        max_length=64, help_text=_("The churn model whose training snapshot is the reference.")
    )
    reference_day = models.DateField(help_text=_("The day of that training snapshot."))
    customers = models.PositiveIntegerField(help_text=_("Customers scored that day, all of them measured."))
    features = models.JSONField(default=list, help_text=_("Per feature: its PSI and band, the most drifted first."))
    band = models.CharField(max_length=10, blank=True, help_text=_("The worst feature's band."))
    measured_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-as_of"]

    def __str__(self) -> str:
        return f"drift {self.as_of} ({self.band or '-'})"


class ScoringSettings(SingletonModel):
    """Thresholds staff may change without a deploy. A single row (pk 1), created with the defaults on first use."""

    medium_risk_from = models.FloatField(default=0.3)
    high_risk_from = models.FloatField(default=0.6, help_text=_("At or above this, a customer is flagged as at risk."))
    critical_risk_from = models.FloatField(default=0.8)
    churn_window_days = models.PositiveSmallIntegerField(
        default=90, help_text=_("A customer has churned after this many days without a completed booking.")
    )
    ltv_horizon_days = models.PositiveSmallIntegerField(default=1095, help_text=_("Lifetime value horizon in days."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("scoring settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(medium_risk_from__gt=0)
                & Q(high_risk_from__gt=F("medium_risk_from"))
                & Q(critical_risk_from__gt=F("high_risk_from"))
                & Q(critical_risk_from__lt=1),
                name="risk_thresholds_rise",
            ),
            models.CheckConstraint(condition=Q(churn_window_days__gte=14), name="churn_window_at_least_two_weeks"),
        ]

    def __str__(self) -> str:
        return "Scoring settings"

    @property
    def risk_thresholds(self) -> tuple[float, float, float]:
        return (self.medium_risk_from, self.high_risk_from, self.critical_risk_from)
