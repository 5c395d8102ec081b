"""Shared fixtures for the mlcore tests: one simulated marketplace per session and the models trained on it, once.

The simulator (customers.synthetic.simulate) is plain numpy/pandas, so none of this touches the database.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from customers import catalog
from customers.synthetic.simulate import SyntheticData, simulate
from mlcore.churn import ChurnModel, TrainingReport, churn_train
from mlcore.features import History
from mlcore.ltv import LtvModel, LtvReport, ltv_train
from mlcore.tests.factories import history_before, transactions_only

SIM_CUSTOMERS = 4000
SIM_YEARS = 3
SIM_SEED = 2
END_DATE = dt.date(2026, 10, 31)  # the simulation's last day (Dhaka)
AS_OF = END_DATE + dt.timedelta(days=1)  # scoring day: the day after the last booking, as the commands default to
# A scoring day whose whole 90-day churn window is in the data: the shipped model is checked there against what
# customers really did next.
BACKTEST_AS_OF = AS_OF - dt.timedelta(days=90)

CATEGORY_OF_SERVICE = {service.slug: service.category for service in catalog.SERVICES}


def history_from_simulation(data: SyntheticData) -> History:
    """The simulator's frames in the shape mlcore reads: integer customer ids (1..n in sign-up order), the
    service's category slug, provider flags from the providers frame (False when a booking has no provider)."""
    customer_id = pd.Series(np.arange(1, len(data.customers) + 1, dtype="int64"), index=data.customers["external_id"])
    providers = data.providers.set_index("external_id")

    def ids(external: pd.Series) -> np.ndarray:
        mapped = external.map(customer_id)
        assert mapped.notna().all(), "an event refers to an unknown customer"
        return mapped.to_numpy(dtype="int64")

    raw = data.bookings
    provider = raw["provider_external_id"]
    bookings = pd.DataFrame(
        {
            "customer_id": ids(raw["customer_external_id"]),
            "booked_at": raw["booked_at"],
            "amount": raw["amount"].astype(float),
            "discount": raw["discount"].astype(float),
            "status": raw["status"].astype(object),
            "rating": pd.to_numeric(raw["rating"], errors="coerce").astype(float),
            "category": raw["service_slug"].map(CATEGORY_OF_SERVICE),
            "provider_premium": provider.map(providers["is_premium"]).fillna(False).astype(bool),
            "provider_verified": provider.map(providers["is_verified"]).fillna(False).astype(bool),
        }
    )
    assert bookings["category"].notna().all(), "a booking's service is not in the catalogue"
    return History(
        customers=pd.DataFrame({"customer_id": customer_id.to_numpy(), "joined_at": data.customers["joined_at"]}),
        bookings=bookings,
        complaints=pd.DataFrame(
            {"customer_id": ids(data.complaints["customer_external_id"]), "created_at": data.complaints["created_at"]}
        ),
        searches=pd.DataFrame(
            {
                "customer_id": ids(data.competitor_searches["customer_external_id"]),
                "searched_at": data.competitor_searches["searched_at"],
            }
        ),
    )


@pytest.fixture(scope="session")
def sim_history() -> History:
    return history_from_simulation(
        simulate(n_customers=SIM_CUSTOMERS, years=SIM_YEARS, seed=SIM_SEED, end_date=END_DATE)
    )


@pytest.fixture(scope="session")
def bare_history(sim_history: History) -> History:
    """The simulated marketplace as a bare transaction log shows it: customer, date and amount per booking."""
    return transactions_only(sim_history)


@pytest.fixture(scope="session")
def churn_bare(bare_history: History) -> tuple[ChurnModel, TrainingReport]:
    return churn_train(bare_history, AS_OF)


@pytest.fixture(scope="session")
def churn_trained(sim_history: History) -> tuple[ChurnModel, TrainingReport]:
    return churn_train(sim_history, AS_OF)


@pytest.fixture(scope="session")
def churn_backtest(sim_history: History) -> tuple[ChurnModel, TrainingReport]:
    """Trained as of BACKTEST_AS_OF on only what was known then."""
    return churn_train(history_before(sim_history, BACKTEST_AS_OF), BACKTEST_AS_OF)


@pytest.fixture(scope="session")
def ltv_trained(sim_history: History) -> tuple[LtvModel, LtvReport]:
    return ltv_train(sim_history, AS_OF)
