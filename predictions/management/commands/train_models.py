"""python manage.py train_models [--as-of YYYY-MM-DD] [--churn-window-days 90] [--ltv-horizon-days 1095]"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

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
        churn, ltv = result.metrics["churn"], result.metrics["ltv"]
        self.stdout.write(
            f"Trained as of {result.as_of} in {result.seconds['total']:.1f} s: "
            + ", ".join(f"{kind} {version}" for kind, version in result.versions.items())
        )
        self.stdout.write(
            "Churn, out of time: AUC {:.3f} (recency {:.3f}, BG/NBD {:.3f}), Brier {:.3f}".format(
                churn["model"]["auc_roc"],
                churn["recency"]["auc_roc"],
                churn["bg_nbd"]["auc_roc"],
                churn["model"]["brier"],
            )
        )
        active = result.metrics["churn_recently_active"]
        if active:
            self.stdout.write(
                "  customers active in the last {} days: AUC {:.3f} (recency {:.3f}, BG/NBD {:.3f})".format(
                    2 * result.churn_window_days,
                    active["model"]["auc_roc"],
                    active["recency"]["auc_roc"],
                    active["bg_nbd"]["auc_roc"],
                )
            )
        self.stdout.write(
            "LTV, out of time: MAE Tk {:,.0f} (BG/NBD+Gamma-Gamma Tk {:,.0f}), Spearman {:.3f} ({:.3f}), "
            "80% interval coverage {:.1%}".format(
                ltv["model"]["mae"],
                ltv["btyd"]["mae"],
                ltv["model"]["spearman"],
                ltv["btyd"]["spearman"],
                ltv["model"]["coverage"],
            )
        )
        self.stdout.write(self.style.SUCCESS("Done." if not no_activate else "Done (not activated)."))
