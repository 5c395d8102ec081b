"""Model quality beside the classical baselines, on two worlds and two history lengths (no database needed).

For the marketplace world (the generator behind the demo) and the transaction world (one cohort, only id, date and
amount; `generate_data --profile transactions`), at 9 and 12 months of history, one table per world:

- churn: AUC-ROC, PR-AUC, Brier score and calibration ("calib.": the largest gap between mean predicted and actual churn
  over tenths of customers ranked by prediction) for our model, the blend, what is served and every baseline;
- value: Spearman, MAE, RMSE, predicted ÷ actual total and the 80% interval's coverage, over the observed horizon;

first on the training run's own out-of-time holdout (what the champion decides on), then out of time for what is
served: trained as of 90 days before the end of the history, scored that day, compared with the 90 days that
followed (value over a 90-day horizon).

    cd bench && ../.venv/bin/python bench_quality.py [--customers 20000] [--seed 3]

With `--seeds N` it measures instead how the value total holds out of time across N seeds of the transaction world
and four scoring days spread over the year (each log ends on the last day of January, April, July or October and is
scored 90 days before), at 12 and 15 months, with and without its seasons (`transactions_simulate(seasons=False)`;
there the day makes no difference, so four times as many seeds instead): what separates the season's effect from
the age drift's, and a seed's luck from a bias. Each block ends with the mean ratio, the mean |log| error (0.10:
about 10% off) and how many cells are within ±10% (about 5 minutes for 2 seeds at 10,000):

    cd bench && ../.venv/bin/python bench_quality.py --seeds 2 --customers 10000
"""

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from customers.synthetic.simulate import simulate, simulation_history  # noqa: E402
from customers.synthetic.transactions import transaction_history, transactions_simulate  # noqa: E402
from mlcore.churn import baseline_scores, churn_labels, churn_train  # noqa: E402
from mlcore.features import History, HistoryTooShort, build_features  # noqa: E402
from mlcore.ltv import LtvConfig, classical_spend, ltv_train, spend_between  # noqa: E402
from mlcore.metrics import binary_metrics, interval_metrics, point_metrics  # noqa: E402

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)
CHURN_ROWS = ("model", "blend", "served", "recency", "bg_nbd", "pareto_nbd")
VALUE_ROWS = ("model", "blend", "served", "bg_nbd_gamma_gamma", "pareto_nbd_gamma_gamma", "zero")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def churn_line(name: str, values: dict[str, float]) -> str:
    return (
        f"  {name:<24}{values['auc_roc']:>8.3f}{values['pr_auc']:>8.3f}{values['brier']:>8.4f}"
        f"{values['calibration_max_gap']:>8.3f}"
    )


def value_line(name: str, values: dict[str, float]) -> str:
    coverage = f"{values['coverage']:>9.1%}" if "coverage" in values else f"{'':>9}"
    return (
        f"  {name:<24}{values['spearman']:>9.3f}{values['mae']:>10,.0f}{values['rmse']:>10,.0f}"
        f"{values['total_ratio']:>8.2f}{coverage}"
    )


def world(name: str, history: History) -> None:
    print(f"\n## {name}: {history.customers.shape[0]:,} customers, {history.bookings.shape[0]:,} bookings\n")
    started = time.perf_counter()
    _, churn = churn_train(history, AS_OF)
    _, value = ltv_train(history, AS_OF)
    log(f"{name}: trained in {time.perf_counter() - started:.1f} s")
    print(f"churn on the holdout of {churn.holdout_cutoff} (n = {churn.n_holdout:,}), served: {churn.served}")
    print(f"  {'':<24}{'AUC':>8}{'PR-AUC':>8}{'Brier':>8}{'calib.':>8}")
    for row in CHURN_ROWS:
        if row in churn.metrics:
            print(churn_line(row, churn.metrics[row]))
    print(f"value over {value.observed_days} days on the holdout of {value.holdout_cutoff}, served: {value.served}")
    print(f"  {'':<24}{'Spearman':>9}{'MAE Tk':>10}{'RMSE Tk':>10}{'total':>8}{'coverage':>9}")
    for row in VALUE_ROWS:
        if "rmse" in value.metrics.get(row, {}):
            print(value_line(row, value.metrics[row]))
    out_of_time(history)


def out_of_time(history: History) -> None:
    """Trained 90 days before the end, scored that day, compared with the 90 days that followed."""
    day = AS_OF - dt.timedelta(days=90)
    try:
        model, _ = churn_train(history, day)
    except HistoryTooShort as exc:
        print(f"out of time: not measured, 90 days earlier {exc}")
        return
    ltv_model, _ = ltv_train(history, day, LtvConfig(horizon_days=90))
    features = build_features(history, day)
    churned = churn_labels(history, day, 90, features.index).to_numpy()
    matrix = model.matrix(features)
    print(f"out of time: trained and scored on {day}, against the 90 days that followed (n = {len(features):,})")
    print(f"  {'churn':<24}{'AUC':>8}{'PR-AUC':>8}{'Brier':>8}{'calib.':>8}")
    served = model.predict_proba(features)
    print(churn_line(f"served ({model.serving.served})", binary_metrics(churned, served)))
    for name in ("recency", "bg_nbd", "pareto_nbd"):
        scores = baseline_scores(name, matrix, model.recency, model.patterns, 90)
        print(churn_line(name, binary_metrics(churned, scores)))
    spent = spend_between(history, day, 90, features.index).to_numpy()
    predicted = ltv_model.predict(features)
    print(f"  {'value':<24}{'Spearman':>9}{'MAE Tk':>10}{'RMSE Tk':>10}{'total':>8}{'coverage':>9}")
    print(
        value_line(
            f"served ({ltv_model.serving.served})",
            interval_metrics(spent, *(predicted[column].to_numpy() for column in ("ltv", "ltv_low", "ltv_high"))),
        )
    )
    if ltv_model.gamma_gamma is not None:
        for curve in ltv_model.patterns.fitted:
            forecast = classical_spend(features, ltv_model.patterns, curve, ltv_model.gamma_gamma, 90)
            print(value_line(f"{curve}_gamma_gamma", point_metrics(spent, forecast)))
    print(value_line("zero", point_metrics(spent, np.zeros(len(spent)))))


SCORING_ENDS = (dt.date(2026, 1, 31), dt.date(2026, 4, 30), dt.date(2026, 7, 31), dt.date(2026, 10, 31))


def value_total_out_of_time(history: History, end: dt.date) -> dict[str, float]:
    """Predicted ÷ actual total over the last 90 days to `end`, trained and scored on their first day: served, and
    each classical forecast."""
    day = end + dt.timedelta(days=1) - dt.timedelta(days=90)
    model, _ = ltv_train(history, day, LtvConfig(horizon_days=90))
    features = build_features(history, day)
    spent = spend_between(history, day, 90, features.index).to_numpy().sum()
    totals = {f"served ({model.serving.served})": float(model.predict(features)["ltv"].sum())}
    if model.gamma_gamma is not None:
        for curve in model.patterns.fitted:
            totals[curve] = float(classical_spend(features, model.patterns, curve, model.gamma_gamma, 90).sum())
    return {name: total / spent for name, total in totals.items()}


def seeds_out_of_time(customers: int, seeds: int) -> None:
    print(
        "# Value total out of time (predicted ÷ actual, the 90 days after the scoring day), transaction world, "
        f"{customers:,} customers; with seasons seeds 1-{seeds} on each of {len(SCORING_ENDS)} days, without seasons "
        f"seeds 1-{len(SCORING_ENDS) * seeds}"
    )
    columns = {"served": "total", "bg_nbd": "BG/NBD×GG", "pareto_nbd": "P/NBD×GG"}
    for months in (12, 15):
        for seasons in (False, True):
            print(f"\n{months} months, {'with' if seasons else 'without'} seasons")
            print(f"  {'to':<12}{'seed':<6}{'served':<24}" + "".join(f"{name:>11}" for name in columns.values()))
            ratios: dict[str, list[float]] = {name: [] for name in columns}
            # Without seasons the day scored on makes no difference: as many cells, from more seeds, instead.
            cells = (
                [(end, seed) for end in SCORING_ENDS for seed in range(1, seeds + 1)]
                if seasons
                else [(END, seed) for seed in range(1, len(SCORING_ENDS) * seeds + 1)]
            )
            for end, seed in cells:
                log(f"transactions, {months} months to {end}, seasons {seasons}, seed {seed}")
                log_ = transactions_simulate(
                    n_customers=customers, months=months, seed=seed, end_date=end, seasons=seasons
                )
                cell = value_total_out_of_time(transaction_history(log_), end)
                served = next(name for name in cell if name.startswith("served"))
                cell["served"] = cell.pop(served)
                line = f"  {end.isoformat():<12}{seed:<6}{served.removeprefix('served (').rstrip(')'):<24}"
                for name in columns:
                    ratios[name].append(cell.get(name, float("nan")))
                    line += f"{ratios[name][-1]:>11.2f}"
                print(line)
            for label, figure in (
                ("mean", lambda values: f"{np.nanmean(values):>11.2f}"),
                ("mean |log|", lambda values: f"{np.nanmean(np.abs(np.log(values))):>11.3f}"),
                ("within ±10%", lambda values: f"{int(np.sum(np.abs(np.asarray(values) - 1) <= 0.10)):>11}"),
            ):
                print(f"  {label:<42}" + "".join(figure(values) for values in ratios.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=0, help="measure the value total out of time over this many seeds")
    args = parser.parse_args()
    if args.seeds:
        seeds_out_of_time(args.customers, args.seeds)
        return
    pd.set_option("display.width", 160)
    print(f"# Model quality as of {AS_OF}, {args.customers:,} customers per world, seed {args.seed}")
    for months in (9, 12):
        log(f"simulating the marketplace, {months} months")
        marketplace = simulate(n_customers=args.customers, years=months / 12, seed=args.seed, end_date=END)
        world(f"marketplace, {months} months", simulation_history(marketplace))
        log(f"simulating the transaction log, {months} months")
        log_ = transactions_simulate(n_customers=args.customers, months=months, seed=args.seed, end_date=END)
        world(f"transactions, {months} months", transaction_history(log_))


if __name__ == "__main__":
    main()
