"""Simulated customer responses to offers, for the learning benchmark and the demo's replay of past nights.

The engine never sees this rule: it only sees the outcomes it produces, and has to measure them against its control
group. The chance depends on what the customer is like (their features on the day of the offer) and on the offer.
"""

import numpy as np
import pandas as pd


def _responsive(features: pd.DataFrame, action: str) -> np.ndarray:
    """Who responds to `action` more than most: complainers to recovery, bargain hunters to discounts, premium
    bookers to a premium provider, customers whose usual season is coming to a reminder; everyone alike else."""
    column = {
        "service_recovery": lambda: features["complaints_total"].to_numpy() > 0,
        "win_back_discount": lambda: features["discount_share"].to_numpy() >= 0.3,
        "budget_service": lambda: features["discount_share"].to_numpy() >= 0.3,
        "premium_provider": lambda: features["premium_share"].to_numpy() >= 0.5,
        "seasonal_reminder": lambda: features["usual_season_upcoming"].to_numpy() > 0,
    }.get(action)
    return column() if column else np.ones(len(features), dtype=bool)


# The chance each action brings back a customer who would otherwise leave: (responsive, everyone else).
RESPONSE_CHANCE: dict[str, tuple[float, float]] = {
    "service_recovery": (0.30, 0.02),
    "win_back_discount": (0.20, 0.03),
    "budget_service": (0.20, 0.02),
    "premium_provider": (0.15, 0.01),
    "seasonal_reminder": (0.15, 0.00),
    "loyalty_bonus": (0.10, 0.10),
    "personal_call": (0.25, 0.25),
}


def simulated_uplift(features: pd.DataFrame, action: str) -> np.ndarray:
    """Per customer (a row of `features`), the chance `action` brings them back if they would otherwise leave."""
    responsive, otherwise = RESPONSE_CHANCE[action]
    return np.where(_responsive(features, action), responsive, otherwise)
