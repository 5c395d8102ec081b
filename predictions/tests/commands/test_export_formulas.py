"""export_predictions writes what a spreadsheet shows as text: formula-like ids quoted, numbers left alone."""

import csv
import datetime as dt

import pytest
from django.core.management import call_command

from predictions.tests.factories import PredictionFactory


@pytest.mark.django_db
def test_export_quotes_a_formula_like_customer_id_and_keeps_negative_contributions_numbers(tmp_path):
    # given
    reasons = [
        {"feature": "tenure_days", "value": 900, "contribution": -0.25, "text_en": "-", "text_bn": "=x"},
    ]
    PredictionFactory(as_of=dt.date(2026, 11, 1), customer__external_id="=cmd|' /C calc'!A0", reasons=reasons)
    out_file = tmp_path / "predictions.csv"

    # when
    call_command("export_predictions", "--out", str(out_file), "--as-of", "2026-11-01", verbosity=0)

    # then
    with out_file.open(newline="", encoding="utf-8") as handle:
        row = list(csv.DictReader(handle))[0]
    assert row["customer_id"] == "'=cmd|' /C calc'!A0"
    assert (row["churn_probability"], row["ltv"]) == ("0.72", "18000.00")
    assert (row["reason_1_feature"], row["reason_1_contribution"]) == ("tenure_days", "-0.25")
    assert (row["reason_1_en"], row["reason_1_bn"]) == ("'-", "'=x")
