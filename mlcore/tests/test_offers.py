import dataclasses
from typing import Any

import pandas as pd
import pytest

from mlcore import offers
from mlcore.offers import OfferPolicy, in_control_group, propose_one
from mlcore.recommend import service_similarity_fit

POLICY = OfferPolicy(max_discount_amount=500, ltv_discount_share=0.10, message_cost=2, call_cost=120, min_roi=1.0)


def reasons(*features: str) -> list[dict[str, Any]]:
    return [{"feature": feature, "contribution": 1.0 - 0.1 * rank} for rank, feature in enumerate(features)]


def test_roi_arithmetic_uses_the_value_if_retained() -> None:
    # given an at-risk customer: LTV Tk 6,000 at 70% churn risk is Tk 20,000 if they stay, at least Tk 5,000
    proposal = propose_one(
        churn_probability=0.7, segment="occasional", tier="bronze", ltv=6000, ltv_low_if_retained=5000, spend_avg=2000,
        reasons=reasons("days_since_last_booking"), policy=POLICY,
    )  # fmt: skip

    # then: win-back, 15% of Tk 2,000 = Tk 300 off, uplift 6%, cost Tk 302
    assert proposal is not None
    assert proposal.action == offers.WIN_BACK
    assert proposal.discount_amount == 300
    assert proposal.cost == 302
    assert proposal.net_benefit == pytest.approx(20000 * 0.06 - 302)
    assert proposal.roi == pytest.approx((20000 * 0.06 - 302) / 302, abs=1e-3)
    assert proposal.risk_adjusted_roi == pytest.approx((5000 * 0.06 - 302) / 302, abs=1e-3)


def test_roi_counts_only_the_margin_the_business_keeps() -> None:
    # given the same customer, when the business keeps 20% of what customers spend
    proposal = propose_one(
        churn_probability=0.7, segment="occasional", tier="bronze", ltv=30_000, ltv_low_if_retained=5000,
        spend_avg=2000, reasons=reasons("days_since_last_booking"), policy=dataclasses.replace(POLICY, margin_rate=0.2),
    )  # fmt: skip

    # then the win-back is worth 100,000 × 20% × 6% − 302
    assert proposal is not None
    assert proposal.net_benefit == pytest.approx(100_000 * 0.2 * 0.06 - 302)


@pytest.mark.parametrize(
    ("spend_avg", "ltv", "low_if_retained", "expected"),
    [
        (10_000, 100_000, 100_000, 500),  # the settings' cap
        (10_000, 100_000, 8_000, 500),  # 10% of the lower bound if retained = 800, still capped at 500
        (10_000, 100_000, 2_000, 200),  # 10% of the lower bound if retained
        (10_000, 600, 100_000, 200),  # the bound never exceeds the value if retained: 600 / 0.3 = 2,000 → 200
        (100, 100_000, 100_000, 50),  # the smallest discount worth sending
    ],
)
def test_discounts_are_capped_by_settings_and_the_lower_bound_if_retained(
    spend_avg: float, ltv: float, low_if_retained: float, expected: float
) -> None:
    proposal = propose_one(
        churn_probability=0.7, segment="occasional", tier="bronze", ltv=ltv, ltv_low_if_retained=low_if_retained,
        spend_avg=spend_avg,
        reasons=reasons("days_since_last_booking"), policy=OfferPolicy(min_roi=-1.0),
    )  # fmt: skip

    assert proposal is not None
    assert proposal.discount_amount == expected


def test_reasons_drive_the_action() -> None:
    complaint = propose_one(
        churn_probability=0.7, segment="quality_focused", tier="silver", ltv=9000, ltv_low_if_retained=3000,
        spend_avg=3000,         reasons=reasons("complaints_90d", "days_since_last_booking"), policy=POLICY,
    )  # fmt: skip
    searcher = propose_one(
        churn_probability=0.7, segment="price_sensitive", tier="bronze", ltv=9000, ltv_low_if_retained=3000,
        spend_avg=3000,         reasons=reasons("competitor_searches_30d"), policy=POLICY,
    )  # fmt: skip

    assert complaint is not None
    assert searcher is not None
    assert (complaint.action, complaint.addresses_reason) == (offers.RECOVERY, "complaints_90d")
    assert searcher.addresses_reason == "competitor_searches_30d"
    assert searcher.action in (offers.WIN_BACK, offers.BUDGET)


def test_personal_call_only_for_critical_high_value_customers() -> None:
    kwargs: dict[str, Any] = dict(
        segment="high_value_loyal", tier="platinum", spend_avg=5000, reasons=reasons("overdue_ratio")
    )
    kwargs.update(ltv=30000, ltv_low_if_retained=25000, policy=POLICY)
    critical_valuable = propose_one(churn_probability=0.85, **kwargs)
    high_only = propose_one(churn_probability=0.7, **kwargs)

    assert critical_valuable is not None
    assert high_only is not None
    assert critical_valuable.action == offers.CALL
    assert critical_valuable.discount_amount == 0
    assert high_only.action != offers.CALL


def test_a_discount_below_the_smallest_worth_sending_is_no_discount_offer() -> None:
    # given a customer whose lower bound if retained is Tk 300: 10% is Tk 30, under the Tk 50 minimum
    proposal = propose_one(
        churn_probability=0.7, segment="occasional", tier="bronze", ltv=30_000, ltv_low_if_retained=300,
        spend_avg=3000, reasons=reasons("days_to_usual_season"), policy=POLICY,
    )  # fmt: skip

    # then only the reminder without a discount is left
    assert proposal is not None
    assert (proposal.action, proposal.discount_amount) == (offers.SEASONAL, 0)


def test_the_customers_own_uplift_overrides_the_segment_estimate() -> None:
    # given the uplift model expects nothing from a win-back for this customer but 20% from a seasonal reminder
    kwargs: dict[str, Any] = dict(
        churn_probability=0.7, segment="price_sensitive", tier="bronze", ltv=9000, ltv_low_if_retained=5000,
        spend_avg=3000, reasons=reasons("competitor_searches_30d", "days_to_usual_season"), policy=POLICY,
    )  # fmt: skip
    by_segment = propose_one(**kwargs)
    personal = propose_one(**kwargs, personal_uplift={offers.WIN_BACK: 0.0, offers.BUDGET: 0.0, offers.SEASONAL: 0.2})

    # then
    assert by_segment is not None
    assert personal is not None
    assert by_segment.action in (offers.WIN_BACK, offers.BUDGET)
    assert (personal.action, personal.uplift) == (offers.SEASONAL, 0.2)


def test_no_proposal_when_nothing_pays() -> None:
    proposal = propose_one(
        churn_probability=0.95, segment="at_risk", tier="bronze", ltv=5, ltv_low_if_retained=0, spend_avg=800,
        reasons=reasons("days_since_last_booking"), policy=POLICY,
    )  # fmt: skip

    assert proposal is None


def test_control_group_is_stable_and_about_the_right_size() -> None:
    ids = pd.Series([f"C{n:07d}" for n in range(20_000)])

    first = in_control_group(ids, 0.10, "salt")
    again = in_control_group(ids.sample(frac=1, random_state=1), 0.10, "salt").sort_index()
    other_salt = in_control_group(ids, 0.10, "another")

    assert first.equals(again)
    assert first.mean() == pytest.approx(0.10, abs=0.01)
    assert (first != other_salt).any()


def test_collaborative_filtering_is_not_just_the_most_popular_service() -> None:
    # given: cleaning is the most popular; AC people also book electricians, plumbing people also pest control
    rows = []
    for n in range(300):
        rows += [(n, "cleaning")]
    for n in range(100):
        rows += [(n, "ac"), (n, "electrician")]
    for n in range(100, 200):
        rows += [(n, "plumbing"), (n, "pest")]
    model = service_similarity_fit(pd.DataFrame(rows, columns=["customer_id", "service"]))

    # when
    picks = model.recommend({1: ["ac"], 2: ["plumbing"], 3: ["cleaning", "ac"]})

    # then
    assert picks == {1: "electrician", 2: "pest", 3: "electrician"}


def test_the_uplift_says_where_it_comes_from() -> None:
    kwargs: dict[str, Any] = dict(
        churn_probability=0.7, segment="price_sensitive", tier="bronze", ltv=9000, ltv_low_if_retained=5000,
        spend_avg=3000, reasons=reasons("competitor_searches_30d"),
    )  # fmt: skip
    learned = dataclasses.replace(POLICY, uplift={"win_back_discount": 0.2}, measured=frozenset({"win_back_discount"}))
    configured = dataclasses.replace(POLICY, uplift={"win_back_discount": 0.2})

    def source(**more: Any) -> str | None:
        proposal = propose_one(**kwargs, **more)
        return proposal.uplift_source if proposal else None

    assert source(policy=POLICY) == "prior"
    assert source(policy=learned) == "measured"
    assert source(policy=configured) == "prior"
    assert source(policy=learned, personal_uplift={"win_back_discount": 0.3, "budget_service": 0.3}) == "customer"


def test_the_sources_match_the_intervention_choices() -> None:
    from interventions.models import UpliftSource

    assert set(offers.UPLIFT_SOURCES) == set(UpliftSource.values)
