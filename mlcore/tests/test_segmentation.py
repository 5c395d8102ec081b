"""Segmentation tests on a seeded synthetic population with five planted archetype groups, and on the simulated
marketplace with and without everything but customer, date and amount; no database."""

import io
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest

from mlcore import segmentation
from mlcore.churn import ChurnModel, TrainingReport
from mlcore.features import History, build_features
from mlcore.segmentation import (
    SEGMENT_FEATURES,
    SEGMENT_KEYS,
    SegmentationModel,
    segment_moves,
    segmentation_assign,
    segmentation_fit,
)
from mlcore.tests.conftest import AS_OF

# Typical customer of each planted group:
# spend Tk, bookings/yr, categories, discount share, premium share, days since last booking, churn probability.
ARCHETYPES: dict[str, tuple[float, float, float, float, float, float, float]] = {
    "high_value_loyal": (3500, 14, 5, 0.10, 0.30, 15, 0.05),
    "price_sensitive": (700, 6, 2, 0.75, 0.05, 40, 0.20),
    "quality_focused": (2800, 4, 2, 0.05, 0.80, 60, 0.15),
    # Rare but on rhythm: ~150 days out at ~1.2 bookings a year is not overdue.
    "occasional": (1000, 1.2, 1, 0.20, 0.15, 150, 0.20),
    # A five-a-year customer silent for ~320 days is four gaps overdue.
    "at_risk": (1500, 5, 2, 0.20, 0.20, 320, 0.75),
}
# Unequal sizes, as in a real customer base.
GROUP_SIZES = {
    "high_value_loyal": 120,
    "price_sensitive": 300,
    "quality_focused": 180,
    "occasional": 400,
    "at_risk": 200,
}


def planted_population(seed: int = 7, noise: float = 2.0, churn: bool = True) -> tuple[pd.DataFrame, pd.Series]:
    """Features indexed by customer id, and each customer's planted group."""
    rng = np.random.default_rng(seed)
    frames = []
    for key, (spend, freq, diversity, discount, premium, days, churn_p) in ARCHETYPES.items():
        n = GROUP_SIZES[key]
        frames.append(
            pd.DataFrame(
                {
                    "spend_avg": spend * rng.lognormal(0, 0.25 * noise, n),
                    "bookings_per_year": freq * rng.lognormal(0, 0.25 * noise, n),
                    "service_diversity": np.clip(np.round(diversity + rng.normal(0, 0.7 * noise, n)), 1, None),
                    "discount_share": np.clip(discount + rng.normal(0, 0.1 * noise, n), 0, 1),
                    "premium_share": np.clip(premium + rng.normal(0, 0.1 * noise, n), 0, 1),
                    "days_since_last_booking": days * rng.lognormal(0, 0.3 * noise, n),
                    "churn_probability": np.clip(churn_p + rng.normal(0, 0.08 * noise, n), 0, 1),
                    "truth": key,
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=seed)
    frame.index = pd.Index([f"cust-{i:05d}" for i in range(len(frame))], name="customer_id")
    truth = frame.pop("truth")
    if not churn:
        frame = frame.drop(columns="churn_probability")
    return frame, truth


@pytest.fixture(scope="module")
def population() -> tuple[pd.DataFrame, pd.Series]:
    return planted_population()


@pytest.fixture(scope="module")
def model(population: tuple[pd.DataFrame, pd.Series]) -> SegmentationModel:
    return segmentation_fit(population[0], seed=0)


def group_recall(labels: pd.Series, truth: pd.Series) -> pd.Series:
    """Per planted group, the share of its customers that got the group's intended name."""
    return (labels == truth).groupby(truth).mean()


def seed_agreement(features: pd.DataFrame, seeds: tuple[int, ...] = (0, 1, 2)) -> list[float]:
    """Share of customers named the same by the first seed's fit and by each other seed's."""
    labels = [segmentation_assign(segmentation_fit(features, seed=seed), features) for seed in seeds]
    return [float((labels[0] == other).mean()) for other in labels[1:]]


def test_planted_groups_get_their_intended_names(
    population: tuple[pd.DataFrame, pd.Series], model: SegmentationModel
) -> None:
    features, truth = population
    labels = segmentation_assign(model, features)
    recall = group_recall(labels, truth)
    assert set(recall.index) == set(SEGMENT_KEYS)
    assert (recall >= 0.8).all(), recall.to_dict()


def test_works_without_churn_probability() -> None:
    features, truth = planted_population(churn=False)
    model = segmentation_fit(features, seed=0)
    assert "churn_probability" not in model.features
    recall = group_recall(segmentation_assign(model, features), truth)
    assert (recall >= 0.8).all(), recall.to_dict()


def test_model_shape(population: tuple[pd.DataFrame, pd.Series], model: SegmentationModel) -> None:
    features, _ = population
    assert model.features == list(SEGMENT_FEATURES)
    assert model.segments == list(SEGMENT_KEYS)
    assert (model.features_left_out, model.segments_left_out) == ({}, {})
    assert sorted(model.cluster_to_segment.values()) == sorted(SEGMENT_KEYS)  # one-to-one at n_clusters=5
    labels = segmentation_assign(model, features)
    assert labels.index.equals(features.index)
    assert set(labels.unique()) <= set(SEGMENT_KEYS)
    profiles = model.profiles
    assert list(profiles.index) == list(SEGMENT_KEYS)
    assert profiles["share"].sum() == pytest.approx(1.0)
    assert profiles["customers"].sum() == len(features)
    # Profiles are in original units and read like their names.
    spend = profiles["spend_avg"]
    assert spend["high_value_loyal"] > 2 * spend["price_sensitive"]
    assert profiles["discount_share"].idxmax() == "price_sensitive"
    assert profiles["premium_share"].idxmax() == "quality_focused"
    assert profiles["bookings_per_year"].idxmin() == "occasional"
    assert profiles["churn_probability"].idxmax() == "at_risk"
    # Registry artifacts are bytes; a fitted model must survive a pickle round trip.
    restored = pickle.loads(pickle.dumps(model))  # noqa: S301 - our own bytes, made one line above
    assert segmentation_assign(restored, features).equals(labels)
    assert restored.summary() == model.summary()


@pytest.mark.parametrize("churn", [True, False])
def test_names_agree_across_seeds(churn: bool) -> None:
    features, _ = planted_population(churn=churn)
    assert min(seed_agreement(features)) >= 0.9


def test_names_agree_after_bootstrap_refit(
    population: tuple[pd.DataFrame, pd.Series], model: SegmentationModel
) -> None:
    features, _ = population
    rows = np.random.default_rng(3).choice(len(features), size=len(features), replace=True)
    resample = features.iloc[rows]
    resample = resample[~resample.index.duplicated()]  # a customer id appears once
    refit = segmentation_fit(resample, seed=11)
    agreement = (segmentation_assign(refit, features) == segmentation_assign(model, features)).mean()
    assert agreement >= 0.9


def test_row_order_does_not_change_names(population: tuple[pd.DataFrame, pd.Series], model: SegmentationModel) -> None:
    features, _ = population
    shuffled = features.sample(frac=1.0, random_state=99)
    refit = segmentation_fit(shuffled, seed=0)
    assert segmentation_assign(refit, features).equals(segmentation_assign(model, features))
    # Assignment follows the caller's index, whatever its order.
    assert segmentation_assign(model, shuffled).index.equals(shuffled.index)


@pytest.mark.parametrize("churn", [True, False])
def test_names_come_from_profiles_not_cluster_numbers(churn: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # The archetype-seeded run numbers its clusters in SEGMENT_KEYS order, which would hide naming by index.
    # Make plain k-means++ always win, so cluster numbers are arbitrary and differ between seeds.
    monkeypatch.setattr(segmentation, "_TIE_TOLERANCE", -1.0)
    features, truth = planted_population(churn=churn)
    models = [segmentation_fit(features, seed=seed) for seed in (0, 1, 2)]
    assert all(isinstance(m.kmeans.init, str) for m in models)  # really the k-means++ runs
    assert len({tuple(m.cluster_to_segment.values()) for m in models}) > 1  # numbering differs between seeds
    labels = [segmentation_assign(m, features) for m in models]
    for one in labels:
        recall = group_recall(one, truth)
        assert (recall >= 0.8).all(), recall.to_dict()
        assert (one == labels[0]).mean() >= 0.9


def test_more_clusters_than_segments(population: tuple[pd.DataFrame, pd.Series]) -> None:
    features, truth = population
    model = segmentation_fit(features, n_clusters=7, seed=0)
    assert set(model.cluster_to_segment) == set(range(7))
    assert set(model.cluster_to_segment.values()) == set(SEGMENT_KEYS)  # every segment still present
    assert model.profiles["clusters"].sum() == 7
    recall = group_recall(segmentation_assign(model, features), truth)
    assert (recall >= 0.8).all(), recall.to_dict()


def test_large_input_fits_on_a_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    features, truth = planted_population(seed=8)
    monkeypatch.setattr(segmentation, "MAX_FIT_SAMPLE", 400)
    model = segmentation_fit(features, seed=0)
    assert model.profiles["customers"].sum() == len(features)  # every row is assigned, not just the sample
    recall = group_recall(segmentation_assign(model, features), truth)
    assert (recall >= 0.8).all(), recall.to_dict()


def test_assign_empty_frame(model: SegmentationModel) -> None:
    empty = pd.DataFrame(columns=list(SEGMENT_FEATURES), dtype=float)
    assert segmentation_assign(model, empty).empty


def test_segment_moves_counts_exactly() -> None:
    previous = pd.Series(
        {
            "a": "high_value_loyal",
            "b": "high_value_loyal",
            "c": "at_risk",
            "d": "occasional",
            "e": "price_sensitive",
            "gone": "quality_focused",  # not in current: not counted
        }
    )
    current = pd.Series(
        {
            "b": "at_risk",
            "a": "high_value_loyal",
            "c": "high_value_loyal",
            "d": "at_risk",
            "e": "price_sensitive",
            "new": "occasional",  # not in previous: not counted
        }
    )
    moves = segment_moves(previous, current)
    assert list(moves.index) == list(SEGMENT_KEYS)
    assert list(moves.columns) == list(SEGMENT_KEYS)
    expected = pd.DataFrame(0, index=list(SEGMENT_KEYS), columns=list(SEGMENT_KEYS), dtype="int64")
    expected.loc["high_value_loyal", "high_value_loyal"] = 1
    expected.loc["high_value_loyal", "at_risk"] = 1
    expected.loc["at_risk", "high_value_loyal"] = 1
    expected.loc["occasional", "at_risk"] = 1
    expected.loc["price_sensitive", "price_sensitive"] = 1
    assert (moves.to_numpy() == expected.to_numpy()).all()
    moved = int(moves.to_numpy().sum() - np.trace(moves.to_numpy()))
    assert moved == 3


def test_segment_moves_rejects_bad_labels() -> None:
    good = pd.Series({"a": "at_risk"})
    with pytest.raises(ValueError, match="not segment keys"):
        segment_moves(pd.Series({"a": "vip"}), good)
    with pytest.raises(ValueError, match="not segment keys"):
        segment_moves(good, pd.Series({"a": None}))
    with pytest.raises(ValueError, match="duplicate"):
        segment_moves(pd.Series(["at_risk", "occasional"], index=["a", "a"]), good)


def test_too_few_clusters(population: tuple[pd.DataFrame, pd.Series]) -> None:
    with pytest.raises(ValueError, match="n_clusters"):
        segmentation_fit(population[0], n_clusters=4)


def test_too_few_rows(population: tuple[pd.DataFrame, pd.Series]) -> None:
    with pytest.raises(ValueError, match="at least 50"):
        segmentation_fit(population[0].iloc[:49])


@pytest.mark.parametrize("column", ["spend_avg", "days_since_last_booking"])
def test_missing_column(population: tuple[pd.DataFrame, pd.Series], column: str) -> None:
    with pytest.raises(ValueError, match=f"missing required feature column.*{column}"):
        segmentation_fit(population[0].drop(columns=column))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("spend_avg", np.nan, "NaN or infinite.*spend_avg"),
        ("bookings_per_year", np.inf, "NaN or infinite.*bookings_per_year"),
        ("churn_probability", -np.inf, "NaN or infinite.*churn_probability"),
        ("days_since_last_booking", -3.0, "days_since_last_booking must be >= 0"),
        ("discount_share", 1.5, "discount_share is a share"),
    ],
)
def test_bad_values(population: tuple[pd.DataFrame, pd.Series], column: str, value: float, message: str) -> None:
    features = population[0].copy()
    features.iloc[5, list(features.columns).index(column)] = value
    with pytest.raises(ValueError, match=message):
        segmentation_fit(features)


def test_non_numeric_column(population: tuple[pd.DataFrame, pd.Series]) -> None:
    features = population[0].astype({"spend_avg": object})
    features.iloc[0, list(features.columns).index("spend_avg")] = "lots"
    with pytest.raises(ValueError, match="numeric"):
        segmentation_fit(features)


def test_assign_validates_too(population: tuple[pd.DataFrame, pd.Series], model: SegmentationModel) -> None:
    features = population[0]
    with pytest.raises(ValueError, match="churn_probability"):  # the model was fitted with it
        segmentation_assign(model, features.drop(columns="churn_probability"))
    broken = features.copy()
    broken.iloc[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        segmentation_assign(model, broken)


# --- only what the data shows names a segment --------------------------------------------------------------------

BARE_LOG_SEGMENTS = ["high_value_loyal", "occasional", "at_risk"]


def segment_inputs(history: History, churn: tuple[ChurnModel, TrainingReport]) -> pd.DataFrame:
    """What training segments: the features at AS_OF plus each customer's churn probability."""
    features = build_features(history, AS_OF)
    return features.assign(churn_probability=churn[0].predict_proba(features))


@pytest.fixture(scope="module")
def bare_inputs(bare_history: History, churn_bare: tuple[ChurnModel, TrainingReport]) -> pd.DataFrame:
    return segment_inputs(bare_history, churn_bare)


@pytest.fixture(scope="module")
def sim_inputs(sim_history: History, churn_trained: tuple[ChurnModel, TrainingReport]) -> pd.DataFrame:
    return segment_inputs(sim_history, churn_trained)


def test_a_bare_transaction_log_offers_only_the_segments_it_can_show(bare_inputs: pd.DataFrame) -> None:
    # given customer, date and amount only: no categories, discounts or providers

    # when
    model = segmentation_fit(bare_inputs, seed=0)
    labels = segmentation_assign(model, bare_inputs)

    # then nothing is named after a signal the log lacks: three clusters, one per segment it can show
    assert model.features == ["spend_avg", "bookings_per_year", "days_since_last_booking", "churn_probability"]
    assert model.segments == BARE_LOG_SEGMENTS
    assert model.kmeans.n_clusters == 3
    assert sorted(labels.unique()) == sorted(BARE_LOG_SEGMENTS)
    assert model.features_left_out == {
        "service_diversity": "constant: 1 in every row",
        "discount_share": "constant: 0 in every row",
        "premium_share": "constant: 0 in every row",
    }
    assert model.segments_left_out == {
        "price_sensitive": "named after discount_share: discount_share is constant: 0 in every row",
        "quality_focused": "named after premium_share: premium_share is constant: 0 in every row",
    }
    assert model.summary() == {
        "features": model.features,
        "segments": BARE_LOG_SEGMENTS,
        "features_left_out": model.features_left_out,
        "segments_left_out": model.segments_left_out,
    }
    # and the profiles cover exactly the offered segments and read like their names
    profiles = model.profiles
    assert list(profiles.index) == BARE_LOG_SEGMENTS
    assert profiles["customers"].sum() == len(bare_inputs)
    assert (profiles["customers"] > 0).all()
    assert profiles["bookings_per_year"].idxmax() == "high_value_loyal"
    assert profiles["days_since_last_booking"].idxmin() == "high_value_loyal"
    assert profiles["bookings_per_year"].idxmin() == "occasional"
    overdue = bare_inputs["days_since_last_booking"] * bare_inputs["bookings_per_year"] / 365
    assert overdue.groupby(labels).median().idxmax() == "at_risk"


def test_a_bare_transaction_log_names_agree_across_seeds(bare_inputs: pd.DataFrame) -> None:
    assert min(seed_agreement(bare_inputs)) >= 0.9


def test_the_simulated_marketplace_still_offers_all_five_segments(sim_inputs: pd.DataFrame) -> None:
    # when
    model = segmentation_fit(sim_inputs, seed=0)
    labels = segmentation_assign(model, sim_inputs)

    # then
    assert model.features == list(SEGMENT_FEATURES)
    assert model.segments == list(SEGMENT_KEYS)
    assert (model.features_left_out, model.segments_left_out) == ({}, {})
    assert sorted(labels.unique()) == sorted(SEGMENT_KEYS)
    assert min(seed_agreement(sim_inputs)) >= 0.9


def test_discounts_without_premium_providers_offer_price_sensitive_but_not_quality_focused() -> None:
    # given the planted population where nobody ever booked a premium provider
    features, truth = planted_population()
    features = features.assign(premium_share=0.0)

    # when
    model = segmentation_fit(features, seed=0)
    labels = segmentation_assign(model, features)

    # then
    assert model.segments == ["high_value_loyal", "price_sensitive", "occasional", "at_risk"]
    assert model.kmeans.n_clusters == 4
    assert model.features_left_out == {"premium_share": "constant: 0 in every row"}
    assert model.segments_left_out == {
        "quality_focused": "named after premium_share: premium_share is constant: 0 in every row"
    }
    assert sorted(labels.unique()) == sorted(model.segments)
    recall = group_recall(labels, truth).drop("quality_focused")  # its planted group has nowhere of its own to go
    assert (recall >= 0.8).all(), recall.to_dict()
    assert min(seed_agreement(features)) >= 0.9


@pytest.mark.parametrize(("discounted", "offered"), [(11, False), (12, True)])
def test_a_handful_of_discounts_is_not_a_segment(discounted: int, offered: bool) -> None:
    # given 1,200 customers of whom only `discounted` ever used a discount (1% is 12)
    features, _ = planted_population()
    features = features.assign(discount_share=np.where(np.arange(len(features)) < discounted, 0.5, 0.0))

    # when
    model = segmentation_fit(features, seed=0)

    # then
    assert ("price_sensitive" in model.segments) is offered
    assert ("discount_share" in model.features) is offered
    if not offered:
        assert model.features_left_out["discount_share"] == "nearly constant: 0 in all but 11 of 1,200 rows"


def test_absent_columns_are_left_out_like_constant_ones(population: tuple[pd.DataFrame, pd.Series]) -> None:
    # given features without the columns a bare log has nothing for
    features = population[0].drop(columns=["service_diversity", "discount_share", "premium_share"])

    # when
    model = segmentation_fit(features, seed=0)

    # then
    assert model.segments == BARE_LOG_SEGMENTS
    assert model.features_left_out == {
        "service_diversity": "not in the data",
        "discount_share": "not in the data",
        "premium_share": "not in the data",
    }
    assert model.segments_left_out["price_sensitive"] == "named after discount_share: discount_share is not in the data"


def test_one_segment_is_no_segmentation(population: tuple[pd.DataFrame, pd.Series]) -> None:
    # given customers who differ only in what they spend
    features = (
        population[0]
        .drop(columns="churn_probability")
        .assign(bookings_per_year=4.0, days_since_last_booking=30.0, discount_share=0.0, premium_share=0.0)
    )

    # when / then
    with pytest.raises(ValueError, match="vary too little to tell segments apart.*occasional: named after bookings"):
        segmentation_fit(features)


def test_clusters_are_counted_against_the_offered_segments(bare_inputs: pd.DataFrame) -> None:
    # when more clusters than the three offered segments are asked for
    model = segmentation_fit(bare_inputs, n_clusters=5, seed=0)

    # then the extra clusters join offered segments
    assert sorted(set(model.cluster_to_segment.values())) == sorted(BARE_LOG_SEGMENTS)
    assert model.profiles["clusters"].sum() == 5
    # and fewer than the offered segments is refused
    with pytest.raises(ValueError, match="n_clusters must be at least 3 .*high_value_loyal, occasional, at_risk"):
        segmentation_fit(bare_inputs, n_clusters=2)


def test_a_model_pickled_before_sparse_data_was_handled_still_loads_and_assigns(
    population: tuple[pd.DataFrame, pd.Series], model: SegmentationModel
) -> None:
    # given the registry's joblib bytes of a model that has only the fields models had then
    features, _ = population
    stale = object.__new__(SegmentationModel)
    old_fields = ("features", "scaler", "kmeans", "cluster_to_segment", "profiles")
    stale.__dict__.update({name: getattr(model, name) for name in old_fields})
    buffer = io.BytesIO()
    joblib.dump(stale, buffer)

    # when
    loaded = joblib.load(io.BytesIO(buffer.getvalue()))

    # then it offers every segment its clusters are named, leaves nothing out, and assigns as before
    assert loaded.segments == list(SEGMENT_KEYS)
    assert (loaded.features_left_out, loaded.segments_left_out) == ({}, {})
    assert segmentation_assign(loaded, features).equals(segmentation_assign(model, features))
