"""Benchmark on PostgreSQL: train_models and score_customers at 100k customers, beside the bare model calls."""

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

from bench_data import DEFAULT_URL, END_DATE, log, prepare_database, setup_django

AS_OF = END_DATE + datetime.timedelta(days=1)
SCORE_TARGET = 60.0  # seconds for 100k customers, end to end (MISSION.md)
TRAIN_TARGET = 180.0  # seconds (issue #3)
OVERHEAD_TARGET = 4.0  # end-to-end scoring at most 4x the bare model calls on the same matrix


def ensure_data(n_customers: int, seed: int) -> int:
    from django.core.management import call_command

    from customers.models import Customer

    existing = Customer.objects.count()
    if existing:
        log(f"using the {existing:,} customers already in the database")
        return existing
    log(f"generating {n_customers:,} customers x 3 years")
    call_command("generate_data", customers=n_customers, years=3, seed=seed, end_date=END_DATE, verbosity=0)
    return Customer.objects.count()


def bare_calls(as_of: datetime.date) -> tuple[dict[str, float], int]:
    """The model calls alone on the full feature matrix: what scoring cannot do faster than."""
    from mlcore.features import build_features
    from mlcore.segmentation import segmentation_assign
    from predictions.selectors import history_load
    from predictions.services.registry import active_model

    _, churn = active_model("churn")
    _, ltv = active_model("ltv")
    _, segmentation = active_model("segmentation")
    history = history_load(before=as_of)
    features = build_features(history, as_of)
    matrix = churn.matrix(features)
    seconds = {}
    started = time.perf_counter()
    probability = churn.calibrator.apply(churn.raw_scores(matrix))
    seconds["churn predict (inplace_predict)"] = time.perf_counter() - started
    started = time.perf_counter()
    churn.contributions(matrix)
    seconds["TreeSHAP (pred_contribs)"] = time.perf_counter() - started
    started = time.perf_counter()
    ltv.predict(features)
    seconds["LTV predict"] = time.perf_counter() - started
    started = time.perf_counter()
    segmentation_assign(segmentation, features.assign(churn_probability=probability))
    seconds["segment assign"] = time.perf_counter() - started
    return seconds, len(features)


def auc_line(metrics: dict) -> str:
    """Our model's AUC beside the classical baselines' (recency, BG/NBD, Pareto/NBD: whichever were fitted)."""
    baselines = metrics.get("baselines") or {k: v for k, v in metrics.items() if k not in ("model", "blend")}
    names = {"recency": "recency", "bg_nbd": "BG/NBD", "pareto_nbd": "Pareto/NBD"}
    others = ", ".join(f"{names.get(k, k)} {v['auc_roc']:.3f}" for k, v in baselines.items() if "auc_roc" in v)
    return f"AUC {metrics['model']['auc_roc']:.3f} ({others})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000, help="customers to generate if the DB is empty")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="drop the database and generate new data")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    # The benchmark's models go beside its own database, not into the demo's registry.
    os.environ.setdefault("MODEL_ARTIFACTS_DIR", str(Path(__file__).resolve().parent.parent / "var" / "bench-models"))
    prepare_database(url, keep=not args.fresh)
    setup_django(url)
    from django.core.management import call_command

    from predictions.services.scoring import customers_score
    from predictions.services.training import models_train

    call_command("migrate", verbosity=0)
    customers = ensure_data(args.customers, args.seed)

    log("training (churn, LTV, segmentation)")
    started = time.perf_counter()
    trained = models_train(as_of=AS_OF)
    train_seconds = time.perf_counter() - started
    churn, ltv = trained.metrics["churn"], trained.metrics["ltv"]

    log("scoring every customer (cold: first tier and segment assignment)")
    started = time.perf_counter()
    cold = customers_score(as_of=AS_OF)
    cold_seconds = time.perf_counter() - started
    log("scoring again (a rerun of the same day: replaces, never duplicates)")
    started = time.perf_counter()
    warm = customers_score(as_of=AS_OF)
    warm_seconds = time.perf_counter() - started
    log("bare model calls on the same matrix")
    bare, rows = bare_calls(AS_OF)
    bare_total = sum(bare.values())

    print()
    today = datetime.datetime.now(datetime.UTC).date()
    print(f"{today}, {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{customers:,} customers, {rows:,} scored as of {AS_OF}")
    print()
    print(f"{'stage':<44}{'seconds':>10}")
    print("-" * 54)
    for name, seconds in trained.seconds.items():
        print(f"train: {name:<37}{seconds:>10.1f}")
    for label, result, seconds in (("score (cold)", cold, cold_seconds), ("score (rerun)", warm, warm_seconds)):
        print(f"{label:<44}{seconds:>10.1f}")
        for name, stage_seconds in result.seconds.items():
            print(f"  {name:<42}{stage_seconds:>10.1f}")
    print("bare model calls:")
    for name, seconds in bare.items():
        print(f"  {name:<42}{seconds:>10.1f}")
    print(f"  {'total':<42}{bare_total:>10.1f}")
    print()
    print(f"churn out of time ({churn['served']} served): {auc_line(churn)}, Brier {churn['model']['brier']:.3f}")
    if churn.get("recently_active"):
        print(f"  recently active: {auc_line(churn['recently_active'])}")
    served, btyd = ltv["served_metrics"], ltv["baselines"].get("bg_nbd_gamma_gamma", {})
    print(
        f"LTV out of time ({ltv['served']} served): MAE Tk {served['mae']:,.0f} "
        f"(BG/NBD+GG Tk {btyd.get('mae', float('nan')):,.0f}), Spearman {served['spearman']:.3f} "
        f"({btyd.get('spearman', float('nan')):.3f}), 80% interval coverage {served['coverage']:.1%}"
    )
    print()
    overhead = warm_seconds / bare_total if bare_total else float("nan")
    verdicts = [
        (f"score_customers < {SCORE_TARGET:.0f} s", warm_seconds < SCORE_TARGET, f"{warm_seconds:.1f} s"),
        (f"train_models < {TRAIN_TARGET:.0f} s", train_seconds < TRAIN_TARGET, f"{train_seconds:.1f} s"),
        (f"scoring ≤ {OVERHEAD_TARGET:.0f}× the bare calls", overhead <= OVERHEAD_TARGET, f"{overhead:.1f}×"),
    ]
    for name, passed, value in verdicts:
        print(f"target {name}: {value}  {'PASS' if passed else 'FAIL'}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
