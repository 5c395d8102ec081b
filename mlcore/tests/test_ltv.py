"""Lifetime value: horizons the history can support, interval coverage out of time, the BTYD baseline, files."""

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from mlcore.churn import MODEL_FEATURES
from mlcore.features import History, HistoryTooShort, TrainingDataError, build_features
from mlcore.ltv import (
    MIN_BIN_COVERAGE,
    ConformalBins,
    HorizonError,
    LtvConfig,
    LtvModel,
    LtvReport,
    RetainedLowerBound,
    conformal_margin,
    extension_factor,
    interval_bounds,
    ltv_train,
    observable_days,
    spend_between,
)
from mlcore.tests.conftest import AS_OF, BACKTEST_AS_OF
from mlcore.tests.factories import booking, history_before, make_history, regular_history

# --- horizons --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "as_of", "config", "expected"),
    [
        # 1096 days - 30 of features = 1066, half is 533, capped at a year, in whole months
        (dt.date(2023, 11, 1), dt.date(2026, 11, 1), LtvConfig(), 360),
        (dt.date(2025, 1, 1), dt.date(2026, 1, 1), LtvConfig(), 150),  # (365 - 30) // 2 = 167
        (dt.date(2025, 4, 1), dt.date(2026, 1, 1), LtvConfig(), 120),  # nine months: (275 - 30) // 2 = 122
        (dt.date(2023, 11, 1), dt.date(2026, 11, 1), LtvConfig(max_observed_days=200), 180),
        (dt.date(2023, 11, 1), dt.date(2026, 11, 1), LtvConfig(horizon_days=100), 90),  # never past the horizon
        (dt.date(2023, 11, 1), dt.date(2026, 11, 1), LtvConfig(min_history_days=365), 360),
        (dt.date(2025, 10, 1), dt.date(2026, 1, 1), LtvConfig(), 30),  # (92 - 30) // 2 = 31: one month
        (dt.date(2025, 10, 20), dt.date(2026, 1, 1), LtvConfig(), 21),  # (73 - 30) // 2: under a month, unrounded
        (dt.date(2025, 12, 10), dt.date(2026, 1, 1), LtvConfig(), -4),  # not even the feature period
    ],
)
def test_observable_days(start: dt.date, as_of: dt.date, config: LtvConfig, expected: int) -> None:
    assert observable_days(start, as_of, config) == expected


def test_ltv_refuses_a_history_too_short_for_any_horizon() -> None:
    # given three months of bookings
    history = regular_history(80, first=dt.date(2026, 8, 1), last=dt.date(2026, 10, 31))

    # when / then
    with pytest.raises(HistoryTooShort) as caught:
        ltv_train(history, AS_OF)
    assert str(caught.value) == (
        "the history (2026-08-01 to 2026-11-01, 92 days) is too short to validate any lifetime-value horizon: it "
        "needs 30 days of features plus twice a horizon of at least 60 days, i.e. 150 days"
    )


@pytest.mark.parametrize("horizon_days", [1, 30, 59])
def test_ltv_refuses_a_horizon_shorter_than_the_shortest_it_validates(horizon_days: int) -> None:
    # given three years of history: plenty, so the message must be about the horizon, not the history
    history = regular_history(80, first=dt.date(2023, 11, 1), last=dt.date(2026, 10, 31))

    # when / then
    with pytest.raises(HorizonError, match=f"a {horizon_days}-day horizon is shorter than the 60 days"):
        ltv_train(history, AS_OF, LtvConfig(horizon_days=horizon_days))


def test_ltv_refuses_no_bookings() -> None:
    with pytest.raises(TrainingDataError, match="there are no bookings to learn lifetime value from"):
        ltv_train(make_history([]), AS_OF)


def test_ltv_refuses_too_few_customers() -> None:
    # given 20 customers over three years: 3 cutoffs × 20 = 60 training rows, but 20 in the holdout
    history = regular_history(20, first=dt.date(2023, 11, 1), last=dt.date(2026, 10, 31))

    # when / then
    with pytest.raises(
        TrainingDataError, match="the holdout cutoff have 20 customers; at least 50 are needed for lifetime value"
    ):
        ltv_train(history, AS_OF)


def test_horizon_error_is_a_value_error() -> None:
    assert issubclass(HorizonError, ValueError)


def test_spend_between_is_net_completed_spend_in_a_half_open_window() -> None:
    # given
    history = make_history(
        [
            booking(1, "2026-03-01 00:00", amount=1000, discount=100),
            booking(1, "2026-03-30 23:59", amount=500),
            booking(1, "2026-03-31 00:00", amount=7000),  # the day after the 30-day window
            booking(1, "2026-03-10 12:00", amount=9000, status="cancelled"),
            booking(2, "2026-02-28 23:59", amount=4000),  # the day before
        ]
    )

    # when
    spend = spend_between(history, dt.date(2026, 3, 1), 30, pd.Index([1, 2, 3]))

    # then
    assert spend.to_dict() == {1: 1400.0, 2: 0.0, 3: 0.0}


# --- the model on the simulated marketplace --------------------------------------------------------------------


def test_ltv_report_describes_the_holdout(ltv_trained: tuple[LtvModel, LtvReport]) -> None:
    # given
    model, report = ltv_trained

    # then three years of data validate a 360-day horizon, extended to the 1095 requested
    assert (report.observed_days, report.horizon_days) == (360, 1095)
    assert (model.observed_days, model.horizon_days) == (360, 1095)
    assert report.holdout_cutoff == AS_OF - dt.timedelta(days=360)
    assert report.train_cutoffs == [dt.date(2024, 9, 12), dt.date(2024, 10, 12), dt.date(2024, 11, 11)]
    assert report.metrics["model"]["n"] == report.n_holdout > 1500
    assert report.warnings == []  # three years: every season seen more than once
    json.dumps(report.to_dict())


def test_ltv_interval_covers_about_its_nominal_level_out_of_time(ltv_trained: tuple[LtvModel, LtvReport]) -> None:
    # given the holdout coverage of intervals calibrated on the other half of the holdout
    model, report = ltv_trained
    metrics = report.metrics
    coverage = metrics["served"]["coverage"]
    quintiles = metrics["served_coverage_by_predicted_spend"]
    print(f"\nLTV 80% interval coverage {coverage:.4f}; by predicted-spend quintile {quintiles}")

    # then the 80% interval covers 80% ± 7 points, and no fifth of customers (by predicted spend) is badly served
    assert coverage == pytest.approx(0.80, abs=0.07)
    assert min(quintiles.values()) >= MIN_BIN_COVERAGE - 0.05  # measured on the other half: a little noise
    # without being uselessly wide: no bin stretches its quantiles by more than e^2, and intervals average under
    # four times the mean actual spend
    assert max(model.conformal.margins) < 2
    assert metrics["served"]["mean_interval_width"] < 4 * metrics["served"]["actual_mean"]


def test_ltv_lower_bound_if_retained_holds_for_returning_customers_out_of_time(
    ltv_trained: tuple[LtvModel, LtvReport], features_now: pd.DataFrame
) -> None:
    # given the share of the holdout's returning customers who spent at least their bound (calibrated on the other
    # half of the holdout)
    model, report = ltv_trained
    coverage = report.metrics["served"]["retained_lower_bound_coverage"]
    predicted = model.predict(features_now)
    at_risk_low = predicted.loc[predicted["ltv"] < predicted["ltv"].quantile(0.4)]
    print(f"\nLTV lower bound if retained holds for {coverage:.4f}; factors {model.retained.factors}")

    # then it holds for about 90% of them, and where the interval's own lower bound is Tk 0 (customers who will likely
    # spend nothing) the bound if retained still gives a positive amount to cap a win-back offer by
    assert coverage == pytest.approx(0.90, abs=0.04)
    assert (at_risk_low["ltv_low"] == 0).mean() > 0.9
    assert (at_risk_low["ltv_low_if_retained"] > 0).mean() > 0.8  # all but those with no completed booking


def test_retained_lower_bound_is_the_conformal_quantile_of_spend_over_the_usual_booking_per_bin() -> None:
    # given 1,000 customers predicted Tk 100 and 1,000 predicted Tk 10,000, all with a usual booking of Tk 2,000;
    # half of the first spend nothing, the others spend k × their usual booking for k = 1..500 (low) or 1..1,000
    # (high) hundredths
    mean, usual = np.repeat([100.0, 10_000.0], 1000), np.full(2000, 2000.0)
    low_ratios = np.concatenate([np.zeros(500), np.arange(1, 501) / 100])
    high_ratios = np.arange(1, 1001) / 100
    spend = usual * np.concatenate([low_ratios, high_ratios])

    # when
    bound = RetainedLowerBound.fit(mean, usual, spend, confidence=0.9)

    # then each bin's factor is the ⌊(n + 1) × 0.1⌋-th smallest ratio among those who spent: 50th of 500 (0.5),
    # 100th of 1000 (1.0); a customer without a usual booking gets Tk 0
    assert bound.bound(np.array([100.0, 10_000.0, 100.0]), np.array([2000.0, 2000.0, 0.0])) == pytest.approx(
        [1000.0, 2000.0, 0.0]
    )


def test_retained_lower_bound_pools_bins_with_too_few_returning_customers() -> None:
    # given a bin where only 10 customers spent anything (usual booking Tk 100 for everybody)
    mean, usual = np.repeat([100.0, 10_000.0], 1000), np.full(2000, 100.0)
    spend = np.concatenate([np.r_[np.zeros(990), np.full(10, 50_000.0)], np.arange(1, 1001) * 1.0])

    # when
    bound = RetainedLowerBound.fit(mean, usual, spend, confidence=0.9)

    # then that bin takes the factor of all 1,010 returning customers (the 101st smallest ratio, 1.01), not its own
    # ten's (500); the other bin keeps its own (1.00)
    assert bound.bound(np.array([100.0, 10_000.0]), np.array([100.0, 100.0])) == pytest.approx([101.0, 100.0])


def test_the_served_value_forecast_is_no_worse_than_any_classical_one(ltv_trained: tuple[LtvModel, LtvReport]) -> None:
    # given the holdout figures of what is served and of every classical forecast
    report = ltv_trained[1]
    served = report.metrics["served"]
    baselines = {name: report.metrics[name] for name in ("bg_nbd_gamma_gamma", "pareto_nbd_gamma_gamma", "zero")}
    print(f"\nLTV served ({report.served}) {served}\nbaselines {baselines}")

    # then its mean forecast has the smallest squared error, it is right in total, and it ranks customers well
    assert all(served["rmse"] <= values["rmse"] for values in baselines.values())
    assert served["total_ratio"] == pytest.approx(1.0, abs=0.10)
    assert served["spearman"] > 0.6
    assert report.decision["served"] == report.served in ("model", "blend")


@pytest.fixture(scope="module")
def features_now(sim_history: History) -> pd.DataFrame:
    return build_features(sim_history, AS_OF)


def test_ltv_predictions_are_ordered_non_negative_intervals(
    ltv_trained: tuple[LtvModel, LtvReport], features_now: pd.DataFrame
) -> None:
    # when
    predicted = ltv_trained[0].predict(features_now)

    # then
    assert list(predicted.columns) == ["ltv", "ltv_low", "ltv_high", "ltv_low_if_retained"]
    assert predicted.index.equals(features_now.index)
    assert np.isfinite(predicted.to_numpy()).all()
    assert (predicted["ltv_low"] >= 0).all()
    assert (predicted["ltv_low"] <= predicted["ltv"]).all()
    assert (predicted["ltv"] <= predicted["ltv_high"]).all()
    assert (predicted["ltv_high"] > predicted["ltv_low"]).mean() > 0.9


def test_ltv_extension_factor_when_the_horizon_is_longer_than_observed(
    ltv_trained: tuple[LtvModel, LtvReport], features_now: pd.DataFrame
) -> None:
    # given
    patterns, curve = ltv_trained[0].patterns, ltv_trained[0].extension

    # when
    two_years = extension_factor(features_now, patterns, curve, 360, 720)
    three_years = extension_factor(features_now, patterns, curve, 360, 1095)

    # then a longer horizon never shrinks the value, and less than proportionally to time (customers leave)
    assert (two_years >= 1).all()
    assert (three_years >= two_years - 1e-12).all()
    assert (three_years <= 1095 / 360 + 1e-9).all()
    # customers with no completed booking get a factor too (here the batch's median; a trained model passes the
    # training population's, fixed, so its value is not pinned here)
    never = features_now["bookings_total"].to_numpy() == 0
    assert never.any()
    assert (three_years[never] >= 1).all()


@pytest.mark.parametrize(("observed", "horizon"), [(360, 360), (360, 180), (90, 60)])
def test_ltv_extension_factor_is_proportional_within_the_observed_span(
    ltv_trained: tuple[LtvModel, LtvReport], features_now: pd.DataFrame, observed: int, horizon: int
) -> None:
    # when
    factor = extension_factor(features_now, ltv_trained[0].patterns, "bg_nbd", observed, horizon)

    # then
    assert (factor == horizon / observed).all()


def test_ltv_at_the_observed_horizon_is_the_mean_model(
    ltv_trained: tuple[LtvModel, LtvReport], features_now: pd.DataFrame
) -> None:
    # given the trained model asked for the horizon it observed
    model = dataclasses.replace(ltv_trained[0], horizon_days=360)

    # when
    predicted = model.predict(features_now)

    # then no extension: the served mean over the observed horizon itself
    mean = model.observed_mean(features_now, _matrix(model, features_now))
    np.testing.assert_allclose(predicted["ltv"].to_numpy(), mean, rtol=1e-6, atol=0.006)
    extended = ltv_trained[0].predict(features_now)
    assert (extended["ltv"] >= predicted["ltv"] - 0.01).all()


def _matrix(model: LtvModel, features: pd.DataFrame) -> np.ndarray:
    from mlcore.churn import model_matrix

    matrix = model_matrix(features, model.patterns, model.window_days)
    return np.ascontiguousarray(matrix[:, [MODEL_FEATURES.index(name) for name in model.feature_names]])


def test_ltv_model_files_round_trip(ltv_trained: tuple[LtvModel, LtvReport], features_now: pd.DataFrame) -> None:
    # given
    model = ltv_trained[0]

    # when
    loaded = LtvModel.from_files(model.to_files())

    # then
    assert loaded.conformal == model.conformal
    assert loaded.retained == model.retained
    assert (loaded.observed_days, loaded.horizon_days, loaded.window_days) == (360, 1095, 90)
    pd.testing.assert_frame_equal(loaded.predict(features_now), model.predict(features_now), check_exact=True)


def test_ltv_model_from_files_refuses_boosters_with_other_features(ltv_trained: tuple[LtvModel, LtvReport]) -> None:
    # given
    files = ltv_trained[0].to_files()
    meta = json.loads(files["ltv.json"])
    meta["feature_names"] = list(reversed(meta["feature_names"]))
    files["ltv.json"] = json.dumps(meta).encode()

    # when / then
    with pytest.raises(ValueError, match="mean.json was trained on different features than the model lists"):
        LtvModel.from_files(files)


def test_ltv_training_uses_nothing_after_as_of(sim_history: History) -> None:
    # given the model trained as of BACKTEST_AS_OF on only what was known then
    known_then, report_then = ltv_train(history_before(sim_history, BACKTEST_AS_OF), BACKTEST_AS_OF)

    # when the same training sees the whole history
    model, report = ltv_train(sim_history, BACKTEST_AS_OF)

    # then the model and its holdout metrics are identical
    features = build_features(sim_history, BACKTEST_AS_OF)
    pd.testing.assert_frame_equal(model.predict(features), known_then.predict(features), check_exact=True)
    assert report.metrics == report_then.metrics


# --- conformal calibration -------------------------------------------------------------------------------------


def heavy_tailed(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quantile predictions (log1p scale), means and spends shaped like the real problem: half spend nothing."""
    rng = np.random.default_rng(seed)
    mean = rng.lognormal(7, 1.5, n)
    spend = np.where(rng.random(n) < 0.5, 0.0, 2 * mean * rng.lognormal(-0.5, 1.0, n))
    quantiles = np.column_stack([np.zeros(n), np.log1p(2 * mean)])
    return quantiles, mean, spend


def covered(quantiles: np.ndarray, mean: np.ndarray, spend: np.ndarray, margin: float | np.ndarray) -> np.ndarray:
    low, high = interval_bounds(quantiles, mean, margin)
    return (spend >= low) & (spend <= high)


def test_interval_bounds_always_contain_the_mean() -> None:
    # given quantiles whose upper end is below the mean, and a negative lower quantile
    quantiles = np.array([[-1.0, np.log1p(50.0)], [np.log1p(10.0), np.log1p(500.0)]])
    mean = np.array([100.0, 5.0])

    # when
    low, high = interval_bounds(quantiles, mean, 0.0)

    # then
    np.testing.assert_allclose(low, [0.0, 5.0])
    np.testing.assert_allclose(high, [100.0, 500.0])


def test_conformal_margin_is_the_smallest_that_reaches_the_finite_sample_level() -> None:
    # given
    quantiles, mean, spend = heavy_tailed(1000, seed=1)

    # when
    margin = conformal_margin(quantiles, mean, spend, 0.8)

    # then coverage reaches ⌈1001 × 0.8⌉ / 1000 = 0.801, and a slightly smaller margin falls short
    assert covered(quantiles, mean, spend, margin).mean() >= 0.801
    assert covered(quantiles, mean, spend, margin - 0.01).mean() < 0.801


def test_conformal_margin_stays_modest_when_zero_spenders_sit_just_above_the_lower_end() -> None:
    # given half the customers spend nothing while the lower quantile says a few paisa (log1p 0.3 ≈ Tk 0.35)
    quantiles, mean, spend = heavy_tailed(2000, seed=4)
    quantiles[:, 0] = 0.3

    # when
    margin = conformal_margin(quantiles, mean, spend, 0.8)

    # then the margin that brings Tk 0 into the interval suffices (an upper-only margin could never cover those
    # rows and ran to its bound of 10, e^10 ≈ 22,000 times the 90th percentile)
    assert margin == pytest.approx(0.3, abs=0.01)
    assert covered(quantiles, mean, spend, margin).mean() >= 0.801
    low, _ = interval_bounds(quantiles, mean, margin)
    assert (low == 0).all()


def test_negative_margin_narrows_only_the_upper_end() -> None:
    # given
    quantiles = np.array([[np.log1p(100.0), np.log1p(1000.0)]])
    mean = np.array([500.0])

    # when
    low, high = interval_bounds(quantiles, mean, -np.log(2))

    # then
    np.testing.assert_allclose(low, [100.0])
    np.testing.assert_allclose(high, [500.0])  # 1001 / 2 - 1 = 499.5, widened to the mean


def test_conformal_bins_keep_every_bin_above_the_floor_and_the_total_at_nominal() -> None:
    # given calibration rows and, from the same distribution, fresh rows
    calibration, fresh = heavy_tailed(4000, seed=2), heavy_tailed(20_000, seed=3)

    # when
    bins = ConformalBins.fit(*calibration, interval=0.8)
    quantiles, mean, spend = fresh
    inside = covered(quantiles, mean, spend, bins.margins_for(mean))

    # then
    assert len(bins.margins) == len(bins.edges) + 1 == ConformalBins.N_BINS
    assert inside.mean() == pytest.approx(0.80, abs=0.03)
    by_bin = pd.Series(inside).groupby(np.searchsorted(bins.edges, np.log1p(mean), side="right")).mean()
    assert by_bin.min() >= MIN_BIN_COVERAGE - 0.03


def test_ltv_model_files_from_before_the_bound_if_retained_load_with_a_bound_of_zero(
    ltv_trained: tuple[LtvModel, LtvReport], features_now: pd.DataFrame
) -> None:
    # given files saved before the bound existed
    files = ltv_trained[0].to_files()
    meta = json.loads(files["ltv.json"])
    del meta["retained"]
    files["ltv.json"] = json.dumps(meta).encode()

    # when
    predicted = LtvModel.from_files(files).predict(features_now)

    # then they still score (nightly runs and rollbacks keep working), and offer no discount until retrained
    assert (predicted["ltv_low_if_retained"] == 0).all()
    pd.testing.assert_frame_equal(
        predicted[["ltv", "ltv_low", "ltv_high"]], ltv_trained[0].predict(features_now)[["ltv", "ltv_low", "ltv_high"]]
    )
