"""Churn: labels and cutoffs exactly, the model against its baselines out of time, calibration, bad input, files."""

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from mlcore.churn import (
    MODEL_FEATURES,
    PATTERN_INPUTS,
    ChurnConfig,
    ChurnModel,
    Serving,
    TrainingReport,
    churn_labels,
    churn_train,
    exact_shapley,
    labelled_cutoffs,
    median_customer,
    risk_category,
)
from mlcore.explain import top_reasons
from mlcore.features import History, HistoryTooShort, TrainingDataError, build_features
from mlcore.metrics import binary_metrics
from mlcore.tests.conftest import AS_OF, BACKTEST_AS_OF
from mlcore.tests.factories import booking, dhaka, make_history, regular_history

# --- labels and cutoffs ----------------------------------------------------------------------------------------


def test_churn_labels_window_is_cutoff_inclusive_end_exclusive() -> None:
    # given bookings around the window [2026-03-01 00:00, 2026-05-30 00:00) in Dhaka
    history = make_history(
        [
            booking(1, "2026-03-01 00:00"),  # first instant of the window: returned
            booking(2, "2026-05-29 23:59:59"),  # last second of the window: returned
            booking(3, "2026-05-30 00:00"),  # first instant after it: churned
            booking(4, "2026-02-28 23:59:59"),  # just before it: churned
            booking(5, "2026-04-01 12:00", status="cancelled"),  # only a cancellation: churned
            booking(6, "2026-04-01 12:00", status="no_show"),  # only a no-show: churned
            booking(7, "2026-04-15 09:00"),
            booking(7, "2026-04-20 09:00"),
        ]
    )
    customers = pd.Index([1, 2, 3, 4, 5, 6, 7, 8], name="customer_id")  # 8 never booked

    # when
    labels = churn_labels(history, dt.date(2026, 3, 1), 90, customers)

    # then
    assert labels.to_dict() == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1, 6: 1, 7: 0, 8: 1}
    assert labels.name == "churned"


@pytest.mark.parametrize(
    ("as_of", "config", "holdout", "train"),
    [
        (
            dt.date(2026, 11, 1),
            ChurnConfig(),
            dt.date(2026, 8, 3),
            ["2025-12-06", "2026-01-05", "2026-02-04", "2026-03-06", "2026-04-05", "2026-05-05"],
        ),
        (
            dt.date(2026, 3, 1),
            ChurnConfig(window_days=30, n_train_cutoffs=3, cutoff_step_days=7),
            dt.date(2026, 1, 30),
            ["2025-12-17", "2025-12-24", "2025-12-31"],
        ),
    ],
)
def test_labelled_cutoffs(as_of: dt.date, config: ChurnConfig, holdout: dt.date, train: list[str]) -> None:
    # when
    holdout_day, train_days = labelled_cutoffs(dt.date(2023, 11, 1), as_of, config)

    # then the holdout's window ends at as_of and every training window ends by the holdout cutoff
    assert holdout_day == holdout
    assert [day.isoformat() for day in train_days] == train
    assert holdout_day + dt.timedelta(days=config.window_days) == as_of
    assert max(train_days) + dt.timedelta(days=config.window_days) <= holdout_day


# --- risk categories -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("probability", "category"),
    [
        (0.0, "low"),
        (0.2999, "low"),
        (0.3, "medium"),
        (0.5999, "medium"),
        (0.6, "high"),
        (0.7999, "high"),
        (0.8, "critical"),
        (1.0, "critical"),
    ],
)
def test_risk_category_default_thresholds(probability: float, category: str) -> None:
    assert risk_category(np.array([probability])).tolist() == [category]


def test_risk_category_custom_thresholds_vectorised() -> None:
    # when
    categories = risk_category(np.array([0.1, 0.2, 0.5, 0.89, 0.9]), thresholds=(0.2, 0.5, 0.9))

    # then
    assert categories.tolist() == ["low", "medium", "high", "high", "critical"]


@pytest.mark.parametrize(
    "thresholds", [(0.6, 0.3, 0.8), (0.3, 0.3, 0.8), (0.0, 0.5, 0.8), (0.3, 0.6, 1.0), (-0.1, 0.5, 0.8)]
)
def test_risk_category_refuses_thresholds_that_do_not_rise_inside_0_1(thresholds: tuple[float, float, float]) -> None:
    with pytest.raises(ValueError, match="risk thresholds must rise strictly between 0 and 1"):
        risk_category(np.array([0.5]), thresholds=thresholds)


# --- bad input -------------------------------------------------------------------------------------------------


def test_training_refuses_too_few_customers() -> None:
    # given 5 customers over 3 years: 6 cutoffs × 5 = 30 training rows, some churned
    history = regular_history(5, first=dt.date(2023, 11, 1), last=dt.date(2026, 10, 31), stop={1: dt.date(2025, 6, 1)})

    # when / then
    with pytest.raises(
        TrainingDataError,
        match="the training cutoffs has 30 customers; at least 50 are needed to train the churn model",
    ):
        churn_train(history, AS_OF)


@pytest.mark.parametrize(
    ("last_day", "kind"),
    [(dt.date(2026, 10, 31), "stayed"), (dt.date(2025, 6, 30), "churned")],
)
def test_training_refuses_a_single_class(last_day: dt.date, kind: str) -> None:
    # given 60 customers who all book every two weeks until the end / all stop long before the training cutoffs
    history = regular_history(60, first=dt.date(2024, 1, 1), last=last_day)

    # when / then
    with pytest.raises(TrainingDataError, match=f"every customer in the training cutoffs {kind}: a churn model needs"):
        churn_train(history, AS_OF)


def test_training_refuses_a_single_class_in_the_holdout() -> None:
    # given 60 regular customers, three of whom pause from January to May 2026: churned at some training cutoffs,
    # but back before the holdout window
    regular = regular_history(60, first=dt.date(2024, 1, 1), last=dt.date(2026, 10, 31))
    bookings = regular.bookings
    paused = bookings["customer_id"].isin([1, 2, 3]) & bookings["booked_at"].between(
        dhaka("2026-01-01 00:00"), dhaka("2026-06-01 00:00")
    )
    history = dataclasses.replace(regular, bookings=bookings[~paused])

    # when / then the holdout (2026-08-03) has only customers who come back
    with pytest.raises(TrainingDataError, match="every customer in the holdout cutoff 2026-08-03 stayed"):
        churn_train(history, AS_OF)


def test_training_refuses_a_history_too_short_for_the_window_and_says_what_would_be_enough() -> None:
    # given five months of bookings: one 90-day window and a holdout window need at least 194 days
    history = regular_history(80, first=dt.date(2026, 6, 1), last=dt.date(2026, 10, 31))

    # when / then
    with pytest.raises(HistoryTooShort) as caught:
        churn_train(history, AS_OF)
    assert str(caught.value) == (
        "the history (2026-06-01 to 2026-11-01, 153 days) is too short to validate a 90-day churn model: it needs "
        "194 days (14 days of bookings before a training cutoff, that cutoff's 90-day window, then a 90-day holdout "
        "window), i.e. bookings from 2026-04-21 on"
    )


def test_training_refuses_no_bookings() -> None:
    with pytest.raises(TrainingDataError, match="^there are no bookings to learn from$"):
        churn_train(make_history([]), AS_OF)


@pytest.mark.parametrize(
    ("first_day", "train"),
    [
        (dt.date(2026, 4, 15), ["2026-05-05"]),  # 200 days: room for one training cutoff
        (dt.date(2026, 2, 1), ["2026-03-06", "2026-04-05", "2026-05-05"]),  # nine months
    ],
)
def test_labelled_cutoffs_take_as_many_training_cutoffs_as_the_history_holds(
    first_day: dt.date, train: list[str]
) -> None:
    # when
    holdout_day, train_days = labelled_cutoffs(first_day, AS_OF, ChurnConfig())

    # then every training cutoff has two weeks of history before it
    assert holdout_day == dt.date(2026, 8, 3)
    assert [day.isoformat() for day in train_days] == train
    assert min(train_days) >= first_day + dt.timedelta(days=14)


def test_training_data_error_is_a_value_error() -> None:
    assert issubclass(TrainingDataError, ValueError)


# --- the model on the simulated marketplace --------------------------------------------------------------------


def print_metrics(title: str, metrics: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    for name, values in metrics.items():
        print(f"  {name:8s} " + " ".join(f"{key}={value:.4f}" for key, value in values.items()))


def test_churn_report_describes_the_holdout(churn_trained: tuple[ChurnModel, TrainingReport]) -> None:
    # given
    _, report = churn_trained

    # then
    assert report.holdout_cutoff == dt.date(2026, 8, 3)
    assert report.train_cutoffs == labelled_cutoffs(dt.date(2023, 11, 1), AS_OF, ChurnConfig())[1]
    assert report.n_final_train == report.n_train + report.n_holdout
    assert report.n_holdout > 2000
    for name in ("model", "recency", "bg_nbd"):
        assert report.metrics[name]["n"] == report.n_holdout
        assert report.metrics[name]["positive_rate"] == pytest.approx(report.class_balance["holdout_churn_rate"])
    assert set(report.metrics["model"]) >= {"auc_roc", "pr_auc", "accuracy", "precision", "recall", "f1", "brier"}
    json.dumps(report.to_dict())  # storable as JSON


@pytest.mark.parametrize("population", ["metrics", "metrics_recently_active"])
def test_churn_model_beats_both_baselines_out_of_time(
    churn_trained: tuple[ChurnModel, TrainingReport], population: str
) -> None:
    # given the out-of-time holdout metrics of the model and its two baselines
    metrics = getattr(churn_trained[1], population)
    print_metrics(population, metrics)

    # then the model ranks churners better than recency alone and than BG/NBD
    assert metrics["model"]["auc_roc"] > metrics["recency"]["auc_roc"]
    assert metrics["model"]["auc_roc"] > metrics["bg_nbd"]["auc_roc"]
    assert metrics["model"]["pr_auc"] > metrics["recency"]["pr_auc"]


def test_churn_model_probabilities_are_calibrated_on_the_holdout(
    churn_trained: tuple[ChurnModel, TrainingReport],
) -> None:
    # given
    metrics = churn_trained[1].metrics

    # then the cross-fitted calibrated probabilities score better than both baselines' probabilities
    assert metrics["model"]["brier"] <= metrics["recency"]["brier"]
    assert metrics["model"]["brier"] <= metrics["bg_nbd"]["brier"]
    assert metrics["model"]["log_loss"] <= metrics["recency"]["log_loss"]


@pytest.fixture(scope="module")
def backtest(sim_history: History, churn_backtest: tuple[ChurnModel, TrainingReport]) -> dict[str, np.ndarray]:
    """The shipped model of BACKTEST_AS_OF scoring that day, and what customers did in the 90 days after it."""
    model, _ = churn_backtest
    features = build_features(sim_history, BACKTEST_AS_OF)
    bg_churn = model.patterns.columns(features, model.window_days)["bgnbd_p_churn"].to_numpy()
    return {
        "churned": churn_labels(sim_history, BACKTEST_AS_OF, 90, features.index).to_numpy(),
        "model": model.predict_proba(features),
        "recency": features["days_since_last_booking"].to_numpy(),
        "bg_nbd": np.where(bg_churn < 0, 1.0, bg_churn),
        "recently_active": features["days_since_last_booking"].to_numpy() <= 180,
    }


@pytest.mark.parametrize("population", ["everyone", "recently_active"])
def test_shipped_churn_model_beats_baselines_on_the_following_window(
    backtest: dict[str, np.ndarray], population: str
) -> None:
    # given the customers scored on BACKTEST_AS_OF (all of them, or those who booked in the last 180 days)
    rows = backtest["recently_active"] if population == "recently_active" else np.ones_like(backtest["churned"], bool)
    churned = backtest["churned"][rows]

    # when
    auc = {name: roc_auc_score(churned, backtest[name][rows]) for name in ("model", "recency", "bg_nbd")}
    print(f"\nbacktest {population}: n={rows.sum()} churn rate={churned.mean():.4f} AUC {auc}")

    # then
    assert auc["model"] > auc["recency"]
    assert auc["model"] > auc["bg_nbd"]


def test_shipped_churn_model_predicts_the_churn_rate_that_followed(backtest: dict[str, np.ndarray]) -> None:
    # given
    churned, predicted = backtest["churned"], backtest["model"]

    # when
    model = binary_metrics(churned, predicted)
    bg_nbd = binary_metrics(churned, backtest["bg_nbd"])
    print(f"\nbacktest mean predicted={predicted.mean():.4f} actual={churned.mean():.4f} brier={model['brier']:.4f}")

    # then the mean probability is within 3 points of the realised churn rate, and sharper than BG/NBD's
    assert predicted.mean() == pytest.approx(churned.mean(), abs=0.03)
    assert model["brier"] < bg_nbd["brier"]
    assert ((predicted > 0) & (predicted < 1)).all()


def test_churn_training_uses_nothing_after_as_of(
    sim_history: History, churn_backtest: tuple[ChurnModel, TrainingReport]
) -> None:
    # given the backtest model, trained on the history known on BACKTEST_AS_OF
    known_then, report_then = churn_backtest
    features = build_features(sim_history, BACKTEST_AS_OF)

    # when the same training runs on the whole history, including the 90 days after BACKTEST_AS_OF
    model, report = churn_train(sim_history, BACKTEST_AS_OF)

    # then it learns exactly the same model and reports exactly the same metrics
    np.testing.assert_array_equal(model.predict_proba(features), known_then.predict_proba(features))
    assert report.metrics == report_then.metrics


def test_churn_model_files_round_trip(sim_history: History, churn_trained: tuple[ChurnModel, TrainingReport]) -> None:
    # given
    model, _ = churn_trained
    features = build_features(sim_history, AS_OF)

    # when
    loaded = ChurnModel.from_files(model.to_files())

    # then
    assert loaded.feature_names == model.feature_names
    assert set(loaded.feature_names) <= set(MODEL_FEATURES)
    assert loaded.window_days == 90
    assert loaded.patterns == model.patterns
    assert loaded.serving == model.serving
    np.testing.assert_array_equal(loaded.predict_proba(features), model.predict_proba(features))
    matrix = model.matrix(features[:200])
    np.testing.assert_array_equal(loaded.contributions(matrix), model.contributions(matrix))


def test_churn_model_from_files_refuses_a_booster_with_other_features(
    churn_trained: tuple[ChurnModel, TrainingReport],
) -> None:
    # given model files whose feature list no longer matches the booster's (a feature dropped)
    files = churn_trained[0].to_files()
    meta = json.loads(files["churn.json"])
    meta["feature_names"] = meta["feature_names"][:-1]
    files["churn.json"] = json.dumps(meta).encode()

    # when / then
    with pytest.raises(ValueError, match="the booster's features differ from the model's feature list"):
        ChurnModel.from_files(files)


def test_churn_predictions_are_probabilities_one_per_customer(
    sim_history: History, churn_trained: tuple[ChurnModel, TrainingReport]
) -> None:
    # given
    model, _ = churn_trained
    features = build_features(sim_history, AS_OF)

    # when
    probabilities = model.predict_proba(features)
    matrix = model.matrix(features)

    # then
    assert matrix.shape == (len(features), len(MODEL_FEATURES))
    assert probabilities.shape == (len(features),)
    assert probabilities.min() >= 0.001
    assert probabilities.max() <= 0.999
    assert len(np.unique(risk_category(probabilities))) == 4


def test_churn_config_is_reported_unchanged(churn_trained: tuple[ChurnModel, TrainingReport]) -> None:
    assert churn_trained[1].config == dataclasses.asdict(ChurnConfig())


# --- what is served, and how it is explained -------------------------------------------------------------------


def test_exact_shapley_values_of_a_function_with_an_interaction() -> None:
    # given f = 3a + b + 2ab on rows where each player's own input is 1 and the reference 0
    def value(chosen: tuple[bool, ...]) -> np.ndarray:
        a, b = (np.ones(2) if own else np.zeros(2) for own in chosen)
        return 3 * a + b + 2 * a * b

    # when
    shares = exact_shapley(value, players=2)

    # then each player gets its own effect and half the interaction, and they add up to f(own) − f(reference)
    np.testing.assert_allclose(shares[0], [4.0, 4.0])
    np.testing.assert_allclose(shares[1], [2.0, 2.0])


@pytest.mark.parametrize(
    "serving",
    [
        Serving("pareto_nbd", "pareto_nbd", 0.0, 0.0, 1.0, 0.0),
        Serving("blend", "bg_nbd", -0.2, 0.7, 0.4, 0.0),
        Serving("recency", "recency", 0.0, 0.0, 1.0, 0.5),
    ],
    ids=["classical alone", "blend", "recency alone"],
)
def test_served_baselines_and_blends_are_explained_by_what_they_read_and_add_up_to_their_score(
    sim_history: History, churn_trained: tuple[ChurnModel, TrainingReport], serving: Serving
) -> None:
    # given the trained model serving a classical model or a blend, measured from the median customer
    model = churn_trained[0]
    features = build_features(sim_history, AS_OF).iloc[:400]
    served = dataclasses.replace(
        model, serving=dataclasses.replace(serving, reference_customer=median_customer(features))
    )
    matrix = served.matrix(features)

    # when
    contributions = served.contributions(matrix)
    reasons = top_reasons(contributions, matrix, served.input_names)

    # then the contributions add up to the served score's log-odds
    np.testing.assert_allclose(contributions.sum(axis=1), served.served_margins(matrix), rtol=1e-6, atol=1e-6)
    cited = {reason.feature for row in reasons for reason in row}
    if serving.w_model == 0:
        # and a classical model alone is explained only by what it reads
        allowed = {"days_since_last_booking"} if serving.baseline == "recency" else {*PATTERN_INPUTS, "pnbd_p_churn"}
        assert cited <= allowed
        assert cited & {"bookings_total", "days_since_last_booking"}


def test_the_median_customer_of_an_even_count_has_a_whole_number_of_repeat_bookings() -> None:
    # given: two customers with 1 and 2 repeat bookings (2 and 3 bookings)
    features = pd.DataFrame(
        {"bookings_total": [2, 3], "btyd_recency_days": [10.0, 30.0], "btyd_age_days": [100.0, 200.0]}
    )

    # when
    customer = median_customer(features)

    # then: the lower median, 1 repeat booking, not 1.5 (the buy-till-you-die models refuse a fraction)
    assert customer == (1.0, 130.0, 150.0)
