"""What the interventions did, measured against the randomly held-out control group: uplift per action and segment,
shrunk towards its prior, and the return per action.

The control group is drawn at random among *proposals*, before staff decide, so the only fair comparison is with all
proposals that were not held out, whatever staff then did with them (intent to treat): comparing the sent ones alone
with control would credit the interventions with staff's choice of whom to approve. The effect of sending is then
the intent-to-treat difference divided by the share of proposals that were sent (with one-sided non-compliance —
control customers are never contacted — this is the standard instrumental-variable estimate of the effect on those
sent).

The frames these functions read are judged proposals, one row each, with the columns `action`, `assigned` (proposed
outside the control group), `sent` and `retained` (booked again within the churn window), and what each function
adds.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from mlcore.offers import CALL, DEFAULT_UPLIFT, if_retained, segment_response
from mlcore.uplift import UpliftConfig

SHRINK_TOWARDS_PRIOR = 200  # outcomes it takes for the measured uplift to weigh as much as the prior
MIN_SHARE_SENT = UpliftConfig.min_share_sent  # below this, dividing by the share sent magnifies noise


@dataclass(frozen=True)
class Arms:
    """How a group of judged proposals split between the arms."""

    proposed: int  # outside the control group (sent, refused or expired)
    proposed_kept: int
    sent: int
    control: int
    control_kept: int


def arm_counts(judged: pd.DataFrame, by: list[str]) -> dict[tuple[str, ...], Arms]:
    """The arms of each group of `by` (keyed by its values; rows whose key is missing are left out)."""
    assigned, retained = judged["assigned"].astype(bool), judged["retained"].astype(bool)
    arms = pd.DataFrame(
        {
            "proposed": assigned,
            "proposed_kept": assigned & retained,
            "sent": assigned & judged["sent"].astype(bool),
            "control": ~assigned,
            "control_kept": ~assigned & retained,
        }
    )
    grouped = arms.groupby([judged[column] for column in by]).sum()  # columns in the order of Arms' fields
    return {
        (key if len(by) > 1 else (key,)): Arms(*(int(count) for count in counts))
        for key, counts in zip(grouped.index, grouped.to_numpy(), strict=True)
    }


def too_little_sent(sent: int, proposed: int) -> bool:
    """Sent to under MIN_SHARE_SENT of the proposed (or nothing proposed): a difference between the arms can then
    hardly be the action's doing, and dividing by the share sent only magnifies noise."""
    return not proposed or sent / proposed < MIN_SHARE_SENT


def effect_of_sending(difference: float, share_sent: float) -> float:
    """The intent-to-treat difference (proposed − control retention) as the effect on those sent: divided by the
    share of proposals sent (see the module docstring)."""
    return difference / share_sent


def shrink_weight(proposed: int, control: int, share_sent: float) -> float:
    """How much a measurement counts against its prior, 0 to 1. Dividing by the share sent s multiplies the standard
    error by 1/s, so the measurement is worth n·s² outcomes (n the smaller arm); below MIN_SHARE_SENT, nothing."""
    evidence = min(proposed, control) * share_sent**2 if share_sent >= MIN_SHARE_SENT else 0.0
    return evidence / (evidence + SHRINK_TOWARDS_PRIOR)


def segment_prior(action: str, segment: str, action_uplift: float) -> float:
    """The prior of an action in a segment: the action's estimate times the segment's prior response, what the engine
    used before any outcome; without the factor, one favourable outcome could lower the estimate."""
    return action_uplift * segment_response(action, segment)


@dataclass(frozen=True)
class UpliftEstimate:
    action: str
    segment: str  # "" for the action across all segments
    proposed: int  # proposals outside the control group with an outcome (sent, refused or expired)
    sent: int
    control: int
    retention_proposed: float
    retention_control: float
    share_sent: float
    measured_uplift: float  # the effect of sending: (retention proposed − control) ÷ share sent
    prior: float
    weight: float  # how much the measurement counts against the prior, 0 to 1
    uplift: float  # the measured uplift shrunk towards the prior by how much evidence there is

    @property
    def key(self) -> str:
        return f"{self.action}:{self.segment}" if self.segment else self.action


def uplift_estimate(arms: Arms, *, action: str, segment: str, prior: float) -> UpliftEstimate | None:
    """The effect of sending from one group's arms, shrunk towards `prior`; None without a proposal, a sent one or a
    held-out one to compare."""
    proposed, sent, control = arms.proposed, arms.sent, arms.control
    if not proposed or not control or not sent:
        return None
    rate_proposed, rate_control = arms.proposed_kept / proposed, arms.control_kept / control
    share_sent = sent / proposed
    measured = effect_of_sending(rate_proposed - rate_control, share_sent)
    weight = shrink_weight(proposed, control, share_sent)
    return UpliftEstimate(
        action=action,
        segment=segment,
        proposed=proposed,
        sent=sent,
        control=control,
        retention_proposed=round(rate_proposed, 4),
        retention_control=round(rate_control, 4),
        share_sent=round(share_sent, 4),
        measured_uplift=round(measured, 4),
        prior=round(prior, 4),
        weight=round(weight, 4),
        uplift=round(weight * measured + (1 - weight) * prior, 4),
    )


def uplift_measure(judged: pd.DataFrame, *, priors: Mapping[str, float] | None = None) -> list[UpliftEstimate]:
    """uplift_from_arms on a frame of judged proposals (column `segment`; rows without one count only for the
    action)."""
    return uplift_from_arms(arm_counts(judged, ["action"]), arm_counts(judged, ["action", "segment"]), priors=priors)


def uplift_from_arms(
    by_action: Mapping[tuple[str, ...], Arms],
    by_segment: Mapping[tuple[str, ...], Arms],
    *,
    priors: Mapping[str, float] | None = None,
) -> list[UpliftEstimate]:
    """The effect of each action (`by_action`, keyed by (action,)), then of each action in each segment
    (`by_segment`, keyed by (action, segment); an empty segment is skipped), each shrunk towards its prior: for an
    action, `priors` over DEFAULT_UPLIFT (0 for an action in neither); for an action in a segment, the action's
    estimate times the segment's response (segment_prior). The arms may be counted by the database."""
    configured = {**DEFAULT_UPLIFT, **(priors or {})}
    estimates = [
        item
        for (action,), arms in sorted(by_action.items())
        if (item := uplift_estimate(arms, action=action, segment="", prior=configured.get(action, 0.0)))
    ]
    overall = {item.action: item.uplift for item in estimates}
    for (action, segment), arms in sorted(by_segment.items()):
        if segment:
            prior = segment_prior(action, segment, overall.get(action, configured.get(action, 0.0)))
            if item := uplift_estimate(arms, action=action, segment=segment, prior=prior):
                estimates.append(item)
    return estimates


@dataclass(frozen=True)
class MeasuredRoi:
    """What an action really returned, against the control group rather than assumed (see the module docstring)."""

    action: str
    proposed: int
    sent: int
    control: int
    measured_uplift: float  # the effect of sending: (retention proposed − control) ÷ share sent, unshrunk
    customers_won: float  # (retention proposed − control) × proposals: how many stayed because of the action
    value_recovered: float  # customers won × their mean value if retained × the margin rate (Tk)
    value_per_customer: float  # the sent ones' mean value if retained × the margin rate: one customer won (Tk)
    discounts_redeemed: float  # Tk given away on redeemed codes
    contact_cost: float  # messages and calls actually sent (Tk)
    net_benefit: float
    roi: float | None  # net benefit ÷ cost; None when nothing was spent
    expected_roi: float  # the mean ROI the engine expected for the ones it sent


def action_roi(action: str, judged: pd.DataFrame, *, margin_rate: float) -> MeasuredRoi | None:
    """The return of one action from its judged proposals, with the columns `value` (the customer's value if
    retained), `given` (Tk of discounts redeemed), `contact` (Tk its message or call cost) and `expected_roi`; None
    without a sent proposal or a held-out one to compare."""
    assigned, control = judged[judged["assigned"]], judged[~judged["assigned"]]
    sent = assigned[assigned["sent"]]
    if sent.empty or control.empty:
        return None
    difference = assigned["retained"].mean() - control["retained"].mean()  # intent to treat
    won = difference * len(assigned)
    per_customer = sent["value"].mean() * margin_rate
    value = won * per_customer
    cost = sent["given"].sum() + sent["contact"].sum()
    net = value - cost
    return MeasuredRoi(
        action=action,
        proposed=len(assigned),
        sent=len(sent),
        control=len(control),
        measured_uplift=round(float(effect_of_sending(difference, len(sent) / len(assigned))), 4),
        customers_won=round(float(won), 1),
        value_recovered=round(float(value), 2),
        value_per_customer=round(float(per_customer), 2),
        discounts_redeemed=round(float(sent["given"].sum()), 2),
        contact_cost=round(float(sent["contact"].sum()), 2),
        net_benefit=round(float(net), 2),
        roi=round(float(net / cost), 3) if cost > 0 else None,
        expected_roi=round(float(sent["expected_roi"].mean()), 3),
    )


def roi_measure(
    judged: pd.DataFrame, *, margin_rate: float, message_cost: float, call_cost: float
) -> list[MeasuredRoi]:
    """Per action (in order of its name), the return measured against the control group: the customers the proposals
    kept beyond what the held-out customers' retention says would have stayed anyway, valued as the engine values
    them (value if retained × margin), against what was really spent (redeemed discounts, messages and calls sent).

    Columns besides the module's: `ltv` and `churn_probability` (at the proposal), `given` (Tk of discounts
    redeemed) and `expected_roi`."""
    rows = judged.assign(
        value=[if_retained(ltv, churn) for ltv, churn in zip(judged["ltv"], judged["churn_probability"], strict=True)],
        contact=[call_cost if action == CALL else message_cost for action in judged["action"]],
    )
    return [
        roi
        for action, group in rows.groupby("action")
        if (roi := action_roi(str(action), group, margin_rate=margin_rate))
    ]
