"""The uplift model: does it find the customers an action helps, from treated and control outcomes alone?"""

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from mlcore.features import History, TrainingDataError, build_features
from mlcore.offers import OfferPolicy
from mlcore.tests.conftest import AS_OF
from mlcore.uplift import (
    FittedUplift,
    UpliftConfig,
    UpliftModel,
    observed_uplift,
    personal_uplifts,
    uplift_centred,
    uplift_cross_fitted,
    uplift_train,
)

ACTIONS = np.array(["service_recovery", "win_back_discount", "seasonal_reminder"])


@pytest.fixture(scope="module")
def experiment(sim_history: History) -> dict[str, Any]:
    """Real simulated customers, a random action and a random half treated; retention drawn with a known uplift:
    service recovery helps customers who complained (+30 points), a win-back those who book with discounts (+20),
    a seasonal reminder nobody. Each customer appears three times with independent draws: an uplift model needs
    thousands of outcomes, more than the simulated 4,000 customers give."""
    once = build_features(sim_history, AS_OF)
    features = pd.concat([once.set_index(once.index + copy * 1_000_000) for copy in range(3)])
    rng = np.random.default_rng(11)
    actions = pd.Series(rng.choice(ACTIONS, size=len(features)), index=features.index)
    treated = pd.Series(rng.random(len(features)) < 0.5, index=features.index)
    complained = features["complaints_total"].to_numpy() > 0
    bargain = features["discount_share"].to_numpy() > 0.2
    true_uplift = np.select(
        [
            (actions == "service_recovery").to_numpy() & complained,
            (actions == "win_back_discount").to_numpy() & bargain,
        ],
        [0.30, 0.20],
        0.0,
    )
    base = 0.15 + 0.5 * (features["bookings_365d"].to_numpy() > 1)  # who stays anyway
    retained = pd.Series(rng.random(len(features)) < base + treated.to_numpy() * true_uplift, index=features.index)
    return {"features": features, "actions": actions, "treated": treated, "retained": retained, "true": true_uplift}


def test_the_uplift_model_ranks_customers_by_what_the_action_does_for_them(experiment: dict[str, Any]) -> None:
    # when the model is trained and scores every customer for their own action
    args = [experiment[key] for key in ("features", "actions", "treated", "retained")]
    model = uplift_train(*args)
    predicted = np.concatenate(
        [model.predict(experiment["features"][rows], action) for action, rows in _by_action(experiment["actions"])]
    )
    true = np.concatenate([experiment["true"][rows.to_numpy()] for _, rows in _by_action(experiment["actions"])])
    check = uplift_cross_fitted(*args)
    oracle = experiment["true"]
    oracle_top = oracle >= np.quantile(oracle + 1e-9 * np.arange(len(oracle)), 0.7)
    best = observed_uplift(experiment["treated"].to_numpy()[oracle_top], experiment["retained"].to_numpy()[oracle_top])
    correlation = spearmanr(predicted, true).statistic
    print(f"\nuplift: spearman with the true uplift {correlation:.3f}; {check}; knowing the true uplift {best:.4f}")

    # then its ranking follows the true uplift, and on customers it never saw, the third it expects most from
    # gain well above the average, a good part of the way to what knowing the true uplift would find
    assert correlation > 0.3
    assert check.observed_uplift_top > 2 * check.observed_uplift_all > 0
    assert check.observed_uplift_top - check.observed_uplift_all > 0.3 * (best - check.observed_uplift_all)
    # and it knows who does not respond: the seasonal reminder, which helps nobody, averages near zero
    seasonal = model.predict(experiment["features"], "seasonal_reminder")
    recovery = model.predict(experiment["features"], "service_recovery")
    assert abs(seasonal.mean()) < 0.05
    complained = experiment["features"]["complaints_total"].to_numpy() > 0
    assert recovery[complained].mean() > recovery[~complained].mean() + 0.1


def _by_action(actions: pd.Series) -> Iterator[tuple[str, pd.Series]]:
    for action in sorted(actions.unique()):
        yield action, actions == action


def test_the_uplift_model_counts_the_evidence_behind_each_action(experiment: dict[str, Any]) -> None:
    # given
    model = uplift_train(*[experiment[key] for key in ("features", "actions", "treated", "retained")])
    table = pd.crosstab(experiment["actions"], experiment["treated"])

    # then each action's evidence is the smaller of its treated and control outcomes
    assert model.actions == sorted(ACTIONS)
    assert model.outcomes_by_action == {action: int(table.loc[action].min()) for action in ACTIONS}


def test_shrinking_weighs_the_model_by_its_evidence(experiment: dict[str, Any]) -> None:
    # given a model with 400 outcomes behind service recovery and none behind a personal call
    model = uplift_train(*[experiment[key] for key in ("features", "actions", "treated", "retained")])
    model.outcomes_by_action = {"service_recovery": 400}
    config = UpliftConfig(shrink_outcomes=400)
    raw, fallback = np.array([0.3, -0.1]), np.array([0.05, 0.05])

    # then half-way for recovery, all the segment estimate for the call
    assert model.shrink(raw, "service_recovery", fallback, config) == pytest.approx([0.175, -0.025])
    assert model.shrink(raw, "personal_call", fallback, config) == pytest.approx([0.05, 0.05])


def test_the_uplift_model_refuses_too_few_control_outcomes(experiment: dict[str, Any]) -> None:
    # given 99 control outcomes
    treated = experiment["treated"].copy()
    control = treated.index[~treated.to_numpy()]
    treated.loc[control[99:]] = True

    # when / then
    with pytest.raises(TrainingDataError, match=r"\d+ treated and 99 control outcomes; .* at least 100 of each"):
        uplift_train(experiment["features"], experiment["actions"], treated, experiment["retained"])


def test_the_effect_of_sending_corrects_for_whom_staff_chose_to_send(experiment: dict[str, Any]) -> None:
    # given the experiment's proposals, of which staff sent 90% of those who complained and 30% of the others;
    # a customer not sent gets nothing, so retention of the unsent treated rows is drawn as if held out
    features, actions, treated = experiment["features"], experiment["actions"], experiment["treated"]
    rng = np.random.default_rng(5)
    complained = features["complaints_total"].to_numpy() > 0
    sent = pd.Series(treated.to_numpy() & (rng.random(len(features)) < np.where(complained, 0.9, 0.3)), features.index)
    base = 0.15 + 0.5 * (features["bookings_365d"].to_numpy() > 1)
    retained = pd.Series(rng.random(len(features)) < base + sent.to_numpy() * experiment["true"], features.index)

    # when
    model = uplift_train(features, actions, treated, retained, sent=sent)
    recovery = model.effect(features, "service_recovery")
    naive = model.predict(features, "service_recovery") / sent[treated].mean()  # one share for everybody

    # then the chance of being sent is learned per customer; the effect of sending service recovery is clearly positive
    # for those who complained (true 0.30; boosting's regularisation makes the estimate conservative, about 0.17 at
    # this sample size) and near zero for the others; one average share for everybody overstates it
    share = model.share_sent(features, "service_recovery")
    assert share[complained].mean() == pytest.approx(0.9, abs=0.05)
    assert share[~complained].mean() == pytest.approx(0.3, abs=0.05)
    with_complaint, without = np.nanmean(recovery[complained]), np.nanmean(recovery[~complained])
    one_share = np.nanmean(naive[complained])
    print(f"\neffect if complained {with_complaint:.3f}, else {without:.3f}; with one share {one_share:.3f}")
    assert 0.12 < with_complaint < 0.35
    assert abs(without) < 0.06
    assert one_share > with_complaint + 0.1


def test_no_effect_is_claimed_where_staff_hardly_ever_send(experiment: dict[str, Any]) -> None:
    # given staff who sent service recovery to nobody who had not complained (and to every complainer)
    features, actions, treated = experiment["features"], experiment["actions"], experiment["treated"]
    complained = features["complaints_total"].to_numpy() > 0
    sent = pd.Series(treated.to_numpy() & complained, features.index)

    # when
    model = uplift_train(features, actions, treated, experiment["retained"], sent=sent)
    effect = model.effect(features, "service_recovery")

    # then the model says nothing for the ones never sent
    assert np.isnan(effect[~complained]).mean() > 0.9
    assert np.isfinite(effect[complained]).mean() > 0.9


class GivenEffect(UpliftModel):
    """An uplift model whose effect of sending service recovery is given per row: the features' `effect` column."""

    def effect(self, features: pd.DataFrame, action: str) -> np.ndarray:
        return features["effect"].to_numpy(dtype=float)


def given_effect(outcomes: int = 400) -> GivenEffect:
    # no boosters: GivenEffect answers effect() itself, and the rest of the model is never asked
    return GivenEffect(
        treated=None,  # type: ignore[arg-type]
        control=None,  # type: ignore[arg-type]
        actions=["service_recovery"],
        outcomes_by_action={"service_recovery": outcomes},
    )


def test_the_model_is_centred_on_the_customers_it_learned_from_overall_and_per_segment() -> None:
    # given the effects the model gives its training customers, one of whom it has nothing to say about (NaN)
    features = pd.DataFrame({"effect": [0.1, 0.3, 0.5, np.nan, 0.7]})
    segments = pd.Series(["occasional", "occasional", "at_risk", "price_sensitive", None])

    # when
    fitted = uplift_centred(given_effect(), features, segments)

    # then the centre is the mean effect without the NaN, per segment too; a segment with no effect has no centre, and
    # it, like a segment never seen, falls back to the overall one
    assert fitted.centre == {"service_recovery": pytest.approx(0.4, abs=1e-12)}
    assert fitted.centre_by_segment == {
        "service_recovery": {"occasional": pytest.approx(0.2, abs=1e-12), "at_risk": 0.5, "": 0.7}
    }
    assert fitted.centre_for("service_recovery", pd.Series(["at_risk", "price_sensitive", "new"])) == pytest.approx(
        [0.5, 0.4, 0.4], abs=1e-12
    )


def test_a_customers_uplift_is_the_segment_estimate_moved_by_their_departure_from_the_segments_centre() -> None:
    # given a model with 400 outcomes behind service recovery (weighed half against nothing at 400), centred on 0.3
    # overall and 0.2 among occasional customers; service recovery measured at 0.1 for occasional customers and 0.05
    # overall
    fitted = FittedUplift(
        model=given_effect(outcomes=400),
        centre={"service_recovery": 0.3},
        centre_by_segment={"service_recovery": {"occasional": 0.2}},
    )
    policy = OfferPolicy(uplift={"service_recovery:occasional": 0.1, "service_recovery": 0.05})
    features = pd.DataFrame({"effect": [0.4, 0.1, np.nan, 3.0]}, index=[11, 12, 13, 14])
    segments = pd.Series(["occasional", "quality_focused", "occasional"], index=[11, 12, 13])  # 14 has none

    # when
    uplifts = personal_uplifts(
        fitted=fitted, features=features, segments=segments, policy=policy, config=UpliftConfig(shrink_outcomes=400)
    )

    # then 11: 0.1 + ½ × (0.4 − 0.2); 12: 0.05 × 1.3 (quality-focused customers' response) + ½ × (0.1 − 0.3); 13: no
    # effect, the segment estimate is left to the engine; 14: 0.05 + ½ × (3.0 − 0.3), kept within ±1
    assert uplifts.to_dict() == {
        11: {"service_recovery": 0.2},
        12: {"service_recovery": -0.035},
        13: {},
        14: {"service_recovery": 1.0},
    }
