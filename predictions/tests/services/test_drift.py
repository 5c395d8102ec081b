"""The nightly measurement of feature drift: stored once per scoring day, replaced by a rerun, never a failed night."""

import datetime as dt
from unittest import mock

import numpy as np
import pytest

from analytics.tests.factories import active_churn_model, booking_on
from customers.tests.factories import CustomerFactory
from interventions.services import nightly
from mlcore.drift import psi
from predictions.models import FeatureDriftDay
from predictions.services.drift import feature_drift_measure
from predictions.tests.factories import PredictionFactory

pytestmark = pytest.mark.django_db

JAN, FEB = dt.date(2025, 1, 10), dt.date(2025, 2, 10)


def test_a_scoring_days_drift_is_measured_against_the_training_snapshot_and_stored_once():
    # given: two customers who booked in January, scored on 10 February; the model was trained up to 20 January
    customers = [CustomerFactory(), CustomerFactory()]
    for customer in customers:
        booking_on(customer, JAN)
        PredictionFactory(customer=customer, as_of=FEB)
    active_churn_model(version="churn-1", as_of=FEB, trained_to=dt.date(2025, 1, 20))

    # when: measured, then measured again (a rerun of the night)
    feature_drift_measure(as_of=FEB)
    row = feature_drift_measure(as_of=FEB)

    # then: one row; the days since the last booking went from 10 to 31 for both, which the PSI calls drift
    assert FeatureDriftDay.objects.count() == 1
    assert row is not None
    assert (row.as_of, row.model_version, row.reference_day, row.customers) == (
        FEB,
        "churn-1",
        dt.date(2025, 1, 20),
        2,
    )
    by_feature = {item["feature"]: item for item in row.features}
    assert by_feature["days_since_last_booking"]["psi"] == pytest.approx(
        psi(np.array([10.0, 10.0]), np.array([31.0, 31.0])), abs=1e-4
    )
    assert by_feature["days_since_last_booking"]["band"] == row.band == "act"
    assert by_feature["bookings_total"]["band"] == "stable"


def test_a_night_whose_drift_cannot_be_measured_still_completes(caplog):
    # given
    with mock.patch("predictions.services.drift.feature_drift_measure", side_effect=ValueError("no features")):
        # when
        nightly._drift_measure(FEB)

    # then
    assert "feature drift as of 2025-02-10 could not be measured" in caplog.text
