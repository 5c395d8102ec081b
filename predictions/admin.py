"""Admin screens for model outputs: per-customer scores and training-run metrics, both read-only."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mlcore.registry import ArtifactError
from predictions.models import (
    SERVED_NAMES,
    ModelPerformance,
    ModelVersion,
    Prediction,
    RiskCategory,
    ScoringSettings,
    served_name,
)
from predictions.services.registry import model_version_activate
from sheba_retention.common.admin import FixedRowsAdmin, ReadOnlyAdmin, SingletonAdmin, format_tk

RISK_COLOURS: dict[str, str] = {
    RiskCategory.LOW: "#2e7d32",
    RiskCategory.MEDIUM: "#f9a825",
    RiskCategory.HIGH: "#ef6c00",
    RiskCategory.CRITICAL: "#c62828",
}


@admin.register(Prediction)
class PredictionAdmin(ReadOnlyAdmin):
    list_display = (
        "customer",
        "as_of",
        "churn_percent",
        "risk_badge",
        "segment",
        "loyalty_tier",
        "ltv_tk",
        "model_version",
    )
    list_filter = ("risk_category", "segment", "loyalty_tier")
    list_select_related = ("customer",)
    search_fields = ("^customer__external_id", "=model_version")
    date_hierarchy = "as_of"
    fields = (
        "customer",
        "as_of",
        "churn_percent",
        "risk_badge",
        "reasons_list",
        "ltv_tk",
        "ltv_interval",
        "ltv_if_retained_tk",
        "segment",
        "loyalty_tier",
        "model_version",
        "ltv_model_version",
        "created_at",
    )
    readonly_fields = fields
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description=_("churn probability"), ordering="churn_probability")
    def churn_percent(self, obj: Prediction) -> str:
        return f"{obj.churn_probability:.1%}"

    @admin.display(description=_("risk"), ordering="risk_category")
    def risk_badge(self, obj: Prediction) -> str:
        return format_html(
            '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px;font-weight:600">{}</span>',
            RISK_COLOURS.get(obj.risk_category, "#616161"),
            obj.get_risk_category_display(),
        )

    @admin.display(description=_("lifetime value"), ordering="ltv")
    def ltv_tk(self, obj: Prediction) -> str | None:
        return format_tk(obj.ltv)

    @admin.display(description=_("LTV interval"))
    def ltv_interval(self, obj: Prediction) -> str | None:
        if obj.ltv_low is None or obj.ltv_high is None:
            return None
        return f"{format_tk(obj.ltv_low)} – {format_tk(obj.ltv_high)}"

    @admin.display(description=_("LTV if retained, at least"))
    def ltv_if_retained_tk(self, obj: Prediction) -> str | None:
        return format_tk(obj.ltv_low_if_retained)

    @admin.display(description=_("top reasons"))
    def reasons_list(self, obj: Prediction) -> str:
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} <span lang='bn'>({})</span> <small>[{}: {}]</small></li>",
                (
                    (r.get("text_en", ""), r.get("text_bn", ""), r.get("feature", ""), r.get("contribution", ""))
                    for r in obj.reasons or []
                ),
            ),
        )


@admin.register(ModelPerformance)
class ModelPerformanceAdmin(ReadOnlyAdmin):
    list_display = ("model_kind", "model_version", "as_of", "trained_at", "served", "n_train", "n_holdout", "headline")
    list_filter = ("model_kind",)
    search_fields = ("model_version",)
    date_hierarchy = "trained_at"
    fields = (
        "model_kind",
        "model_version",
        "as_of",
        "trained_at",
        "n_train",
        "n_holdout",
        "served",
        "headline",
        "decision_reason",
        "metrics_pretty",
    )
    readonly_fields = fields

    @admin.display(description=_("served"))
    def served(self, obj: ModelPerformance) -> str:
        if not obj.served:
            return "—"
        label = served_name(obj.served)
        return gettext("%(model)s (fallback, not validated)") % {"model": label} if obj.is_fallback else label

    @admin.display(description=_("out of time"))
    def headline(self, obj: ModelPerformance) -> str:
        """The numbers to compare at a glance: what is served beside every baseline on the same holdout."""
        metrics = obj.metrics or {}
        if obj.is_fallback:
            return gettext("not validated: the history is too short")
        served = metrics.get("served_metrics") or metrics.get("model", {})
        # In a fixed order: PostgreSQL's jsonb does not keep the order the keys were written in.
        order = list(SERVED_NAMES)
        baselines = dict(
            sorted(metrics.get("baselines", {}).items(), key=lambda item: (order + [item[0]]).index(item[0]))
        )

        def versus(key: str, show) -> str:
            figures = [
                f"{served_name(name)} {show(values[key])}" for name, values in baselines.items() if key in values
            ]
            return f" ({', '.join(figures)})" if figures else ""

        if "auc_roc" in served:
            return (
                f"AUC {served['auc_roc']:.3f}{versus('auc_roc', lambda v: f'{v:.3f}')}, "
                f"Brier {served.get('brier', float('nan')):.3f}"
            )
        if "rmse" in served:
            parts = [
                f"RMSE {format_tk(round(served['rmse']))}{versus('rmse', lambda v: format_tk(round(v)))}",
                gettext("total %(ratio).2f× actual") % {"ratio": served["total_ratio"]},
            ]
        elif "mae" in served:  # runs from before the champion
            parts = [f"MAE {format_tk(round(served['mae']))}{versus('mae', lambda v: format_tk(round(v)))}"]
        else:
            return "—"
        parts.append(gettext("80%% interval covers %(coverage).0f%%") % {"coverage": 100 * served["coverage"]})
        return ", ".join(parts)

    @admin.display(description=_("why this is served"))
    def decision_reason(self, obj: ModelPerformance) -> str:
        metrics = obj.metrics or {}
        levels = [f"Level: {note}" for key in ("season", "hedge") if (note := metrics.get("decision", {}).get(key))]
        sentences = [obj.decision_reason, *levels, *metrics.get("warnings", [])]
        return " ".join(text if text.endswith(".") else f"{text}." for text in sentences if text) or "—"

    @admin.display(description=_("metrics"))
    def metrics_pretty(self, obj: ModelPerformance) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.metrics, indent=2, ensure_ascii=False, sort_keys=True))


@admin.register(ModelVersion)
class ModelVersionAdmin(FixedRowsAdmin):
    """The registry: activate a version (or roll back to an older one) with the action; nothing else is editable."""

    list_display = ("version", "kind", "as_of", "is_active", "created_at", "activated_at", "activated_by")
    list_filter = ("kind", "is_active")
    list_select_related = ("activated_by",)
    search_fields = ("version",)
    readonly_fields = (
        "kind",
        "version",
        "as_of",
        "is_active",
        "created_at",
        "activated_at",
        "activated_by",
        "metadata_pretty",
    )
    fields = readonly_fields
    actions = ("activate",)

    @admin.display(description=_("metadata"))
    def metadata_pretty(self, obj: ModelVersion) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.metadata, indent=2, sort_keys=True, default=str))

    @admin.action(
        description=_("Activate the selected version (roll back by activating an older one)"), permissions=["change"]
    )
    def activate(self, request: HttpRequest, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, gettext("Select exactly one version to activate."), messages.ERROR)
            return
        version = queryset.get()
        if not request.user.is_authenticated:  # the admin lets only staff in; this tells the type checker so
            raise PermissionDenied
        try:
            model_version_activate(version=version.version, user=request.user)
        except ArtifactError as exc:
            self.message_user(
                request,
                gettext("%(version)s was not activated: %(error)s") % {"version": version.version, "error": exc},
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            gettext("%(version)s is now the active %(kind)s model.")
            % {"version": version.version, "kind": version.get_kind_display()},
        )


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(SingletonAdmin):
    list_display = (
        "__str__",
        "medium_risk_from",
        "high_risk_from",
        "critical_risk_from",
        "churn_window_days",
        "ltv_horizon_days",
        "updated_at",
    )
