"""Per-customer retention uplift: a two-model (T-learner) estimate from treated and held-out customers' outcomes.

One gradient-boosted classifier learns P(retained | features, action) from the control group (customers proposed an
action and held out at random), the other from the customers who were sent it. A customer's uplift for an action is
the difference of the two at their features. The treated model starts from the control model's prediction (XGBoost's
base margin) and so only learns what the action changes: fitted from scratch, each model re-learns who stays anyway,
and the difference of two such fits is mostly noise (on the simulated experiment of the tests the top third's uplift
was 0.07-0.14 from scratch against 0.11-0.16 started from the control model). The action is a feature of both models,
so one pair serves every action and actions with few outcomes borrow strength from the others.

When the control group is drawn among proposals and staff then send only some of the others, the "treated" arm is
every proposal outside control (intent to treat: comparing only the sent ones with control would credit the action
with staff's choice of whom to approve). A third classifier learns P(sent | features, action) among those proposals,
and `effect` divides the intent-to-treat difference by it: the effect of sending, customer by customer (the
instrumental-variable estimate, valid with one-sided non-compliance: held-out customers are never contacted). Where
staff almost never send, the effect cannot be learned and `effect` says so (NaN).

Differences of two noisy models are noisier still, so the engine never uses them raw: `shrink` pulls each towards
the action × segment estimate (measured treated vs control, itself shrunk towards the prior) with a weight that
grows with the number of outcomes behind the action, and `personal_uplifts` adds to that estimate only how far a
customer stands from the customers of their segment the model learned from (`uplift_centred`).
`uplift_cross_fitted` measures whether the ranking is worth anything: the observed uplift among the customers the
model ranks highest, each scored by a model that never saw them.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlcore.arrays import AnyFloatArray, BoolArray, Float32Array
from mlcore.boosting import booster_train
from mlcore.features import FEATURES, TrainingDataError
from mlcore.offers import OfferPolicy, uplift_for

if TYPE_CHECKING:
    import xgboost as xgb


@dataclass(frozen=True)
class UpliftConfig:
    n_estimators: int = 60
    max_depth: int = 3
    learning_rate: float = 0.05
    min_child_weight: float = 3.0
    min_per_arm: int = 100  # outcomes needed in each of treated and control before a model is trained
    min_share_sent: float = 0.2  # below this chance of being sent, dividing by it magnifies noise: no estimate
    shrink_outcomes: int = 400  # outcomes behind an action at which the model weighs as much as the segment estimate
    seed: int = 0


def action_columns(actions: list[str]) -> list[str]:
    return [f"action={action}" for action in actions]


def uplift_matrix(features: pd.DataFrame, actions: pd.Series, known_actions: list[str]) -> Float32Array:
    """FEATURES, then one indicator column per known action."""
    base = features[list(FEATURES)].to_numpy(np.float32)
    indicators = np.stack([(actions.to_numpy() == action) for action in known_actions], axis=1).astype(np.float32)
    return np.hstack([base, indicators])


@dataclass
class UpliftModel:
    treated: "xgb.Booster"
    control: "xgb.Booster"
    actions: list[str]
    outcomes_by_action: dict[str, int]  # min(treated, control) outcomes behind each action: how far to trust it
    sent: "xgb.Booster | None" = (
        None  # P(sent | features, action) among treated rows; None when every treated row was sent
    )
    min_share_sent: float = 0.2

    def _matrix(self, features: pd.DataFrame, action: str) -> Float32Array:
        return uplift_matrix(features, pd.Series(action, index=features.index), self.actions)

    def predict(self, features: pd.DataFrame, action: str) -> AnyFloatArray:
        """Expected retention if treated (proposed) minus if held out, per row of `features`."""
        matrix = self._matrix(features, action)
        without = self.control.inplace_predict(matrix, predict_type="margin")
        with_action = self.treated.inplace_predict(matrix, predict_type="margin", base_margin=without)
        return _sigmoid(with_action) - _sigmoid(without)

    def share_sent(self, features: pd.DataFrame, action: str) -> AnyFloatArray:
        if self.sent is None:
            return np.ones(len(features))
        share: Float32Array = self.sent.inplace_predict(self._matrix(features, action))
        return share

    def effect(self, features: pd.DataFrame, action: str) -> AnyFloatArray:
        """The effect of sending the action, per row: `predict` ÷ the chance such a proposal is sent; NaN where that
        chance is below `min_share_sent` (staff hardly ever send it: nothing to learn from)."""
        share = self.share_sent(features, action)
        return np.where(share >= self.min_share_sent, self.predict(features, action) / np.maximum(share, 1e-9), np.nan)

    def shrink(
        self, raw: AnyFloatArray, action: str, fallback: AnyFloatArray | float, config: "UpliftConfig"
    ) -> AnyFloatArray:
        """`raw` pulled towards `fallback` (the action × segment estimate) by the evidence behind the action."""
        evidence = self.outcomes_by_action.get(action, 0)
        weight = evidence / (evidence + config.shrink_outcomes)
        return weight * raw + (1 - weight) * fallback


def _sigmoid(margin: AnyFloatArray) -> AnyFloatArray:
    return 1.0 / (1.0 + np.exp(-margin))


def _classifier(
    matrix: Float32Array,
    labels: ArrayLike,
    names: list[str],
    config: UpliftConfig,
    base_margin: Float32Array | None = None,
) -> "xgb.Booster":
    params = {
        "objective": "binary:logistic",
        "max_depth": config.max_depth,
        "eta": config.learning_rate,
        "min_child_weight": config.min_child_weight,
        "subsample": 0.9,
        "colsample_bytree": 0.9,
        "seed": config.seed,
    }
    return booster_train(
        matrix, labels, feature_names=names, params=params, rounds=config.n_estimators, base_margin=base_margin
    )


def uplift_train(
    features: pd.DataFrame,
    actions: pd.Series,
    treated: pd.Series,
    retained: pd.Series,
    config: UpliftConfig = UpliftConfig(),
    sent: pd.Series | None = None,
) -> UpliftModel:
    """Fit the models on judged proposals: one row each, `features` at proposal time (FEATURES columns), the
    proposed action, whether it was treated (proposed outside control) or held out, whether the customer was
    retained, and (optionally) whether a treated proposal was actually sent."""
    n_treated, n_control = int(treated.sum()), int((~treated).sum())
    if min(n_treated, n_control) < config.min_per_arm:
        raise TrainingDataError(
            f"{n_treated} treated and {n_control} control outcomes; the uplift model needs at least "
            f"{config.min_per_arm} of each"
        )
    known = sorted(actions.unique())
    names = [*FEATURES, *action_columns(known)]
    matrix = uplift_matrix(features, actions, known)
    labels = retained.to_numpy(dtype=np.float32)
    arm = treated.to_numpy(dtype=bool)
    per_action = pd.crosstab(actions, treated)
    outcomes = {
        action: int(min(per_action.loc[action].get(True, 0), per_action.loc[action].get(False, 0))) for action in known
    }
    control = _classifier(matrix[~arm], labels[~arm], names, config)
    start = control.inplace_predict(matrix[arm], predict_type="margin")
    was_sent = None if sent is None else sent.to_numpy(dtype=bool)[arm]
    if was_sent is not None and not was_sent.any():
        raise TrainingDataError("no treated proposal was sent: the effect of sending cannot be learned")
    return UpliftModel(
        treated=_classifier(matrix[arm], labels[arm], names, config, base_margin=start),
        control=control,
        actions=known,
        outcomes_by_action=outcomes,
        sent=None if was_sent is None or was_sent.all() else _classifier(matrix[arm], was_sent, names, config),
        min_share_sent=config.min_share_sent,
    )


@dataclass(frozen=True)
class FittedUplift:
    """The uplift model, and per action the mean effect it gives the customers it learned from, overall and per
    segment: the fixed point a customer's departure is measured from (see personal_uplifts)."""

    model: UpliftModel
    centre: dict[str, float]  # action → mean effect over the training customers
    centre_by_segment: dict[str, dict[str, float]]  # action → segment → mean effect over its training customers

    def centre_for(self, action: str, segments: pd.Series) -> np.ndarray:
        by_segment = self.centre_by_segment.get(action, {})
        overall = self.centre.get(action, np.nan)
        return np.array([by_segment.get(segment, overall) for segment in segments], dtype=float)


def uplift_centred(model: UpliftModel, features: pd.DataFrame, segments: pd.Series) -> FittedUplift:
    """`model` with, per action, the mean effect it gives the rows of `features` (the customers it learned from),
    overall and per segment ("" for none); customers it has no effect for (NaN) are left out of the means."""
    segment_of = segments.fillna("").to_numpy()
    centre, centre_by_segment = {}, {}
    for action in model.actions:
        effect = pd.Series(model.effect(features, action))
        centre[action] = float(effect.mean())
        centre_by_segment[action] = {
            str(segment): float(mean)
            for segment, mean in effect.groupby(segment_of).mean().items()
            if not np.isnan(mean)
        }
    return FittedUplift(model=model, centre=centre, centre_by_segment=centre_by_segment)


def uplift_fit(judged: pd.DataFrame, config: UpliftConfig = UpliftConfig()) -> FittedUplift:
    """The uplift model on judged proposals (see uplift_train; TrainingDataError when there are too few), centred on
    them: one row each, the FEATURES at proposal time and the columns `action`, `assigned` (proposed outside the
    control group), `sent`, `retained` and `segment`."""
    model = uplift_train(judged, judged["action"], judged["assigned"], judged["retained"], config, sent=judged["sent"])
    return uplift_centred(model, judged, judged["segment"])


UPLIFT_BOUNDS = (-1.0, 1.0)  # an expected change in the chance of staying


def personal_uplifts(
    *,
    fitted: FittedUplift,
    features: pd.DataFrame,
    segments: pd.Series,
    policy: OfferPolicy,
    config: UpliftConfig = UpliftConfig(),
) -> pd.Series:
    """Per customer (the index of `features`), action → expected effect of sending it: the action × segment estimate,
    moved by how far the model puts this customer above or below the customers of their segment it learned from (that
    departure shrunk by the evidence behind the action). The reference is fixed at training, so a customer's estimate
    does not depend on who else is scored the same night.

    The level comes from the segment estimate, a plain difference of retention rates; the model only says who
    responds more or less. Its own level is conservative (regularised boosting pulls the proposed-arm model towards
    the held-out one: 0.17 for a true 0.30 in the tests), and using it as the level made the engine offer less than
    the measured effects justify (bench_learning.py: fewer customers saved than with the priors). Where the model
    has nothing to say (an action it has not seen, customers staff hardly ever send it to) the action is left out
    and the engine uses the segment estimate."""
    model = fitted.model
    segment_of = segments.reindex(features.index).fillna("")
    estimates: dict[str, np.ndarray] = {}
    for action in model.actions:
        effect = model.effect(features, action)
        level = np.array([uplift_for(action, segment, policy) for segment in segment_of])
        departure = model.shrink(effect - fitted.centre_for(action, segment_of), action, 0.0, config)
        estimates[action] = np.round(np.clip(level + departure, *UPLIFT_BOUNDS), 4)
    return pd.Series(
        [
            {action: float(values[row]) for action, values in estimates.items() if not np.isnan(values[row])}
            for row in range(len(features))
        ],
        index=features.index,
        dtype=object,
    )


@dataclass(frozen=True)
class UpliftCheck:
    """How well the model ranks customers by uplift, on customers it did not learn from."""

    n: int
    observed_uplift_all: float  # retention treated − control over everybody
    observed_uplift_top: float  # the same among the `top_share` the model expects most from
    top_share: float


def observed_uplift(treated: BoolArray, retained: BoolArray) -> float:
    if not treated.any() or treated.all():
        return float("nan")
    return float(retained[treated].mean() - retained[~treated].mean())


def uplift_cross_fitted(
    features: pd.DataFrame,
    actions: pd.Series,
    treated: pd.Series,
    retained: pd.Series,
    config: UpliftConfig = UpliftConfig(),
    top_share: float = 0.3,
) -> UpliftCheck:
    """Two-fold cross-fitting: each half scored by a model trained on the other, then the observed uplift among the
    `top_share` of rows with the highest predicted uplift (for their own action) against the observed uplift overall.
    A model that ranks well finds a top share whose uplift is well above the average."""
    fold = np.random.default_rng(config.seed).integers(0, 2, size=len(features))
    predicted = np.empty(len(features))
    for k in (0, 1):
        train, test = fold != k, fold == k
        model = uplift_train(features[train], actions[train], treated[train], retained[train], config)
        for action in actions[test].unique():
            rows = test & (actions.to_numpy() == action)
            predicted[rows] = model.predict(features[rows], action)
    top = predicted >= np.quantile(predicted, 1 - top_share)
    arm, kept = treated.to_numpy(dtype=bool), retained.to_numpy(dtype=bool)
    return UpliftCheck(
        n=len(features),
        observed_uplift_all=round(observed_uplift(arm, kept), 4),
        observed_uplift_top=round(observed_uplift(arm[top], kept[top]), 4),
        top_share=top_share,
    )
