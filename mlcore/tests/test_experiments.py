"""What the interventions did, measured against the control group: hand-computed experiments, no database."""

import pandas as pd
import pytest

from mlcore.experiments import (
    SHRINK_TOWARDS_PRIOR,
    Arms,
    MeasuredRoi,
    UpliftEstimate,
    arm_counts,
    roi_measure,
    segment_prior,
    shrink_weight,
    uplift_measure,
)

WIN_BACK = "win_back_discount"


def judged(*groups: tuple[str, str | None, str, bool, int]) -> pd.DataFrame:
    """Judged proposals from (action, segment, arm, retained, how many); arm is "sent", "refused" (proposed outside
    control, not sent) or "control"."""
    return pd.DataFrame(
        [
            {
                "action": action,
                "segment": segment,
                "assigned": arm != "control",
                "sent": arm == "sent",
                "retained": kept,
            }
            for action, segment, arm, kept, count in groups
            for _ in range(count)
        ]
    )


def win_back(segment: str | None) -> list[tuple[str, str | None, str, bool, int]]:
    """8 proposals, 4 of them sent, 4 kept (3 sent, 1 refused); 4 held out, 1 kept."""
    return [
        (WIN_BACK, segment, "sent", True, 3),
        (WIN_BACK, segment, "sent", False, 1),
        (WIN_BACK, segment, "refused", True, 1),
        (WIN_BACK, segment, "refused", False, 3),
        (WIN_BACK, segment, "control", True, 1),
        (WIN_BACK, segment, "control", False, 3),
    ]


def test_each_groups_proposals_are_counted_by_arm() -> None:
    # given win-back proposals: 2 sent and kept, 1 refused and lost, 1 held out and kept, 1 held out without a
    # segment; a personal call sent and lost
    frame = judged(
        (WIN_BACK, "occasional", "sent", True, 2), (WIN_BACK, "occasional", "refused", False, 1),
        (WIN_BACK, "occasional", "control", True, 1), (WIN_BACK, None, "control", False, 1),
        ("personal_call", "occasional", "sent", False, 1),
    )  # fmt: skip

    # when
    by_action, by_segment = arm_counts(frame, ["action"]), arm_counts(frame, ["action", "segment"])

    # then
    assert by_action == {
        (WIN_BACK,): Arms(proposed=3, proposed_kept=2, sent=2, control=2, control_kept=1),
        ("personal_call",): Arms(proposed=1, proposed_kept=0, sent=1, control=0, control_kept=0),
    }
    assert by_segment == {
        (WIN_BACK, "occasional"): Arms(proposed=3, proposed_kept=2, sent=2, control=1, control_kept=1),
        ("personal_call", "occasional"): Arms(proposed=1, proposed_kept=0, sent=1, control=0, control_kept=0),
    }


def test_the_effect_of_sending_is_the_intent_to_treat_difference_divided_by_the_share_sent() -> None:
    # given 4 of 8 proposed kept against 1 of 4 held out, half the proposals sent, and a prior of 0.1
    frame = judged(*win_back(segment=""))

    # when
    estimates = uplift_measure(frame, priors={WIN_BACK: 0.1})

    # then (0.5 − 0.25) ÷ 0.5 = 0.5, worth min(8, 4) × 0.5² = 1 outcome: weight 1 ÷ 201, uplift 0.1 + 0.4 ÷ 201
    assert estimates == [
        UpliftEstimate(
            action=WIN_BACK, segment="", proposed=8, sent=4, control=4, retention_proposed=0.5,
            retention_control=0.25, share_sent=0.5, measured_uplift=0.5, prior=0.1, weight=0.005, uplift=0.102,
        )
    ]  # fmt: skip


def test_a_segments_prior_is_the_actions_estimate_times_the_segments_response() -> None:
    # given the same proposals, all price-sensitive, and one more held-out customer (lost) without a segment
    frame = judged(*win_back(segment="price_sensitive"), (WIN_BACK, None, "control", False, 1))

    # when
    overall, segment = uplift_measure(frame)

    # then the action: 4 of 8 against 1 of 5, (0.5 − 0.2) ÷ 0.5 = 0.6, worth min(8, 5) × 0.25 = 1.25 outcomes,
    # shrunk towards DEFAULT_UPLIFT's 0.06: 0.06 + 0.54 × 1.25 ÷ 201.25 = 0.0634
    assert (overall.key, overall.control, overall.retention_control, overall.measured_uplift) == (WIN_BACK, 5, 0.2, 0.6)
    assert (overall.prior, overall.weight, overall.uplift) == (0.06, 0.0062, 0.0634)
    # the segment, without the customer who has none: prior 0.0634 × 1.3 (price-sensitive customers' response to a
    # win-back) = 0.08242, measured 0.5 worth one outcome: 0.08242 + (0.5 − 0.08242) ÷ 201 = 0.0845
    assert (segment.key, segment.control, segment.measured_uplift) == (f"{WIN_BACK}:price_sensitive", 4, 0.5)
    assert (segment.prior, segment.weight, segment.uplift) == (0.0824, 0.005, 0.0845)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [("price_sensitive", 0.07), ("quality_focused", 0.03), ("occasional", 0.05), ("a_new_segment", 0.05)],
)
def test_segment_prior_scales_the_action_by_the_segments_prior_response(segment: str, expected: float) -> None:
    assert segment_prior("budget_service", segment, 0.05) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("proposed", "control", "share_sent", "expected"),
    [
        (20, 10, 0.5, 2.5 / 202.5),  # the smaller arm, 10 × 0.5² = 2.5 outcomes
        (800, 400, 1.0, 400 / 600),  # everything sent: the smaller arm's 400 outcomes, twice the prior's 200
        (100, 100, 0.2, 4 / 204),  # 100 × 0.2² = 4 outcomes, at MIN_SHARE_SENT
        (100, 100, 0.19, 0.0),  # below MIN_SHARE_SENT: dividing by the share sent would magnify noise
    ],
)
def test_a_measurement_weighs_as_n_times_the_share_sent_squared_outcomes(
    proposed: int, control: int, share_sent: float, expected: float
) -> None:
    assert SHRINK_TOWARDS_PRIOR == 200
    assert shrink_weight(proposed, control, share_sent) == pytest.approx(expected, rel=1e-12, abs=0)


def test_a_share_sent_below_the_minimum_leaves_the_prior() -> None:
    # given 10 proposals of which 1 was sent (share 0.1), against 10 held out
    frame = judged(
        (WIN_BACK, "", "sent", True, 1), (WIN_BACK, "", "refused", True, 3), (WIN_BACK, "", "refused", False, 6),
        (WIN_BACK, "", "control", True, 3), (WIN_BACK, "", "control", False, 7),
    )  # fmt: skip

    # when
    (estimate,) = uplift_measure(frame)

    # then (0.4 − 0.3) ÷ 0.1 = 1.0 is measured but carries no weight
    assert (estimate.share_sent, estimate.measured_uplift, estimate.weight, estimate.uplift) == (0.1, 1.0, 0.0, 0.06)


@pytest.mark.parametrize(
    "groups",
    [
        [(WIN_BACK, "", "sent", True, 5)],  # nobody held out
        [(WIN_BACK, "", "refused", True, 5), (WIN_BACK, "", "control", True, 5)],  # nothing sent
        [(WIN_BACK, "", "control", True, 5)],  # nothing proposed
    ],
    ids=["no control", "none sent", "none proposed"],
)
def test_without_both_arms_and_a_sent_proposal_there_is_no_estimate(
    groups: list[tuple[str, str | None, str, bool, int]],
) -> None:
    assert uplift_measure(judged(*groups)) == []


def roi_frame(*rows: tuple[str, str, bool, float, float, float, float]) -> pd.DataFrame:
    """Judged proposals from (action, arm, retained, LTV, churn probability, Tk redeemed, expected ROI)."""
    frame = pd.DataFrame(
        rows, columns=["action", "arm", "retained", "ltv", "churn_probability", "given", "expected_roi"]
    )  # fmt: skip
    return frame.assign(assigned=frame["arm"] != "control", sent=frame["arm"] == "sent")


def test_the_return_counts_the_customers_won_against_what_was_really_spent() -> None:
    # given win-back: 2 of 4 proposals kept (both sent, one worth Tk 8,000 if retained with a Tk 200 code redeemed,
    # one Tk 4,000) against none of 2 held out; a personal call sent to one customer and no control group
    frame = roi_frame(
        (WIN_BACK, "sent", True, 4000.0, 0.5, 200.0, 3.0),
        (WIN_BACK, "sent", False, 2000.0, 0.5, 0.0, 5.0),
        (WIN_BACK, "refused", True, 9000.0, 0.5, 0.0, 9.0),
        (WIN_BACK, "refused", False, 9000.0, 0.5, 0.0, 9.0),
        (WIN_BACK, "control", False, 9000.0, 0.5, 0.0, 9.0),
        (WIN_BACK, "control", False, 9000.0, 0.5, 0.0, 9.0),
        ("personal_call", "sent", True, 9000.0, 0.5, 0.0, 9.0),
    )

    # when
    results = roi_measure(frame, margin_rate=0.5, message_cost=2.0, call_cost=120.0)

    # then (0.5 − 0) × 4 = 2 customers won, × Tk 6,000 (the sent ones' mean value) × 50% margin = Tk 6,000, for
    # Tk 200 of discounts and 2 messages; no return is claimed for the call without a control group
    assert results == [
        MeasuredRoi(
            action=WIN_BACK, proposed=4, sent=2, control=2, measured_uplift=1.0, customers_won=2.0,
            value_recovered=6000.0, value_per_customer=3000.0, discounts_redeemed=200.0, contact_cost=4.0,
            net_benefit=5796.0, roi=28.412,
            expected_roi=4.0,
        )
    ]  # fmt: skip


def test_a_call_costs_a_call_and_nothing_spent_has_no_roi() -> None:
    # given a personal call and a seasonal reminder, each sent to one customer who stayed and held out from one who
    # left; messages cost nothing
    frame = roi_frame(
        ("personal_call", "sent", True, 1000.0, 0.0, 0.0, 2.0),
        ("personal_call", "control", False, 1000.0, 0.0, 0.0, 2.0),
        ("seasonal_reminder", "sent", True, 1000.0, 0.0, 0.0, 2.0),
        ("seasonal_reminder", "control", False, 1000.0, 0.0, 0.0, 2.0),
    )

    # when
    call, reminder = roi_measure(frame, margin_rate=1.0, message_cost=0.0, call_cost=120.0)

    # then one customer won, worth Tk 1,000, each
    assert (call.action, call.customers_won, call.value_recovered) == ("personal_call", 1.0, 1000.0)
    assert (call.contact_cost, call.net_benefit, call.roi) == (120.0, 880.0, 7.333)
    assert (reminder.action, reminder.contact_cost, reminder.net_benefit, reminder.roi) == (
        "seasonal_reminder", 0.0, 1000.0, None,
    )  # fmt: skip


def test_an_action_that_did_nothing_measures_the_loss_of_what_it_cost() -> None:
    # given 3 of 10 kept whether sent or held out
    frame = roi_frame(
        *[(WIN_BACK, arm, n < 3, 3000.0, 0.7, 0.0, 5.0) for arm in ("sent", "control") for n in range(10)]
    )

    # when
    (roi,) = roi_measure(frame, margin_rate=1.0, message_cost=2.0, call_cost=120.0)

    # then nobody won, ten messages for nothing
    assert (roi.measured_uplift, roi.customers_won, roi.value_recovered) == (0.0, 0.0, 0.0)
    assert (roi.net_benefit, roi.roi) == (-20.0, -1.0)
