"""Shared fixtures for the mlcore tests: one simulated marketplace per session and the models trained on it, once.

The simulator (customers.synthetic.simulate) is plain numpy/pandas, so none of this touches the database.
"""

import datetime as dt

import pytest

from customers.synthetic.simulate import simulate, simulation_history
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


@pytest.fixture(scope="session")
def sim_history() -> History:
    return simulation_history(simulate(n_customers=SIM_CUSTOMERS, years=SIM_YEARS, seed=SIM_SEED, end_date=END_DATE))


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
