"""A/B results of the interventions against the randomly held-out control group, their return per segment and the
revenue they recovered, each with its 95% interval and a flag where the sample is too small to say anything.

The arms are those of mlcore.experiments (intent to treat: every proposal outside the control group, whatever staff
did with it, against the held-out ones); the effect of sending is the engine's (experiments.effect_of_sending).

The difference of two retention rates is tested with the two-proportion z-test (pooled standard error; the same
p-value as scipy's chi-square test of the 2×2 table without continuity correction) and given a Wald interval
(unpooled standard error). Both rest on the normal approximation, which holds when every arm expects at least
MIN_EXPECTED customers retained and as many churned under the pooled rate, and has at least MIN_PER_ARM customers;
below that the result is flagged `too_small` (a control group of one always is).
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from mlcore.experiments import Arms, MeasuredRoi, arm_counts, effect_of_sending, roi_measure, too_little_sent

CONFIDENCE = 0.95
MIN_PER_ARM = 30
MIN_EXPECTED = 5


def z_of(confidence: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2))


@dataclass(frozen=True)
class ProportionTest:
    """Retention of a treated arm against a control arm. The rates, difference, interval and p-value are None when
    an arm is empty."""

    treated: int
    treated_retained: int
    control: int
    control_retained: int
    retention_treated: float | None
    retention_control: float | None
    difference: float | None  # treated − control
    low: float | None  # the difference's interval (CONFIDENCE), within [-1, 1]
    high: float | None
    p_value: float | None  # two-sided, against no difference
    too_small: bool
    standard_error: float | None = None  # the difference's (unpooled): what sums of differences combine


def too_small_to_test(kept_a: int, n_a: int, kept_b: int, n_b: int) -> bool:
    """Is the normal approximation the test and the interval rest on out of reach? (see the module docstring)"""
    if min(n_a, n_b) < MIN_PER_ARM:
        return True
    pooled = (kept_a + kept_b) / (n_a + n_b)
    return min(n * rate for n in (n_a, n_b) for rate in (pooled, 1 - pooled)) < MIN_EXPECTED


def two_proportion_test(
    kept_a: int, n_a: int, kept_b: int, n_b: int, *, confidence: float = CONFIDENCE
) -> ProportionTest:
    """Arm a (treated, `kept_a` of `n_a` retained) against arm b (control)."""
    from scipy.stats import norm

    too_small = too_small_to_test(kept_a, n_a, kept_b, n_b)
    if not n_a or not n_b:
        return ProportionTest(n_a, kept_a, n_b, kept_b, None, None, None, None, None, None, too_small)
    rate_a, rate_b = kept_a / n_a, kept_b / n_b
    difference = rate_a - rate_b
    error = math.sqrt(rate_a * (1 - rate_a) / n_a + rate_b * (1 - rate_b) / n_b)
    margin = z_of(confidence) * error
    pooled = (kept_a + kept_b) / (n_a + n_b)
    pooled_se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    # Everyone retained, or no one, in both arms: the rates are equal and nothing contradicts "no difference".
    p_value = float(2 * norm.sf(abs(difference) / pooled_se)) if pooled_se > 0 else 1.0
    return ProportionTest(
        treated=n_a,
        treated_retained=kept_a,
        control=n_b,
        control_retained=kept_b,
        retention_treated=rate_a,
        retention_control=rate_b,
        difference=difference,
        # A difference of two shares lies in [-1, 1]; the normal approximation's interval runs past it on tiny arms
        # (flagged too small anyway): clipped, so no chart shows an impossible −120 points.
        low=max(-1.0, difference - margin),
        high=min(1.0, difference + margin),
        p_value=p_value,
        too_small=too_small,
        standard_error=error,
    )


@dataclass(frozen=True)
class AbResult:
    action: str
    segment: str  # "" for the action across all segments
    sent: int
    share_sent: float | None  # sent ÷ proposed
    test: ProportionTest  # intent to treat: proposed (sent, refused or expired) against held out
    # The effect on those sent (the difference ÷ the share sent) and its interval; None with nothing sent, or too
    # little sent (below experiments.MIN_SHARE_SENT) for the division to mean anything, as the engine judges it.
    effect_of_sending: float | None
    effect_low: float | None
    effect_high: float | None


Estimate = tuple[float | None, float | None, float | None]  # a value and its interval


def scaled(test: ProportionTest, factor: float | None) -> Estimate:
    """The difference and its interval times `factor`; None for each without a difference or a factor."""
    if factor is None or test.difference is None or test.low is None or test.high is None:
        return None, None, None
    return test.difference * factor, test.low * factor, test.high * factor


def ab_result(arms: Arms, *, action: str, segment: str) -> AbResult:
    test = two_proportion_test(arms.proposed_kept, arms.proposed, arms.control_kept, arms.control)
    share_sent = arms.sent / arms.proposed if arms.proposed else None
    usable = not too_little_sent(arms.sent, arms.proposed)
    effect, low, high = scaled(test, effect_of_sending(1.0, share_sent) if usable and share_sent else None)
    return AbResult(action, segment, arms.sent, share_sent, test, effect, low, high)


def ab_results(by_action: Mapping[tuple[str, ...], Arms], by_segment: Mapping[tuple[str, ...], Arms]) -> list[AbResult]:
    """Per action (keys (action,)), then per action and segment (keys (action, segment); an empty segment is
    skipped), in order of their keys: the arms as experiments.arm_counts counts them."""
    overall = [ab_result(arms, action=action, segment="") for (action,), arms in sorted(by_action.items())]
    segments = [
        ab_result(arms, action=action, segment=segment)
        for (action, segment), arms in sorted(by_segment.items())
        if segment
    ]
    return overall + segments


def ab_measure(judged: pd.DataFrame) -> list[AbResult]:
    """ab_results on a frame of judged proposals (mlcore.experiments' columns, and `segment`)."""
    if judged.empty:
        return []
    return ab_results(arm_counts(judged, ["action"]), arm_counts(judged, ["action", "segment"]))


@dataclass(frozen=True)
class SegmentRoi:
    """An action's measured return (experiments.roi_measure) across all segments or within one, with the interval
    the retention difference gives it: the net benefit is linear in the difference (customers won × what one is
    worth, less the fixed cost), so the difference's interval carries over. What one customer is worth and the cost
    are taken as measured."""

    segment: str  # "" for the action across all segments
    roi: MeasuredRoi
    test: ProportionTest  # the intent-to-treat retention difference the return rests on
    net_low: float | None  # the net benefit's interval (CONFIDENCE), Tk
    net_high: float | None
    roi_low: float | None  # the ROI's; None when nothing was spent
    roi_high: float | None
    # Sent to too few of the proposed (experiments.too_little_sent): the return is not to be read as the action's.
    too_little_sent: bool = False

    @property
    def inconclusive(self) -> bool:
        """Too few customers, or too few sent, to read the return as the action's."""
        return self.test.too_small or self.too_little_sent


def segment_roi(segment: str, roi: MeasuredRoi, arms: Arms) -> SegmentRoi:
    test = two_proportion_test(arms.proposed_kept, arms.proposed, arms.control_kept, arms.control)
    cost = roi.discounts_redeemed + roi.contact_cost
    net_low, net_high = (
        (None, None)
        if test.low is None or test.high is None
        else tuple(bound * roi.proposed * roi.value_per_customer - cost for bound in (test.low, test.high))
    )
    roi_low, roi_high = (
        (net_low / cost, net_high / cost) if cost > 0 and net_low is not None and net_high is not None else (None, None)
    )
    return SegmentRoi(segment, roi, test, net_low, net_high, roi_low, roi_high, too_little_sent(roi.sent, roi.proposed))


def _roi_of(segment: str, judged: pd.DataFrame, costs: dict[str, float]) -> list[SegmentRoi]:
    arms = arm_counts(judged, ["action"])
    return [segment_roi(segment, roi, arms[(roi.action,)]) for roi in roi_measure(judged, **costs)]


def roi_by_segment(
    judged: pd.DataFrame, *, margin_rate: float, message_cost: float, call_cost: float
) -> list[SegmentRoi]:
    """The return of each action (experiments.roi_measure) across all segments, then within each segment."""
    costs = {"margin_rate": margin_rate, "message_cost": message_cost, "call_cost": call_cost}
    if judged.empty:
        return []
    rows = _roi_of("", judged, costs)
    for segment, group in judged[judged["segment"].fillna("") != ""].groupby("segment"):
        rows += _roi_of(str(segment), group, costs)
    return rows


@dataclass(frozen=True)
class RevenueRecovered:
    """What the proposals' retained customers spent above what the control group's retention predicts."""

    action: str  # "" for all actions together
    proposed: int
    retained: int  # proposed customers who stayed
    control: int
    retention_control: float | None
    expected_retained: float | None  # proposed × the control group's retention: who would have stayed anyway
    spend_retained: float  # what the retained proposed customers spent in the window (Tk)
    recovered: float | None  # (retained − expected retained) × their mean spend (Tk)
    low: float | None  # its interval (CONFIDENCE), from the difference's
    high: float | None
    too_small: bool
    standard_error: float | None = None  # the difference's, scaled the same way
    most: float = 0.0  # the most it could be: every proposed customer kept, none of the control group (Tk)
    too_little_sent: bool = False  # as SegmentRoi's (for all actions: a part was)

    @property
    def inconclusive(self) -> bool:
        return self.too_small or self.too_little_sent


def revenue_recovered_of(action: str, judged: pd.DataFrame) -> RevenueRecovered:
    """One action's proposals (columns assigned, retained and `spend`, Tk spent in the churn window after the
    proposal). The mean spend of a retained customer is taken as known; the interval is the difference's, scaled."""
    assigned, retained = judged["assigned"].astype(bool), judged["retained"].astype(bool)
    proposed, control = int(assigned.sum()), int((~assigned).sum())
    kept = int((assigned & retained).sum())
    spend = float(judged.loc[assigned & retained, "spend"].sum())
    test = two_proportion_test(kept, proposed, int((~assigned & retained).sum()), control)
    expected = proposed * test.retention_control if test.retention_control is not None else None
    factor = proposed * (spend / kept if kept else 0.0)
    recovered, low, high = scaled(test, factor)
    return RevenueRecovered(
        action=action,
        proposed=proposed,
        retained=kept,
        control=control,
        retention_control=test.retention_control,
        expected_retained=expected,
        spend_retained=spend,
        recovered=recovered,
        low=low,
        high=high,
        too_small=test.too_small,
        standard_error=None if recovered is None or test.standard_error is None else test.standard_error * factor,
        most=factor,
        too_little_sent=too_little_sent(int((assigned & judged["sent"].astype(bool)).sum()), proposed),
    )


def revenue_total(parts: list[RevenueRecovered], *, confidence: float = CONFIDENCE) -> RevenueRecovered:
    """The actions together: the sum of what each recovered against its own control group (each action's control
    is drawn among its own proposals), the interval from the parts' independent errors. Too small when a part is,
    or when no part could be measured."""
    measured = [part for part in parts if part.recovered is not None and part.standard_error is not None]
    z = z_of(confidence)
    recovered = sum(part.recovered for part in measured if part.recovered is not None) if measured else None
    error = math.sqrt(sum((part.standard_error or 0.0) ** 2 for part in measured))
    most = sum(part.most for part in measured)
    proposed, control = sum(part.proposed for part in parts), sum(part.control for part in parts)
    return RevenueRecovered(
        action="",
        proposed=proposed,
        retained=sum(part.retained for part in parts),
        control=control,
        retention_control=None,
        expected_retained=sum(part.expected_retained or 0 for part in measured) if measured else None,
        spend_retained=sum(part.spend_retained for part in parts),
        recovered=recovered,
        # within what the parts could recover at most, in either direction, as each part's interval is
        low=None if recovered is None else max(-most, recovered - z * error),
        high=None if recovered is None else min(most, recovered + z * error),
        too_small=not measured or any(part.too_small for part in parts),
        standard_error=error if measured else None,
        most=most,
        too_little_sent=any(part.too_little_sent for part in measured),
    )


def revenue_recovered(judged: pd.DataFrame) -> list[RevenueRecovered]:
    """Per action (in order of its name), then all actions together (action "")."""
    parts = [revenue_recovered_of(str(action), group) for action, group in judged.groupby("action")]
    return [*parts, revenue_total(parts)]
