"""The churn calibrator: centred isotonic regression, and its extension past the holdout's scores."""

import numpy as np

from mlcore.churn import PROBABILITY_CAP, Calibrator


def holdout() -> tuple[np.ndarray, np.ndarray]:
    """Scores from 0.1 to 0.9 that are already right: a customer scored p churns with probability p."""
    rng = np.random.default_rng(0)
    scores = np.sort(rng.uniform(0.1, 0.9, 2000))
    return scores, (rng.uniform(size=2000) < scores).astype(int)


def test_inside_the_holdout_it_is_the_centred_isotonic_curve() -> None:
    scores, labels = holdout()

    calibrator = Calibrator.fit(scores, labels)

    # the staircase's ends are an all-churned and a none-churned step, as small samples make them
    assert (calibrator.y[0], calibrator.y[-1]) == (0.0, 1.0)
    inside = (calibrator.y > PROBABILITY_CAP[0]) & (calibrator.y < PROBABILITY_CAP[1])
    assert np.allclose(calibrator.apply(calibrator.x[inside]), calibrator.y[inside])
    assert np.all(np.diff(calibrator.apply(np.linspace(0.2, 0.8, 50))) > 0)


def test_past_the_holdout_scores_keep_their_order_and_stay_calibrated() -> None:
    # given customers scored higher (and lower) than anyone on the holdout, as an ageing cohort is
    scores, labels = holdout()
    calibrator = Calibrator.fit(scores, labels)
    above, below = np.linspace(0.9, 0.97, 200), np.linspace(0.03, 0.1, 200)

    # when
    high, low = calibrator.apply(above), calibrator.apply(below)

    # then they keep their rank instead of piling up on the 0.999 cap, as they did when the line to the all-churned
    # top step was extended, and they stay near the truth (the score itself) by the tails' logistic slopes
    assert np.all(np.diff(high) > 0)
    assert np.all(np.diff(low) > 0)
    assert high.max() < PROBABILITY_CAP[1]
    assert np.abs(high - above).max() < 0.05
    assert np.abs(low - below).max() < 0.05
    assert calibrator.tails is not None


def test_a_calibrator_round_trips_and_one_stored_before_its_tails_still_extends() -> None:
    scores, labels = holdout()
    calibrator = Calibrator.fit(scores, labels)
    stored = calibrator.to_dict()
    older = Calibrator.from_dict({"x": stored["x"], "y": stored["y"]})
    probe = np.linspace(0.0, 1.0, 101)

    assert np.array_equal(Calibrator.from_dict(stored).apply(probe), calibrator.apply(probe))
    assert older.tails is None
    assert np.all(np.diff(older.apply(np.linspace(0.2, 0.8, 50))) > 0)
