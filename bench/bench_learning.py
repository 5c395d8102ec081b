"""Benchmark: does the engine learn which interventions work? Two rounds of the loop with a known simulated effect.

Round 1 (scoring day T0): models trained as of T0 score every customer, the engine proposes with its priors and holds
out its control group; staff reject the quarter of proposals with the lowest risk-adjusted ROI and the rest are sent
(codes, redemptions and messages are skipped: the bench measures learning, so its "measured ROI" counts no redeemed
discounts); customers respond: someone who did not book in the 90 days after T0 in the data books once (a "saved"
booking is added) with probability equal to the true uplift of the action they were sent (`true_uplift` below;
hidden from the engine). Outcomes are then judged exactly as the nightly job judges them, and the engine measures the
effect of sending against the control group (intent to treat ÷ share sent: see mlcore/experiments.py).

Round 2 (T1 = T0 + 91 days, whose 90-day window ends with the data): the engine's inputs for every at-risk customer
are gathered once and three engines decide on them: the priors only, the uplift measured per action × segment in
round 1, and each customer's own uplift from the uplift model. Each engine's choices are scored against the truth:
customers saved = Σ over the proposed customers who in fact did not book in the window of the true uplift of the
action chosen for them; value saved = the same weighted by the value if retained (the engine's own valuation, not
realised spend). The engines make different numbers of offers, so per-offer figures are printed beside the totals.
It refuses to run on a database whose name does not contain "bench": it deletes every intervention.

The benchmark database is put back afterwards: the saved bookings, interventions and both days' predictions are
deleted and the previously active models re-activated (segment and tier history rows for T0 and T1 stay).
"""

import argparse
import dataclasses
import datetime as dt
import os
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from bench_data import DEFAULT_URL, ROOT, log, setup_django

T1 = dt.date(2026, 8, 3)
T0 = T1 - dt.timedelta(days=91)
WINDOW = dt.timedelta(days=90)
SAVED_PREFIX = "BENCH-SAVED-"


def true_uplift(features: pd.DataFrame, action: str) -> np.ndarray:
    """The simulated effect of `action` on each customer who would otherwise leave: the chance it brings them back.
    It depends on what the customer is like, which the engine sees only through outcomes (mlcore.simulation)."""
    from mlcore.simulation import simulated_uplift

    return simulated_uplift(features, action)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def booked_in_window(customer_ids: list[int], start: dt.date) -> set[int]:
    from customers.models import Booking, BookingStatus
    from mlcore.features import cutoff_of

    return set(
        Booking.objects.filter(
            customer_id__in=customer_ids,
            status=BookingStatus.COMPLETED,
            booked_at__gte=cutoff_of(start).to_pydatetime(),
            booked_at__lt=cutoff_of(start + WINDOW).to_pydatetime(),
        ).values_list("customer_id", flat=True)
    )


def features_on(day: dt.date, customer_ids) -> pd.DataFrame:
    from mlcore.features import build_features
    from predictions.selectors import history_load

    return build_features(history_load(before=day), day, customer_ids=pd.Index(customer_ids))


def decide_and_respond(seed: int) -> tuple[dict[str, int], dict[str, float]]:
    """Round 1: staff decide, and customers respond to what they were sent. Returns counts, and per action the true
    effect among those sent (the share of them the action brings back who would not have come back anyway), to set
    beside the measured one."""
    from customers.models import Booking, BookingStatus, Service
    from interventions.models import Intervention, InterventionStatus

    rng = np.random.default_rng(seed)
    rows = pd.DataFrame(
        list(
            Intervention.objects.filter(as_of=T0).values_list(
                "pk", "customer_id", "action", "status", "service_id", "risk_adjusted_roi"
            )
        ),
        columns=["pk", "customer_id", "action", "status", "service_id", "risk_adjusted_roi"],
    )
    Intervention.objects.filter(as_of=T0).update(created_at=at(T0))
    proposed = rows[rows["status"] == InterventionStatus.PROPOSED]
    rejected = proposed["risk_adjusted_roi"] < proposed["risk_adjusted_roi"].quantile(0.25)
    Intervention.objects.filter(pk__in=proposed.loc[rejected, "pk"].tolist()).update(
        status=InterventionStatus.REJECTED, decided_at=at(T0)
    )
    treated = proposed[~rejected]
    Intervention.objects.filter(pk__in=treated["pk"].tolist()).update(
        status=InterventionStatus.SENT, sent_at=at(T0), expires_at=at(T0 + dt.timedelta(days=14))
    )
    came_back = booked_in_window(treated["customer_id"].tolist(), T0)
    features = features_on(T0, treated["customer_id"])
    fallback = Service.objects.order_by("pk").first()
    assert fallback is not None  # the catalogue migration made the services
    saved: list[Booking] = []
    truth: dict[str, float] = {}
    for key, group in treated.groupby("action"):
        action = str(key)
        everyone = len(group)
        group = group[group["customer_id"].isin(features.index) & ~group["customer_id"].isin(came_back)]
        chance = true_uplift(features.loc[group["customer_id"]], action)
        truth[action] = float(chance.sum() / everyone)
        records: Iterator[Any] = group.itertuples()  # namedtuples of the columns of `rows`
        for row, won in zip(records, rng.random(len(group)) < chance, strict=True):
            if not won:
                continue
            spend = float(features["spend_avg"][row.customer_id]) or 1000.0
            when = at(T0 + dt.timedelta(days=int(rng.integers(3, 60))))
            saved.append(
                Booking(
                    external_id=f"{SAVED_PREFIX}{row.pk}",
                    customer_id=row.customer_id,
                    service_id=row.service_id or fallback.pk,
                    booked_at=when,
                    scheduled_at=when,
                    completed_at=when,
                    amount=Decimal(str(round(spend, 2))),
                    status=BookingStatus.COMPLETED,
                )
            )
    Booking.objects.bulk_create(saved, batch_size=2000)
    counts = {"rejected": int(rejected.sum()), "sent": len(treated), "came back anyway": len(came_back)}
    return {**counts, "saved": len(saved)}, truth


def evaluate(name: str, proposals: pd.DataFrame, frame: pd.DataFrame, truth: dict, margin: float) -> dict:
    from mlcore.offers import if_retained

    left = ~proposals.index.isin(truth["came_back"])
    saved = np.zeros(len(proposals))
    for action in proposals["action"].unique():
        rows = (proposals["action"] == action).to_numpy()
        known = proposals.index[rows].isin(truth["features"].index)
        chance = np.zeros(rows.sum())
        chance[known] = true_uplift(truth["features"].loc[proposals.index[rows][known]], action)
        saved[rows] = chance
    saved = saved * left
    value = np.array([if_retained(frame["ltv"][pk], frame["churn_probability"][pk]) * margin for pk in proposals.index])
    cost = float(proposals["cost"].sum())
    recovered = float((saved * value).sum())
    return {
        "engine": name,
        "offers": len(proposals),
        "saved": float(saved.sum()),
        "value": recovered,
        "cost": cost,
        "net": recovered - cost,
        "roi": (recovered - cost) / cost if cost else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("MODEL_ARTIFACTS_DIR", str(ROOT / "var" / "bench-models"))
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit(f"refusing {url}: this benchmark deletes every intervention; use a database named *bench*")
    setup_django(url)
    from customers.models import Booking
    from interventions.models import Intervention, InterventionEvent, InterventionSettings, InterventionStatus
    from interventions.services.outcomes import interventions_track_outcomes, roi_measured, uplift_estimates
    from interventions.services.proposals import interventions_propose, proposal_inputs
    from mlcore.offers import propose
    from predictions.models import ModelKind, Prediction
    from predictions.services.registry import active_version, model_version_activate
    from predictions.services.scoring import customers_score
    from predictions.services.training import models_train

    kinds = (ModelKind.CHURN, ModelKind.LTV, ModelKind.SEGMENTATION)
    previous = [active_version(kind).version for kind in kinds]

    def clean() -> None:
        InterventionEvent.objects.all().delete()
        Intervention.objects.all().delete()
        Booking.objects.filter(external_id__startswith=SAVED_PREFIX).delete()
        Prediction.objects.filter(as_of__in=[T0, T1]).delete()

    clean()
    try:
        log(f"round 1: training as of {T0}")
        models_train(as_of=T0)
        log(f"round 1: scoring and proposing as of {T0} (priors)")
        customers_score(as_of=T0)
        first = interventions_propose(as_of=T0)
        log(f"  {first.proposed:,} proposals, {first.control:,} control")
        responses, true_by_action = decide_and_respond(args.seed)
        log(f"  customers respond: {responses}")
        judged = interventions_track_outcomes(now=at(T0 + WINDOW + dt.timedelta(days=1)))
        Intervention.objects.filter(as_of=T0, status=InterventionStatus.SENT).update(status=InterventionStatus.EXPIRED)
        log(f"  outcomes: {judged}")
        estimates = [item for item in uplift_estimates() if not item.segment]
        measured = roi_measured()

        log(f"round 2: scoring as of {T1}; the three engines decide on the same customers")
        customers_score(as_of=T1)
        inputs = proposal_inputs(as_of=T1)
        settings_row = InterventionSettings.load()
        priors = dataclasses.replace(inputs.policy, uplift=dict(settings_row.uplift_priors or {}))
        plain = inputs.frame.drop(columns=["personal_uplift"], errors="ignore")
        truth = {
            "came_back": booked_in_window(list(inputs.frame.index), T1),
            "features": features_on(T1, inputs.frame.index),
        }
        margin = settings_row.margin_rate
        rows = [
            evaluate("priors only", propose(plain, priors), inputs.frame, truth, margin),
            evaluate("uplift per action × segment", propose(plain, inputs.policy), inputs.frame, truth, margin),
            evaluate("per-customer uplift model", propose(inputs.frame, inputs.policy), inputs.frame, truth, margin),
        ]
    finally:
        clean()
        for version in previous:
            model_version_activate(version=version, user=None)

    print(f"\nround 1 ({T0}): what the engine measured against the control group, per action")
    print(
        f"{'action':<22}{'proposed':>9}{'sent':>8}{'control':>9}{'true effect':>13}{'measured':>10}"
        f"{'engine uses':>13}{'measured ROI':>14}"
    )
    roi_by_action = {item.action: item.roi for item in measured}
    for item in sorted(estimates, key=lambda estimate: -estimate.proposed):
        roi = roi_by_action.get(item.action)
        print(
            f"{item.action:<22}{item.proposed:>9,}{item.sent:>8,}{item.control:>9,}"
            f"{true_by_action.get(item.action, 0):>13.3f}{item.measured_uplift:>10.3f}{item.uplift:>13.3f}"
            f"{(f'{roi:.1f}' if roi is not None else '—'):>14}"
        )
    print(f"\nround 2 ({T1}): {len(inputs.frame):,} at-risk customers; {inputs.uplift_source}")
    print(
        f"{'engine':<30}{'offers':>8}{'saved':>7}{'value saved Tk':>16}{'cost Tk':>12}{'net Tk':>14}{'ROI':>6}"
        f"{'saved/1k offers':>17}{'net/offer Tk':>14}"
    )
    for row in rows:
        print(
            f"{row['engine']:<30}{row['offers']:>8,}{row['saved']:>7.0f}{row['value']:>16,.0f}{row['cost']:>12,.0f}"
            f"{row['net']:>14,.0f}{row['roi']:>6.1f}{1000 * row['saved'] / row['offers']:>17.1f}"
            f"{row['net'] / row['offers']:>14,.0f}"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
