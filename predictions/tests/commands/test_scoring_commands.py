"""score_customers and export_predictions on the generated marketplace."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from mlcore.features import cutoff_of
from predictions.models import Prediction, RiskCategory
from predictions.services.scoring import customers_score
from predictions.tests.conftest import AS_OF
from predictions.tests.factories import OutsiderBookingFactory, OutsiderCustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("marketplace")]

FIXED_COLUMNS = [
    "customer_id",
    "as_of",
    "churn_probability",
    "risk_category",
    "ltv",
    "ltv_low",
    "ltv_high",
    "segment",
    "loyalty_tier",
]
REASON_COLUMNS = [f"reason_{i}_{part}" for i in range(1, 6) for part in ("feature", "contribution", "en", "bn")]


def customers_with_a_booking_before(day: dt.date) -> int:
    from customers.models import Customer

    return Customer.objects.filter(bookings__booked_at__lt=cutoff_of(day).to_pydatetime()).distinct().count()


def read_csv(path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_score_customers_scores_as_of_the_day_after_the_last_booking(active_models):
    # given
    out = io.StringIO()
    expected = customers_with_a_booking_before(AS_OF)

    # when
    call_command("score_customers", "--chunk-size", "500", stdout=out, verbosity=0)

    # then
    assert Prediction.objects.filter(as_of=AS_OF).count() == expected == Prediction.objects.count()
    message = out.getvalue()
    assert message.startswith(f"Scored {expected:,} customers as of 2026-11-01 in 3 chunks (load ")
    assert "; 0 changed segment; tiers: {'assigned': " in message


def test_score_customers_without_a_trained_model_says_how_to_train_one(db):
    with pytest.raises(CommandError) as raised:
        call_command("score_customers", "--as-of", "2026-11-01", verbosity=0)

    assert str(raised.value) == (
        "there is no active churn model yet: train one with `python manage.py train_models` "
        "(or POST /api/admin/retrain)"
    )
    assert not Prediction.objects.exists()


def test_export_writes_the_fixed_columns_first_then_the_reasons(active_models, tmp_path):
    # given
    customers_score(as_of=AS_OF)
    out_file = tmp_path / "predictions.csv"
    out = io.StringIO()

    # when
    call_command("export_predictions", "--out", str(out_file), stdout=out)

    # then
    header, rows = read_csv(out_file)
    assert header == FIXED_COLUMNS + REASON_COLUMNS
    assert len(rows) == Prediction.objects.count() == customers_with_a_booking_before(AS_OF)
    assert [row["customer_id"] for row in rows] == sorted(row["customer_id"] for row in rows)
    assert {row["as_of"] for row in rows} == {"2026-11-01"}
    assert {row["risk_category"] for row in rows} <= set(RiskCategory.values)
    assert all(Decimal(row["ltv_low"]) <= Decimal(row["ltv"]) <= Decimal(row["ltv_high"]) for row in rows)
    assert all(row["reason_5_en"] and row["reason_5_bn"] for row in rows)
    assert out.getvalue() == f"{len(rows):,} predictions as of 2026-11-01 written to {out_file}\n"


def test_export_keeps_the_external_id_exactly_as_given(active_models, tmp_path):
    # given
    customer = OutsiderCustomerFactory(external_id="000123", joined_at=dt.datetime(2025, 1, 5, tzinfo=dt.UTC))
    for day in (dt.date(2025, 3, 2), dt.date(2025, 9, 14), dt.date(2026, 6, 20)):
        OutsiderBookingFactory(customer=customer, booked_at=dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC))
    customers_score(as_of=AS_OF)
    prediction = Prediction.objects.get(customer=customer)
    out_file = tmp_path / "predictions.csv"

    # when
    call_command("export_predictions", "--out", str(out_file), "--as-of", "2026-11-01", verbosity=0)

    # then
    _, rows = read_csv(out_file)
    row = next(row for row in rows if row["customer_id"] == "000123")
    assert rows[0] is row  # "000123" sorts before the generated C… ids
    assert out_file.read_text(encoding="utf-8").splitlines()[1].startswith("000123,2026-11-01,")
    assert {key: row[key] for key in FIXED_COLUMNS} == {
        "customer_id": "000123",
        "as_of": "2026-11-01",
        "churn_probability": str(prediction.churn_probability),
        "risk_category": prediction.risk_category,
        "ltv": str(prediction.ltv),
        "ltv_low": str(prediction.ltv_low),
        "ltv_high": str(prediction.ltv_high),
        "segment": prediction.segment,
        "loyalty_tier": prediction.loyalty_tier,
    }
    first = prediction.reasons[0]
    assert [row["reason_1_feature"], row["reason_1_en"], row["reason_1_bn"]] == [
        first["feature"],
        first["text_en"],
        first["text_bn"],
    ]
    assert float(row["reason_1_contribution"]) == first["contribution"]


def test_export_before_any_scoring_says_to_score_first(db, tmp_path):
    with pytest.raises(
        CommandError, match=r"^nothing has been scored yet: run `python manage\.py score_customers` first$"
    ):
        call_command("export_predictions", "--out", str(tmp_path / "out.csv"))


def test_export_of_a_day_without_predictions_is_refused(active_models, tmp_path):
    # given
    customers_score(as_of=AS_OF)

    # when / then
    with pytest.raises(CommandError, match=r"^no predictions as of 2026-01-01$"):
        call_command("export_predictions", "--out", str(tmp_path / "out.csv"), "--as-of", "2026-01-01")
    assert not (tmp_path / "out.csv").exists()
