"""A/B results, the return per segment and revenue recovered, hand-computed and checked against scipy's own test."""

import math
from dataclasses import asdict

import pandas as pd
import pytest
from scipy.stats import chi2_contingency, norm

from mlcore.abtest import (
    MIN_PER_ARM,
    ab_measure,
    ab_results,
    revenue_recovered,
    roi_by_segment,
    two_proportion_test,
)
from mlcore.experiments import Arms, roi_measure

WIN_BACK, CALL = "win_back_discount", "personal_call"


def scipy_p_value(kept_a: int, n_a: int, kept_b: int, n_b: int) -> float:
    """The chi-square test of the 2×2 table without continuity correction: the two-proportion z-test squared."""
    return float(chi2_contingency([[kept_a, n_a - kept_a], [kept_b, n_b - kept_b]], correction=False).pvalue)


def test_the_two_proportion_test_gives_the_wald_interval_and_scipys_p_value() -> None:
    # when: 60 of 100 treated retained against 45 of 100 held out
    test = two_proportion_test(60, 100, 45, 100)

    # then
    margin = norm.ppf(0.975) * math.sqrt(0.6 * 0.4 / 100 + 0.45 * 0.55 / 100)
    assert test.difference == pytest.approx(0.15)
    assert [test.low, test.high] == pytest.approx([0.15 - margin, 0.15 + margin])
    assert margin == pytest.approx(0.136847, abs=1e-6)
    assert test.p_value == pytest.approx(scipy_p_value(60, 100, 45, 100), rel=1e-9)
    assert test.p_value == pytest.approx(0.033672, abs=1e-6)  # z = 0.15 ÷ √(0.525 × 0.475 × 0.02) = 2.124
    assert not test.too_small


@pytest.mark.parametrize(
    ("kept_a", "n_a", "kept_b", "n_b"), [(30, 40, 10, 35), (5, 300, 12, 310), (200, 400, 190, 420)]
)
def test_the_p_value_is_scipys_whatever_the_counts(kept_a: int, n_a: int, kept_b: int, n_b: int) -> None:
    assert two_proportion_test(kept_a, n_a, kept_b, n_b).p_value == pytest.approx(
        scipy_p_value(kept_a, n_a, kept_b, n_b), rel=1e-9
    )


def test_a_control_group_of_one_is_measured_but_too_small() -> None:
    test = two_proportion_test(40, 50, 1, 1)

    assert test.difference == pytest.approx(-0.2)
    assert test.p_value == pytest.approx(scipy_p_value(40, 50, 1, 1), rel=1e-9)
    assert test.too_small


def test_the_interval_of_tiny_arms_stays_within_what_a_difference_of_shares_can_be() -> None:
    # given: nobody of two kept against one of two: the normal approximation's interval is -1.19 to +0.19
    test = two_proportion_test(0, 2, 1, 2)

    # then
    assert test.difference == -0.5
    assert test.low == -1.0
    assert test.high == pytest.approx(-0.5 + norm.ppf(0.975) * math.sqrt(0.25 / 2))
    assert test.standard_error == pytest.approx(math.sqrt(0.25 / 2))
    assert test.too_small


def test_an_empty_arm_has_no_rates_nor_test() -> None:
    test = two_proportion_test(3, 10, 0, 0)

    assert (test.retention_treated, test.retention_control, test.difference, test.p_value) == (None, None, None, None)
    assert test.too_small


def test_everyone_retained_in_both_arms_is_no_difference_and_too_small_to_say_more() -> None:
    test = two_proportion_test(100, 100, 80, 80)

    assert (test.difference, test.low, test.high, test.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert test.too_small  # no churned customer expected in either arm


@pytest.mark.parametrize(
    ("kept_a", "n_a", "kept_b", "n_b", "too_small"),
    [
        (15, MIN_PER_ARM, 15, MIN_PER_ARM, False),
        (15, MIN_PER_ARM - 1, 15, MIN_PER_ARM, True),
        (2, 100, 2, 100, True),  # 2 retained expected in each arm
        (5, 100, 5, 100, False),
    ],
)
def test_too_small_is_where_the_normal_approximation_fails(
    kept_a: int, n_a: int, kept_b: int, n_b: int, too_small: bool
) -> None:
    assert two_proportion_test(kept_a, n_a, kept_b, n_b).too_small is too_small


def test_the_effect_of_sending_is_the_difference_and_its_interval_divided_by_the_share_sent() -> None:
    # given: half the 100 proposals were sent
    arms = Arms(proposed=100, proposed_kept=60, sent=50, control=100, control_kept=45)

    # when
    [result] = ab_results({(WIN_BACK,): arms}, {})

    # then
    margin = norm.ppf(0.975) * math.sqrt(0.6 * 0.4 / 100 + 0.45 * 0.55 / 100)
    assert result.share_sent == 0.5
    assert result.effect_of_sending == pytest.approx(0.3)
    assert [result.effect_low, result.effect_high] == pytest.approx([2 * (0.15 - margin), 2 * (0.15 + margin)])


def test_no_effect_of_sending_when_too_little_was_sent() -> None:
    arms = Arms(proposed=100, proposed_kept=60, sent=0, control=100, control_kept=45)

    [result] = ab_results({(WIN_BACK,): arms}, {})

    assert (result.effect_of_sending, result.effect_low, result.effect_high) == (None, None, None)
    assert result.test.difference == pytest.approx(0.15)


def judged(*groups: tuple[str, str, str, bool, int, float]) -> pd.DataFrame:
    """Judged proposals from (action, segment, arm, retained, how many, spend each); arm is sent, refused, control."""
    return pd.DataFrame(
        [
            {
                "action": action,
                "segment": segment,
                "assigned": arm != "control",
                "sent": arm == "sent",
                "retained": kept,
                "spend": spend,
                "ltv": 1000.0,
                "churn_probability": 0.5,
                "given": 100.0 if arm == "sent" and kept else 0.0,
                "expected_roi": 2.0,
            }
            for action, segment, arm, kept, count, spend in groups
            for _ in range(count)
        ]
    )


def test_ab_measure_lists_each_action_then_each_action_in_each_segment() -> None:
    # given
    rows = judged(
        (WIN_BACK, "loyal", "sent", True, 2, 0),
        (WIN_BACK, "at_risk", "refused", False, 1, 0),
        (WIN_BACK, "at_risk", "control", True, 1, 0),
        (CALL, "", "sent", True, 1, 0),
        (CALL, "", "control", False, 1, 0),
    )

    # when
    results = ab_measure(rows)

    # then
    assert [(item.action, item.segment, item.test.treated, item.test.control) for item in results] == [
        (CALL, "", 1, 1),
        (WIN_BACK, "", 3, 1),
        (WIN_BACK, "at_risk", 1, 1),
        (WIN_BACK, "loyal", 2, 0),
    ]
    assert results[1].test.difference == pytest.approx(2 / 3 - 1)
    assert results[3].test.difference is None
    assert ab_measure(rows.iloc[0:0]) == []


def test_roi_by_segment_is_the_engines_return_within_each_segment() -> None:
    # given: in "loyal" both proposals were sent and kept, its one held-out customer left
    rows = judged(
        (WIN_BACK, "loyal", "sent", True, 2, 0),
        (WIN_BACK, "loyal", "control", False, 1, 0),
        (WIN_BACK, "at_risk", "sent", False, 2, 0),
        (WIN_BACK, "at_risk", "control", False, 1, 0),
    )
    costs = {"margin_rate": 1.0, "message_cost": 2.0, "call_cost": 120.0}

    # when
    rows_by_segment = roi_by_segment(rows, **costs)

    # then
    assert [(item.segment, item.roi.action) for item in rows_by_segment] == [
        ("", WIN_BACK),
        ("at_risk", WIN_BACK),
        ("loyal", WIN_BACK),
    ]
    assert rows_by_segment[0].roi == roi_measure(rows, **costs)[0]
    loyal = rows_by_segment[2].roi
    assert loyal.customers_won == 2.0  # (1 − 0) × 2 proposals
    assert loyal.value_recovered == 4000.0  # 2 × 1000 ÷ (1 − 0.5)
    assert (loyal.discounts_redeemed, loyal.contact_cost, loyal.net_benefit) == (200.0, 4.0, 3796.0)
    assert roi_by_segment(rows.iloc[0:0], **costs) == []


def test_the_return_has_the_interval_of_the_retention_difference_it_rests_on() -> None:
    # given 60 of 100 proposed customers kept (all sent), 40 of 100 held out; value Tk 1,000 ÷ (1 − 0.5) each
    rows = judged(
        (WIN_BACK, "", "sent", True, 60, 0),
        (WIN_BACK, "", "sent", False, 40, 0),
        (WIN_BACK, "", "control", True, 40, 0),
        (WIN_BACK, "", "control", False, 60, 0),
    )

    # when
    (item,) = roi_by_segment(rows, margin_rate=0.5, message_cost=2.0, call_cost=120.0)

    # then the difference 0.2 ± 1.96 × √(0.24/100 × 2) carries over: 100 proposals × Tk 1,000 a customer won
    margin = norm.ppf(0.975) * math.sqrt(2 * 0.6 * 0.4 / 100)
    cost = 60 * 100.0 + 100 * 2.0  # the kept sent ones' discounts and every message
    assert item.roi.value_per_customer == 1000.0
    assert item.roi.roi is not None
    assert item.net_low is not None
    assert item.net_high is not None
    assert item.roi_low is not None
    assert item.roi_high is not None
    assert item.roi.net_benefit == pytest.approx(0.2 * 100 * 1000 - cost)
    assert item.net_low == pytest.approx((0.2 - margin) * 100 * 1000 - cost)
    assert item.net_high == pytest.approx((0.2 + margin) * 100 * 1000 - cost)
    assert (item.roi_low, item.roi_high) == pytest.approx((item.net_low / cost, item.net_high / cost))
    assert item.roi_low < item.roi.roi < item.roi_high
    assert 0 < item.roi_low  # Tk 221 net at its low end: it paid for itself even there
    assert not item.test.too_small


def test_a_return_without_a_spend_or_a_comparison_has_no_roi_interval() -> None:
    # given a call sent to one kept customer against one held out who left; nothing was spent on messages
    rows = judged((CALL, "", "sent", True, 1, 0), (CALL, "", "control", False, 1, 0))

    # when
    (free,) = roi_by_segment(rows.assign(given=0.0), margin_rate=1.0, message_cost=0.0, call_cost=0.0)

    # then the net benefit has its interval (1 − 0 with no spread: one customer worth Tk 1,000 ÷ (1 − 0.5)) but
    # there is no ROI to bound, and one each side is too small to say anything
    assert (free.roi.roi, free.roi_low, free.roi_high) == (None, None, None)
    assert (free.roi.net_benefit, free.net_low, free.net_high) == pytest.approx((2000.0, 2000.0, 2000.0))
    assert free.test.too_small


def test_revenue_recovered_is_the_spend_above_what_the_control_rate_predicts() -> None:
    # given: 3 of 4 proposed customers stayed and spent Tk 100, 200 and 300; 1 of 2 held out stayed
    rows = pd.concat(
        [
            judged((WIN_BACK, "", "sent", True, 1, 100.0)),
            judged((WIN_BACK, "", "sent", True, 1, 200.0)),
            judged((WIN_BACK, "", "refused", True, 1, 300.0)),
            judged((WIN_BACK, "", "refused", False, 1, 0.0)),
            judged((WIN_BACK, "", "control", True, 1, 999.0)),
            judged((WIN_BACK, "", "control", False, 1, 0.0)),
        ]
    )

    # when
    [action, total] = revenue_recovered(rows)

    # then: (3 − 4 × ½) customers × Tk 200 each; the interval stops at Tk 800, every proposed customer kept and none of
    # the control group
    error = math.sqrt(0.75 * 0.25 / 4 + 0.5 * 0.5 / 2)
    margin = norm.ppf(0.975) * error
    assert asdict(action) == {
        "action": WIN_BACK,
        "proposed": 4,
        "retained": 3,
        "control": 2,
        "retention_control": 0.5,
        "expected_retained": 2.0,
        "spend_retained": 600.0,
        "recovered": pytest.approx(200.0),
        "low": pytest.approx((0.25 - margin) * 800),
        "high": 800.0,
        "too_small": True,
        "standard_error": pytest.approx(error * 800),
        "most": 800.0,
        "too_little_sent": False,
    }
    assert total.action == ""
    assert [total.recovered, total.low, total.high] == pytest.approx([200.0, action.low, action.high])


def test_revenue_recovered_adds_the_actions_and_their_errors() -> None:
    # given: two actions, 100 proposals and 100 held out each
    rows = pd.concat(
        [
            judged((WIN_BACK, "", "sent", True, 60, 10.0), (WIN_BACK, "", "sent", False, 40, 0)),
            judged((WIN_BACK, "", "control", True, 50, 10.0), (WIN_BACK, "", "control", False, 50, 0)),
            judged((CALL, "", "sent", True, 70, 20.0), (CALL, "", "sent", False, 30, 0)),
            judged((CALL, "", "control", True, 50, 20.0), (CALL, "", "control", False, 50, 0)),
        ]
    )

    # when
    call, win_back, total = revenue_recovered(rows)

    # then: 10 more customers × Tk 10, 20 more × Tk 20
    assert [win_back.recovered, call.recovered, total.recovered] == pytest.approx([100.0, 400.0, 500.0])
    half_widths = [(part.high or 0) - (part.low or 0) for part in (win_back, call, total)]
    assert half_widths[2] == pytest.approx(math.hypot(*half_widths[:2]))
    assert not total.too_small


def test_revenue_recovered_without_a_control_group_is_not_measured() -> None:
    [action, total] = revenue_recovered(judged((WIN_BACK, "", "sent", True, 3, 50.0)))

    assert (action.recovered, action.low, action.retention_control) == (None, None, None)
    assert (total.recovered, total.too_small, total.spend_retained) == (None, True, 150.0)


def test_a_return_from_proposals_hardly_sent_is_marked_as_not_the_actions() -> None:
    # given 40 proposed of whom 4 were sent (10%, under MIN_SHARE_SENT), more kept than among the held out
    rows = judged(
        (WIN_BACK, "", "sent", True, 4, 0),
        (WIN_BACK, "", "refused", True, 16, 0),
        (WIN_BACK, "", "refused", False, 20, 0),
        (WIN_BACK, "", "control", True, 10, 0),
        (WIN_BACK, "", "control", False, 30, 0),
    )

    costs = {"margin_rate": 1.0, "message_cost": 2.0, "call_cost": 120.0}

    # when
    (item,) = roi_by_segment(rows, **costs)
    (all_sent,) = roi_by_segment(rows.assign(sent=rows["assigned"]), **costs)

    # then the difference is measured, but so few were sent that it cannot be the action's doing
    assert item.test.difference == pytest.approx(0.5 - 0.25)
    assert item.too_little_sent
    assert not all_sent.too_little_sent


def test_revenue_recovered_from_proposals_hardly_sent_is_marked_and_so_is_the_total() -> None:
    # given one action sent to a tenth of its proposals, another to all of them
    rows = judged(
        (WIN_BACK, "", "sent", True, 4, 100),
        (WIN_BACK, "", "refused", True, 16, 100),
        (WIN_BACK, "", "refused", False, 20, 0),
        (WIN_BACK, "", "control", True, 10, 100),
        (WIN_BACK, "", "control", False, 30, 0),
        (CALL, "", "sent", True, 40, 100),
        (CALL, "", "control", True, 20, 100),
        (CALL, "", "control", False, 20, 0),
    )

    # when
    call, win_back, total = revenue_recovered(rows)

    # then
    assert (call.action, call.too_little_sent) == (CALL, False)
    assert (win_back.action, win_back.too_little_sent) == (WIN_BACK, True)
    assert total.too_little_sent
