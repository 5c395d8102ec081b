import pytest

from interventions.models import InterventionStatus
from interventions.services.outcomes import SHRINK_TOWARDS_PRIOR, uplift_estimates
from interventions.services.proposals import policy_from
from interventions.tests.factories import InterventionFactory
from mlcore.offers import uplift_for


def outcomes(status: str, kept: int, lost: int, segment: str = "occasional") -> None:
    for outcome, count in (("retained", kept), ("churned", lost)):
        for _ in range(count):
            InterventionFactory(status=status, outcome=outcome, prediction__segment=segment)


@pytest.mark.django_db
def test_uplift_is_treated_minus_control_retention_shrunk_towards_the_prior():
    # given: win-back, 6 of 10 treated kept against 3 of 10 held out
    outcomes(InterventionStatus.SENT, kept=6, lost=4)
    outcomes(InterventionStatus.CONTROL, kept=3, lost=7)
    InterventionFactory(status=InterventionStatus.SENT)  # still pending: not counted

    # when
    estimates = {estimate.key: estimate for estimate in uplift_estimates()}

    # then
    overall = estimates["win_back_discount"]
    weight = 10 / (10 + SHRINK_TOWARDS_PRIOR)
    assert (overall.treated, overall.control) == (10, 10)
    assert (overall.retention_treated, overall.retention_control, overall.measured_uplift) == (0.6, 0.3, 0.3)
    assert overall.uplift == pytest.approx(weight * 0.3 + (1 - weight) * 0.06, abs=1e-4)
    by_segment = estimates["win_back_discount:occasional"]
    assert by_segment.prior == overall.uplift
    assert by_segment.uplift == pytest.approx(weight * 0.3 + (1 - weight) * overall.uplift, abs=1e-4)


@pytest.mark.django_db
def test_the_engine_uses_the_learned_uplift_for_the_segment():
    outcomes(InterventionStatus.SENT, kept=6, lost=4, segment="price_sensitive")
    outcomes(InterventionStatus.CONTROL, kept=3, lost=7, segment="price_sensitive")
    learned = {estimate.key: estimate.uplift for estimate in uplift_estimates()}

    policy = policy_from(*_settings())

    assert uplift_for("win_back_discount", "price_sensitive", policy) == learned["win_back_discount:price_sensitive"]
    assert uplift_for("win_back_discount", "occasional", policy) == learned["win_back_discount"]


@pytest.mark.django_db
def test_without_a_control_group_there_is_no_estimate():
    outcomes(InterventionStatus.SENT, kept=5, lost=5)

    assert uplift_estimates() == []


def _settings():
    from interventions.models import InterventionSettings
    from predictions.models import ScoringSettings

    return InterventionSettings.load(), ScoringSettings.load()
