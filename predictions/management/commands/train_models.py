"""python manage.py train_models [--as-of YYYY-MM-DD] [--churn-window-days 90] [--ltv-horizon-days 1095]"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from predictions.models import served_name
from predictions.services.training import ModelTrainingError, models_train


class Command(BaseCommand):
    help = "Train the churn, lifetime-value and segmentation models, record their metrics and activate them."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: day after last booking)")
        parser.add_argument("--churn-window-days", type=int, help="default: the scoring settings' (90)")
        parser.add_argument("--ltv-horizon-days", type=int, help="default: the scoring settings' (1095)")
        parser.add_argument("--no-activate", action="store_true", help="register the new versions but keep the old")

    def handle(self, *args, as_of, churn_window_days, ltv_horizon_days, no_activate, **options):
        if churn_window_days is not None and churn_window_days < 14:
            raise CommandError("--churn-window-days must be at least 14")
        try:
            result = models_train(
                as_of=as_of,
                churn_window_days=churn_window_days,
                ltv_horizon_days=ltv_horizon_days,
                activate=not no_activate,
            )
        except ModelTrainingError as exc:
            raise CommandError(f"training stopped, the active models are unchanged: {exc}") from exc
        self.stdout.write(
            f"Trained as of {result.as_of} in {result.seconds['total']:.1f} s: "
            + ", ".join(f"{kind} {version}" for kind, version in result.versions.items())
        )
        for kind, title in (("churn", "Churn"), ("ltv", "Lifetime value")):
            performance = result.metrics[kind]
            self.stdout.write(f"{title}: serving {served_name(performance['served'])}")
            self.stdout.write(f"  {performance['decision']['reason']}")
            if performance.get("fallback"):
                continue
            if kind == "churn":
                self._churn_figures(performance, result.churn_window_days)
            else:
                self._value_figures(performance)
        self.stdout.write(self.style.SUCCESS("Done." if not no_activate else "Done (not activated)."))

    def _churn_figures(self, performance: dict, window_days: int) -> None:
        served, baselines = performance["served_metrics"], performance["baselines"]
        versus = ", ".join(f"{served_name(name)} {values['auc_roc']:.3f}" for name, values in baselines.items())
        self.stdout.write(
            f"  out of time: AUC {served['auc_roc']:.3f} ({versus}), Brier {served['brier']:.3f}; "
            f"our model alone AUC {performance['model']['auc_roc']:.3f}"
        )
        active = performance["recently_active"]
        if active:
            versus = ", ".join(
                f"{served_name(name)} {active[name]['auc_roc']:.3f}" for name in baselines if name in active
            )
            self.stdout.write(
                f"  customers active in the last {2 * window_days} days: our model AUC "
                f"{active['model']['auc_roc']:.3f} ({versus})"
            )

    def _value_figures(self, performance: dict) -> None:
        served = performance["served_metrics"]
        versus = ", ".join(
            f"{served_name(name)} Tk {values['rmse']:,.0f}"
            for name, values in performance["baselines"].items()
            if "rmse" in values
        )
        self.stdout.write(
            f"  out of time over {performance['observed_days']} days: RMSE Tk {served['rmse']:,.0f} ({versus}), "
            f"MAE Tk {served['mae']:,.0f}, predicted ÷ actual total {served['total_ratio']:.2f}, "
            f"80% interval covers {served['coverage']:.1%}"
        )
        self.stdout.write(f"  {performance['extension']['note']}")
        decision = performance.get("decision", {})
        level = "; ".join(decision[key] for key in ("season", "hedge") if decision.get(key))
        if level:
            self.stdout.write(f"  level: {level}")
        for warning in performance.get("warnings", []):
            self.stdout.write(self.style.WARNING(f"  Note: {warning}"))
