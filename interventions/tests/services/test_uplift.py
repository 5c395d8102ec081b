import pytest

from interventions.models import InterventionStatus
from interventions.services.outcomes import uplift_estimates
from interventions.services.proposals import policy_from
from interventions.tests.factories import InterventionFactory
from mlcore.experiments import SHRINK_TOWARDS_PRIOR
from mlcore.offers import uplift_for, uplift_with_source


def outcomes(status: str, kept: int, lost: int, segment: str = "occasional") -> None:
    for outcome, count in (("retained", kept), ("churned", lost)):
        for _ in range(count):
            InterventionFactory(status=status, outcome=outcome, prediction__segment=segment)


@pytest.mark.django_db
def test_uplift_is_treated_minus_control_retention_shrunk_towards_the_prior():
    # given: win-back, 6 of 10 sent kept against 3 of 10 held out
    outcomes(InterventionStatus.SENT, kept=6, lost=4)
    outcomes(InterventionStatus.CONTROL, kept=3, lost=7)
    InterventionFactory(status=InterventionStatus.SENT)  # still pending: not counted

    # when
    estimates = {estimate.key: estimate for estimate in uplift_estimates()}

    # then
    overall = estimates["win_back_discount"]
    weight = 10 / (10 + SHRINK_TOWARDS_PRIOR)
    assert (overall.proposed, overall.sent, overall.control, overall.share_sent) == (10, 10, 10, 1.0)
    assert (overall.retention_proposed, overall.retention_control, overall.measured_uplift) == (0.6, 0.3, 0.3)
    assert overall.uplift == pytest.approx(weight * 0.3 + (1 - weight) * 0.06, abs=1e-4)
    by_segment = estimates["win_back_discount:occasional"]
    assert by_segment.prior == overall.uplift
    assert by_segment.uplift == pytest.approx(weight * 0.3 + (1 - weight) * overall.uplift, abs=1e-4)


@pytest.mark.django_db
def test_proposals_staff_refused_or_let_expire_count_on_the_proposed_side_and_the_effect_is_scaled_by_share_sent():
    # given: of 20 win-back proposals outside control, 10 were sent (6 kept), 6 rejected and 4 expired undecided
    # (1 kept among them: staff tend to refuse customers who would not come back anyway); 3 of 10 held out kept
    outcomes(InterventionStatus.SENT, kept=6, lost=4)
    outcomes(InterventionStatus.REJECTED, kept=1, lost=5)
    outcomes(InterventionStatus.EXPIRED, kept=0, lost=4)
    outcomes(InterventionStatus.CONTROL, kept=3, lost=7)

    # when
    overall = next(estimate for estimate in uplift_estimates() if not estimate.segment)

    # then intent to treat: 7 of 20 proposed kept (0.35) against 0.3, divided by the half that was sent = 0.1; not
    # the 0.3 that comparing the sent ones alone would claim
    assert (overall.proposed, overall.sent, overall.share_sent) == (20, 10, 0.5)
    assert (overall.retention_proposed, overall.measured_uplift) == (0.35, 0.1)


@pytest.mark.django_db
def test_a_backfill_learns_only_from_outcomes_known_on_its_day():
    import datetime as dt

    from django.utils import timezone

    # given outcomes of proposals made 100 days ago (window of 90 days: known 10 days ago)
    outcomes(InterventionStatus.SENT, kept=6, lost=4)
    outcomes(InterventionStatus.CONTROL, kept=3, lost=7)
    from interventions.models import Intervention

    Intervention.objects.update(created_at=timezone.now() - dt.timedelta(days=100))
    today = timezone.localdate()

    # then a proposal run for today learns from them, one for 30 days ago does not
    assert [estimate.key for estimate in uplift_estimates(before=today)] == [
        "win_back_discount",
        "win_back_discount:occasional",
    ]
    assert uplift_estimates(before=today - dt.timedelta(days=30)) == []
    assert policy_from(*_settings(), as_of=today - dt.timedelta(days=30)).uplift == {}


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


@pytest.mark.django_db
def test_roi_is_measured_against_the_control_group_with_what_was_really_spent():
    from decimal import Decimal

    from interventions.services.outcomes import roi_measured
    from payments.tests.factories import DiscountCodeFactory, RedemptionFactory

    # given win-back: 6 of 10 treated kept against 3 of 10 held out; each worth Tk 10,000 if retained (LTV 3,000 at
    # 70% churn risk); two treated customers redeemed Tk 200 codes; a message costs Tk 2
    for status, kept, lost in ((InterventionStatus.SENT, 6, 4), (InterventionStatus.CONTROL, 3, 7)):
        for n in range(kept + lost):
            intervention = InterventionFactory(
                status=status, outcome="retained" if n < kept else "churned", churn_probability=0.7,
                prediction__ltv=Decimal("3000"), prediction__ltv_low=Decimal("0"), expected_roi=5.0,
            )  # fmt: skip
            if status == InterventionStatus.SENT and n < 2:
                code = DiscountCodeFactory(customer=intervention.customer, intervention=intervention)
                RedemptionFactory(code=code, customer=intervention.customer, discount_amount=Decimal("200"))

    # when
    (roi,) = roi_measured()

    # then 0.3 × 10 treated = 3 customers won, Tk 30,000 recovered, for Tk 400 of discounts and Tk 20 of messages
    assert (roi.action, roi.proposed, roi.sent, roi.control, roi.measured_uplift) == (
        "win_back_discount",
        10,
        10,
        10,
        0.3,
    )
    assert roi.customers_won == 3.0
    assert roi.value_recovered == pytest.approx(30_000, abs=1)
    assert (roi.discounts_redeemed, roi.contact_cost) == (400.0, 20.0)
    assert roi.net_benefit == pytest.approx(30_000 - 420, abs=1)
    assert roi.roi == pytest.approx((30_000 - 420) / 420, abs=0.01)
    assert roi.expected_roi == 5.0


@pytest.mark.django_db
def test_an_action_that_did_nothing_measures_a_loss():
    from interventions.services.outcomes import roi_measured

    for status in (InterventionStatus.SENT, InterventionStatus.CONTROL):
        outcomes(status, kept=3, lost=7)

    (roi,) = roi_measured()

    assert roi.measured_uplift == 0.0
    assert roi.net_benefit == -20.0  # ten messages for nothing
    assert roi.roi == -1.0


@pytest.mark.django_db
def test_a_favourable_outcome_never_lowers_a_segments_estimate_below_its_prior():
    # given: budget service for price-sensitive customers (prior 5% × the segment's 1.4 response = 7%); then one sent
    # customer kept, one held out lost
    before = uplift_for("budget_service", "price_sensitive", policy_from(*_settings()))
    for status, outcome in ((InterventionStatus.SENT, "retained"), (InterventionStatus.CONTROL, "churned")):
        InterventionFactory(
            status=status, outcome=outcome, action="budget_service", prediction__segment="price_sensitive"
        )

    # when
    estimates = {estimate.key: estimate for estimate in uplift_estimates()}

    # then the segment's prior keeps its response factor, and the favourable measurement moves it up
    segment = estimates["budget_service:price_sensitive"]
    assert segment.prior == pytest.approx(estimates["budget_service"].uplift * 1.4, abs=1e-4)
    assert segment.uplift > before == pytest.approx(0.07)


@pytest.mark.django_db
def test_a_measurement_with_no_weight_is_not_called_measured():
    # given 10 proposals of which staff sent 1 (share sent 0.1: too few to divide by), and 10 held out
    outcomes(InterventionStatus.SENT, kept=1, lost=0)
    outcomes(InterventionStatus.REJECTED, kept=3, lost=6)
    outcomes(InterventionStatus.CONTROL, kept=3, lost=7)

    # when
    (overall, _) = uplift_estimates()
    policy = policy_from(*_settings())

    # then
    assert (overall.share_sent, overall.weight) == (0.1, 0.0)
    assert policy.measured == frozenset()
    assert uplift_with_source("win_back_discount", "occasional", policy)[1] == "prior"


@pytest.mark.django_db
def test_the_measurement_counts_as_n_times_the_share_sent_squared():
    # given 20 proposals, half sent, and 10 held out: worth min(20, 10) × 0.5² = 2.5 outcomes
    outcomes(InterventionStatus.SENT, kept=6, lost=4)
    outcomes(InterventionStatus.REJECTED, kept=1, lost=9)
    outcomes(InterventionStatus.CONTROL, kept=3, lost=7)

    overall = next(estimate for estimate in uplift_estimates() if not estimate.segment)

    assert overall.weight == pytest.approx(2.5 / (2.5 + SHRINK_TOWARDS_PRIOR), abs=1e-4)
