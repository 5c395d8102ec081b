"""End to end: generate a marketplace, train, score, export, and read the results back through the API."""

import csv
import datetime as dt
import io
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.models import Customer
from customers.tests.factories import UserFactory
from loyalty.models import CustomerLoyalty
from mlcore.features import cutoff_of
from predictions.models import ModelKind, ModelPerformance, ModelVersion, Prediction

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

AS_OF = dt.date(2026, 11, 1)
TRAINED = re.compile(
    r"^Trained as of 2026-11-01 in [\d.]+ s: churn (churn-\d{8}-\d{6}), ltv (ltv-\d{8}-\d{6}), "
    r"segmentation (segmentation-\d{8}-\d{6})$"
)
SERVING = re.compile(r"^(Churn|Lifetime value): serving (.+)$")
CHURN = re.compile(
    r"^  out of time: AUC (0\.\d{3}) \(recency (0\.\d{3}), BG/NBD (0\.\d{3}), Pareto/NBD (0\.\d{3})\), Brier 0\.\d{3}; "
    r"our model alone AUC 0\.\d{3}$"
)
ACTIVE = re.compile(
    r"^  customers active in the last 180 days: our model AUC 0\.\d{3} "
    r"\(recency 0\.\d{3}, BG/NBD 0\.\d{3}, Pareto/NBD 0\.\d{3}\)$"
)
LTV = re.compile(
    r"^  out of time over 360 days: RMSE Tk [\d,]+ \(BG/NBD\+GG Tk [\d,]+, Pareto/NBD\+GG Tk [\d,]+, "
    r"predict zero Tk [\d,]+\), MAE Tk [\d,]+, "
    r"predicted ÷ actual total (\d\.\d\d), 80% interval covers (\d+\.\d)%$"
)


def matched(pattern: re.Pattern[str], line: str) -> re.Match[str]:
    match = pattern.match(line)
    assert match, f"{line!r} does not match {pattern.pattern!r}"
    return match


def test_generate_train_score_export_and_serve(settings, tmp_path, staff_client):
    # given
    settings.MODEL_ARTIFACTS_DIR = tmp_path / "models"
    call_command("generate_data", customers=1500, years=3, seed=3, end_date=dt.date(2026, 10, 31), verbosity=0)
    with_bookings = Customer.objects.filter(bookings__booked_at__lt=cutoff_of(AS_OF).to_pydatetime()).distinct()
    trained, scored = io.StringIO(), io.StringIO()

    # when
    call_command("train_models", "--as-of", "2026-11-01", stdout=trained)
    call_command("score_customers", stdout=scored, verbosity=0)
    call_command("export_predictions", "--out", str(tmp_path / "predictions.csv"), stdout=io.StringIO())

    # then: training reported each model beside its baselines and activated all three
    lines = trained.getvalue().splitlines()
    assert len(lines) == 11
    versions = matched(TRAINED, lines[0]).groups()
    assert dict(ModelVersion.objects.filter(is_active=True).values_list("kind", "version")) == dict(
        zip(ModelKind.values, versions, strict=True)
    )
    assert matched(SERVING, lines[1]).group(1) == "Churn"
    assert "on every criterion" in lines[2]  # why it is served, with the figures
    served_auc, *baseline_aucs = (float(value) for value in matched(CHURN, lines[3]).groups())
    assert served_auc >= max(baseline_aucs)
    assert ACTIVE.match(lines[4])
    assert matched(SERVING, lines[5]).group(1) == "Lifetime value"
    assert "on every criterion" in lines[6]
    total_ratio, coverage = (float(value) for value in matched(LTV, lines[7]).groups())
    assert abs(total_ratio - 1) <= 0.10
    assert abs(coverage - 80) <= 7
    ltv_metrics = ModelPerformance.objects.get(model_kind="ltv").metrics
    assert lines[8] == "  " + ltv_metrics["extension"]["note"]
    # three years hold the year before the holdout: the level is moved to the scoring window's season, or says why not
    decision = ltv_metrics["decision"]
    assert lines[9] == f"  level: {decision['season']}; {decision['hedge']}"
    assert lines[10] == "Done."
    assert ModelPerformance.objects.count() == 3

    # then: every customer with a booking was scored once, with a tier and a segment
    count = with_bookings.count()
    assert scored.getvalue().startswith(f"Scored {count:,} customers as of 2026-11-01 in 1 chunks (")
    assert Prediction.objects.filter(as_of=AS_OF).count() == count == CustomerLoyalty.objects.count()
    assert not Prediction.objects.filter(loyalty_tier="").exists()
    assert not Prediction.objects.filter(segment="").exists()

    # then: the export holds the same rows
    with open(tmp_path / "predictions.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == count
    assert {row["customer_id"] for row in rows} == set(with_bookings.values_list("external_id", flat=True))

    # then: the API serves the scores to staff and to the customer themself
    customer = with_bookings.order_by("pk").first()
    assert customer is not None
    prediction = Prediction.objects.get(customer=customer)
    with mock.patch.object(timezone, "localdate", return_value=dt.date(2026, 10, 31)):
        live = staff_client.post("/api/predict/churn", {"customer_id": customer.external_id}, format="json")
    assert live.status_code == 200
    assert (live.json()["churn_probability"], live.json()["reasons"]) == (
        prediction.churn_probability,
        prediction.reasons,
    )
    dashboard = staff_client.get("/api/predictions/dashboard").json()
    at_risk = staff_client.get("/api/predictions/at-risk").json()
    assert dashboard["customers"] == count
    assert dashboard["at_risk"] == at_risk["count"] == Prediction.objects.filter(churn_probability__gte=0.6).count()
    customer.user = UserFactory()
    customer.save(update_fields=["user"])
    staff_client.force_authenticate(customer.user)
    profile = staff_client.get(f"/api/customers/{customer.external_id}").json()
    loyalty = staff_client.get(f"/api/customers/{customer.external_id}/loyalty").json()
    # the customer sees their tier; the prediction and segment are staff data
    assert (profile["prediction"], profile["segment"], profile["loyalty_tier"]) == (None, "", prediction.loyalty_tier)
    assert loyalty["tier"]["name"] == prediction.loyalty_tier
    assert loyalty["history"][0]["valid_from"] == "2026-11-01"
