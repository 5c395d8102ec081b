"""Scores the models produce and the record of how well the models did."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class RiskCategory(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ModelKind(models.TextChoices):
    CHURN = "churn", _("Churn")
    LTV = "ltv", _("Lifetime value")
    SEGMENTATION = "segmentation", _("Segmentation")


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
    model_version = models.CharField(max_length=64)
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
        verbose_name_plural = "model performance"
        constraints = [
            models.UniqueConstraint(fields=["model_kind", "model_version"], name="one_performance_row_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.get_model_kind_display()} {self.model_version}"
