"""The simulated answers to offers: who an action brings back, and how likely."""

import numpy as np
import pandas as pd
import pytest

from mlcore.simulation import simulated_uplift


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("service_recovery", [0.30, 0.02]),  # the first complained
        ("win_back_discount", [0.03, 0.20]),  # the second books with discounts
        ("premium_provider", [0.15, 0.01]),  # the first books premium providers
        ("seasonal_reminder", [0.00, 0.15]),  # the second's usual season is coming
        ("personal_call", [0.25, 0.25]),  # a call works alike on everyone
    ],
)
def test_the_chance_an_offer_brings_a_customer_back_depends_on_the_customer_and_the_offer(
    action: str, expected: list[float]
) -> None:
    # given
    features = pd.DataFrame(
        {
            "complaints_total": [2, 0],
            "discount_share": [0.1, 0.3],
            "premium_share": [0.5, 0.2],
            "usual_season_upcoming": [0, 1],
        }
    )

    # when
    chance = simulated_uplift(features, action)

    # then
    np.testing.assert_allclose(chance, expected)
