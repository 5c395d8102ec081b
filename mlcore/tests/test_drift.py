"""Feature drift: the population stability index on hand-binned samples, its bands, missing and empty inputs."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from mlcore.drift import PSI_FLOOR, DayDrift, FeatureDrift, feature_drift, psi, psi_band


def test_psi_of_two_halves_moving_is_the_sum_over_the_bins() -> None:
    # given: half below and half above the median in training, a quarter below on the day
    reference, current = np.array([0, 0, 1, 1.0]), np.array([0, 1, 1, 1.0])

    # then
    expected = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
    assert psi(reference, current, bins=2) == pytest.approx(expected)
    assert expected == pytest.approx(0.274653, abs=1e-6)


def test_a_feature_going_missing_is_drift_of_its_own_bin() -> None:
    reference, current = np.array([0, 0, 1, 1.0]), np.array([0, 1, np.nan, np.nan])

    expected = 2 * (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.5 - PSI_FLOOR) * math.log(0.5 / PSI_FLOOR)
    assert psi(reference, current, bins=2) == pytest.approx(expected)


def test_deciles_of_the_reference_and_the_same_distribution_is_stable() -> None:
    reference = np.arange(1.0, 11.0)

    assert psi(reference, reference.copy()) == 0.0
    assert psi(reference, np.ones(5)) == pytest.approx(
        0.9 * math.log(1 / 0.1) + 9 * (PSI_FLOOR - 0.1) * math.log(PSI_FLOOR / 0.1)
    )


def test_a_constant_feature_or_an_empty_sample() -> None:
    assert psi(np.array([3.0, 3.0, 3.0]), np.array([3.0, 3.0])) == 0.0
    assert psi(np.array([]), np.array([1.0])) is None
    assert psi(np.array([1.0]), np.array([])) is None


@pytest.mark.parametrize(
    ("value", "band"),
    [(None, ""), (0.0, "stable"), (0.0999, "stable"), (0.1, "watch"), (0.1999, "watch"), (0.2, "act")],
)
def test_bands(value: float | None, band: str) -> None:
    assert psi_band(value) == band


def test_feature_drift_per_day_lists_the_most_drifted_feature_first() -> None:
    # given
    reference = pd.DataFrame({"recency": [0, 0, 1, 1.0], "spend": [5, 5, 5, 5.0]})
    day = dt.date(2025, 3, 1)

    # when
    drift = feature_drift(
        reference, {day: pd.DataFrame({"recency": [0, 1, 1, 1.0], "spend": [5, 5, 5, 5.0]})}, ["spend", "recency"]
    )

    # then
    assert drift == [
        DayDrift(
            day=day,
            customers=4,
            features=[
                FeatureDrift("recency", 0.2747, "act"),
                FeatureDrift("spend", 0.0, "stable"),
            ],
            band="act",
        )
    ]
    assert feature_drift(reference, {}, ["spend"]) == []


def test_a_shift_beyond_a_constant_reference_is_drift_either_way() -> None:
    reference = np.full(10, 10.0)

    assert psi(reference, np.full(10, 31.0)) == pytest.approx(2 * (1 - PSI_FLOOR) * math.log(1 / PSI_FLOOR))
    assert psi(reference, np.full(10, 2.0)) == psi(reference, np.full(10, 31.0))
