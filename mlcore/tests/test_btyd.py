"""BTYD models: parameter recovery on simulated customers, formulas against Monte-Carlo and the paper, bad inputs."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest
from numpy.typing import ArrayLike
from scipy import integrate, special, stats
from scipy.optimize import OptimizeResult

from mlcore import btyd
from mlcore.arrays import FloatArray
from mlcore.btyd import BgNbdParams, GammaGammaParams, ParetoNbdParams

# alpha in days: a live customer buys r / alpha = 0.015 times a day (about every 67 days) and drops out after a
# repeat purchase with probability a / (a + b) = 0.24 on average.
TRUE_BG = BgNbdParams(r=0.6, alpha=40.0, a=0.8, b=2.5)
TRUE_GG = GammaGammaParams(p=6.0, q=4.0, v=300.0)  # population mean spend p v / (q - 1) = 600 Taka
# The Pareto/NBD's CDNOW estimates (r = 0.553, alpha = 10.578 weeks, s = 0.606, beta = 11.669 weeks, as Fader, Hardie
# & Lee 2005 report them) in days, and a population that buys more regularly and lives longer, alpha far from beta.
TRUE_PNBD = ParetoNbdParams(r=0.553, alpha=10.578 * 7, s=0.606, beta=11.669 * 7)
LOYAL_PNBD = ParetoNbdParams(r=1.5, alpha=120.0, s=1.2, beta=400.0)
HOLDOUT_DAYS = 180.0


def simulate_bgnbd(
    rng: np.random.Generator, params: BgNbdParams, age: np.ndarray, horizon: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The BG/NBD story: Poisson purchases at rate ~ Gamma(r, alpha), dropout after each repeat purchase with
    p ~ Beta(a, b). Returns (frequency, recency) over (0, age] and the purchase count in (age, age + horizon]."""
    n = age.size
    rate = rng.gamma(params.r, 1.0 / params.alpha, n)
    dropout = rng.beta(params.a, params.b, n)
    clock = np.zeros(n)
    frequency, recency, holdout = np.zeros(n), np.zeros(n), np.zeros(n)
    live = np.arange(n)
    while live.size:
        clock[live] += rng.exponential(1.0, live.size) / rate[live]
        live = live[clock[live] <= age[live] + horizon]
        calibration = clock[live] <= age[live]
        frequency[live[calibration]] += 1
        recency[live[calibration]] = clock[live[calibration]]
        holdout[live[~calibration]] += 1
        live = live[rng.random(live.size) >= dropout[live]]
    return frequency, recency, holdout


def future_purchases(rng: np.random.Generator, rate: np.ndarray, dropout: np.ndarray, horizon: float) -> np.ndarray:
    """Purchases in the next `horizon` days of customers alive now, by brute-force simulation."""
    count = np.zeros(rate.size)
    clock = np.zeros(rate.size)
    live = np.arange(rate.size)
    while live.size:
        clock[live] += rng.exponential(1.0, live.size) / rate[live]
        live = live[clock[live] <= horizon]
        count[live] += 1
        live = live[rng.random(live.size) >= dropout[live]]
    return count


@dataclass(frozen=True)
class Simulated:
    frequency: np.ndarray
    recency: np.ndarray
    age: np.ndarray
    holdout: np.ndarray


def simulate_pnbd(rng: np.random.Generator, params: ParetoNbdParams, age: np.ndarray, horizon: float) -> Simulated:
    """The Pareto/NBD story, over (0, age] and the holdout (age, age + horizon]: Poisson purchases at a rate
    ~ Gamma(r, alpha) until death after an Exp(mu) lifetime, mu ~ Gamma(s, beta)."""
    rate = rng.gamma(params.r, 1.0 / params.alpha, age.size)
    lifetime = rng.exponential(1.0, age.size) / rng.gamma(params.s, 1.0 / params.beta, age.size)
    seen = np.minimum(lifetime, age)
    frequency = rng.poisson(rate * seen).astype(float)
    # Given how many there are, the purchase times are uniform on (0, seen]: the last is seen * U^(1/x).
    recency = np.where(frequency > 0, seen * rng.random(age.size) ** (1.0 / np.maximum(frequency, 1.0)), 0.0)
    holdout = rng.poisson(rate * np.clip(np.minimum(lifetime, age + horizon) - age, 0.0, None)).astype(float)
    return Simulated(frequency, recency, age, holdout)


@dataclass(frozen=True)
class Model:
    """A purchase-count model's predictions at fixed parameters, for the checks BG/NBD and Pareto/NBD share."""

    name: str  # the functions' prefix, as their error messages show it
    p_alive: Callable[[ArrayLike, ArrayLike, ArrayLike], FloatArray]
    p_no_purchase: Callable[[float, ArrayLike, ArrayLike, ArrayLike], FloatArray]
    expected_purchases: Callable[[float, ArrayLike, ArrayLike, ArrayLike], FloatArray]


def btyd_model(params: BgNbdParams | ParetoNbdParams) -> Model:
    if isinstance(params, BgNbdParams):
        bg = (btyd.bgnbd_p_alive, btyd.bgnbd_p_no_purchase, btyd.bgnbd_expected_purchases)
        return Model("bgnbd", *(partial(predict, params) for predict in bg))
    pnbd = (btyd.pnbd_p_alive, btyd.pnbd_p_no_purchase, btyd.pnbd_expected_purchases)
    return Model("pnbd", *(partial(predict, params) for predict in pnbd))


MODELS = [pytest.param(btyd_model(TRUE_BG), id="bgnbd"), pytest.param(btyd_model(TRUE_PNBD), id="pnbd")]
FITS = [pytest.param(btyd.bgnbd_fit, "BG/NBD", id="bgnbd"), pytest.param(btyd.pnbd_fit, "Pareto/NBD", id="pnbd")]


@pytest.fixture(scope="module")
def simulated() -> Simulated:
    rng = np.random.default_rng(20240601)
    age = rng.uniform(60.0, 720.0, 20_000)
    frequency, recency, holdout = simulate_bgnbd(rng, TRUE_BG, age, HOLDOUT_DAYS)
    return Simulated(frequency, recency, age, holdout)


@pytest.fixture(scope="module")
def fitted(simulated: Simulated) -> BgNbdParams:
    return btyd.bgnbd_fit(simulated.frequency, simulated.recency, simulated.age)


# --- BG/NBD: fit on simulated customers ------------------------------------------------------------------------------


def test_bgnbd_fit_recovers_the_simulated_parameters(fitted: BgNbdParams) -> None:
    assert fitted.r == pytest.approx(TRUE_BG.r, rel=0.10)
    assert fitted.alpha == pytest.approx(TRUE_BG.alpha, rel=0.15)  # in days, like the data
    assert fitted.a == pytest.approx(TRUE_BG.a, rel=0.25)
    assert fitted.b == pytest.approx(TRUE_BG.b, rel=0.25)


def assert_expected_purchases_match_the_holdout(
    simulated: Simulated, model: Model, *, overall: float, by_group: float
) -> None:
    expected = model.expected_purchases(HOLDOUT_DAYS, simulated.frequency, simulated.recency, simulated.age)
    assert expected.sum() == pytest.approx(simulated.holdout.sum(), rel=overall)
    # ... and by frequency group, where the groups are large enough for the comparison to mean something.
    for group in (simulated.frequency == 0, simulated.frequency == 1, simulated.frequency >= 5):
        assert expected[group].sum() == pytest.approx(simulated.holdout[group].sum(), rel=by_group)


def assert_p_no_purchase_is_calibrated_in_deciles(simulated: Simulated, model: Model, tolerance: float) -> None:
    p_none = model.p_no_purchase(HOLDOUT_DAYS, simulated.frequency, simulated.recency, simulated.age)
    observed_none = simulated.holdout == 0
    for decile in np.array_split(np.argsort(p_none, kind="stable"), 10):
        assert p_none[decile].mean() == pytest.approx(observed_none[decile].mean(), abs=tolerance)


def test_bgnbd_expected_purchases_match_the_holdout_in_aggregate(simulated: Simulated, fitted: BgNbdParams) -> None:
    assert_expected_purchases_match_the_holdout(simulated, btyd_model(fitted), overall=0.05, by_group=0.10)


def test_bgnbd_p_no_purchase_is_calibrated_in_deciles(simulated: Simulated, fitted: BgNbdParams) -> None:
    assert_p_no_purchase_is_calibrated_in_deciles(simulated, btyd_model(fitted), tolerance=0.05)


@pytest.mark.parametrize(("fit", "model"), FITS)
def test_fit_weights_repeated_customers_like_distinct_ones(
    simulated: Simulated, fit: Callable[[ArrayLike, ArrayLike, ArrayLike], BgNbdParams | ParetoNbdParams], model: str
) -> None:
    x, t_x, t = simulated.frequency[:2000], simulated.recency[:2000], simulated.age[:2000]
    once = fit(x, t_x, t)
    twice = fit(np.tile(x, 2), np.tile(t_x, 2), np.tile(t, 2))
    for key, value in once.to_dict().items():
        assert twice.to_dict()[key] == pytest.approx(value, rel=1e-4)


# --- BG/NBD: formulas ------------------------------------------------------------------------------------------------

CDNOW = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)  # FHL (2005) estimates, alpha in WEEKS


@pytest.mark.parametrize("days_per_unit", [1.0, 7.0])
def test_bgnbd_expected_purchases_match_the_papers_cdnow_example(days_per_unit: float) -> None:
    # FHL (2005): x = 2, t_x = 30.43, T = 38.86 weeks expects 1.226 purchases in the next 39 weeks. Expressing the
    # same customer and alpha in days (x 7) must not change the answer.
    params = BgNbdParams(r=CDNOW.r, alpha=CDNOW.alpha * days_per_unit, a=CDNOW.a, b=CDNOW.b)
    u = days_per_unit
    expected = btyd.bgnbd_expected_purchases(params, 39.0 * u, np.array([2.0]), np.array([30.43 * u]), [38.86 * u])
    assert expected[0] == pytest.approx(1.226, abs=5e-4)


def _textbook_expected_purchases(
    params: BgNbdParams, t: float, x: FloatArray, t_x: FloatArray, age: FloatArray
) -> FloatArray:
    """FHL (2005) eq. 10 verbatim with scipy's hyp2f1 (fine for moderate arguments)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + age + t))
    bracket = 1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp
    odds = np.where(x > 0, a / (b + x - 1) * ((alpha + age) / (alpha + t_x)) ** (r + x), 0.0)
    expected: FloatArray = (a + b + x - 1) / (a - 1) * bracket / (1 + odds)
    return expected


@pytest.mark.parametrize("params", [CDNOW, TRUE_BG, BgNbdParams(r=2.0, alpha=15.0, a=3.5, b=6.0)])
def test_bgnbd_expected_purchases_agree_with_textbook_formula_where_hyp2f1_is_reliable(params: BgNbdParams) -> None:
    x = np.repeat([0.0, 1.0, 2.0, 5.0, 10.0], 4)
    age = np.tile([10.0, 40.0, 100.0, 300.0], 5)
    t_x = np.where(x > 0, age * 0.6, 0.0)
    for horizon in (7.0, 30.0, 90.0):
        ours = btyd.bgnbd_expected_purchases(params, horizon, x, t_x, age)
        np.testing.assert_allclose(ours, _textbook_expected_purchases(params, horizon, x, t_x, age), rtol=1e-8)


def test_series_and_quadrature_agree_across_parameter_space() -> None:
    # The two numerical routes to the hypergeometric term must agree wherever both apply.
    rng = np.random.default_rng(7)
    for _ in range(12):
        r, a, b = np.exp(rng.uniform(np.log(0.1), np.log(10.0), 3))
        params = BgNbdParams(r=r, alpha=1.0, a=a, b=b)
        x = rng.choice([0.0, 1.0, 3.0, 20.0, 150.0], 50)
        s = np.exp(rng.uniform(np.log(1e-3), np.log(30.0), 50))
        series, rel_error = btyd._h_series(params, x, s)
        ok = rel_error < 1e-10
        assert ok.mean() > 0.5
        np.testing.assert_allclose(series[ok], btyd._h_quadrature(params, x[ok], s[ok]), rtol=1e-7)


def test_bgnbd_p_alive_and_expectation_match_importance_sampling_from_the_prior() -> None:
    # Brute force without any of the closed forms: draw (rate, dropout) from the prior, weight each draw by the
    # likelihood of the customer's history split into "still alive" and "dropped out at the last purchase", and
    # simulate the alive ones forward.
    rng = np.random.default_rng(11)
    n_draws, horizon = 400_000, 120.0
    rate = rng.gamma(TRUE_BG.r, 1.0 / TRUE_BG.alpha, n_draws)
    dropout = rng.beta(TRUE_BG.a, TRUE_BG.b, n_draws)
    future = future_purchases(rng, rate, dropout, horizon)
    for x, t_x, age in [(0.0, 0.0, 200.0), (1.0, 50.0, 300.0), (3.0, 150.0, 400.0), (2.0, 380.0, 400.0)]:
        log_alive = x * np.log1p(-dropout) + x * np.log(rate) - rate * age
        log_dead = np.log(dropout) + (x - 1) * np.log1p(-dropout) + x * np.log(rate) - rate * t_x if x > 0 else -np.inf
        top = max(log_alive.max(), np.max(log_dead))
        w_alive, w_dead = np.exp(log_alive - top), np.exp(log_dead - top) * np.ones(n_draws)
        total = w_alive.sum() + w_dead.sum()
        args = (np.array([x]), np.array([t_x]), np.array([age]))
        assert btyd.bgnbd_p_alive(TRUE_BG, *args)[0] == pytest.approx(w_alive.sum() / total, abs=0.01)
        mc_expected = (w_alive @ future) / total
        mc_none = (w_dead.sum() + w_alive @ (future == 0)) / total
        assert btyd.bgnbd_expected_purchases(TRUE_BG, horizon, *args)[0] == pytest.approx(mc_expected, rel=0.03)
        assert btyd.bgnbd_p_no_purchase(TRUE_BG, horizon, *args)[0] == pytest.approx(mc_none, abs=0.01)


@pytest.mark.parametrize(
    ("params", "x", "t_x", "age", "horizon"),
    [
        (TRUE_BG, 0.0, 0.0, 30.0, 365.0),  # series, s = 5.2
        (TRUE_BG, 12.0, 500.0, 520.0, 90.0),  # frequent buyer
        (TRUE_BG, 0.0, 0.0, 0.0, 2_000.0),  # s = 50: quadrature
        (TRUE_BG, 150.0, 700.0, 700.0, 3_000.0),  # many purchases, long horizon
        (BgNbdParams(r=2.0, alpha=10.0, a=0.3, b=0.6), 0.0, 0.0, 20.0, 200.0),  # a + b < 1: quadrature
        (BgNbdParams(r=2.0, alpha=10.0, a=0.3, b=0.6), 4.0, 30.0, 60.0, 365.0),  # a < 1
    ],
)
def test_bgnbd_expectation_given_alive_matches_monte_carlo(
    params: BgNbdParams, x: float, t_x: float, age: float, horizon: float
) -> None:
    # A live customer's (rate, dropout) posterior is Gamma(r+x, alpha+T) x Beta(a, b+x); simulate their future.
    rng = np.random.default_rng(int(x * 1000 + age))
    n_draws = 100_000
    rate = rng.gamma(params.r + x, 1.0 / (params.alpha + age), n_draws)
    dropout = rng.beta(params.a, params.b + x, n_draws)
    future = future_purchases(rng, rate, dropout, horizon)
    args = (np.array([x]), np.array([t_x]), np.array([age]))
    p_alive = btyd.bgnbd_p_alive(params, *args)[0]
    if_alive = btyd.bgnbd_expected_purchases(params, horizon, *args)[0] / p_alive
    assert if_alive == pytest.approx(future.mean(), abs=4 * future.std() / math.sqrt(n_draws))
    none_if_alive = (btyd.bgnbd_p_no_purchase(params, horizon, *args)[0] - (1 - p_alive)) / p_alive
    assert none_if_alive == pytest.approx((future == 0).mean(), abs=0.005)


def test_customers_without_repeat_purchases_are_alive() -> None:
    age = np.array([0.0, 10.0, 400.0, 5_000.0])
    np.testing.assert_array_equal(btyd.bgnbd_p_alive(TRUE_BG, np.zeros(4), np.zeros(4), age), np.ones(4))


@pytest.mark.parametrize("model", MODELS)
def test_p_alive_falls_as_recency_lags_further_behind_age(model: Model) -> None:
    age = np.full(6, 400.0)
    recency = np.array([400.0, 350.0, 300.0, 200.0, 100.0, 20.0])
    p_alive = model.p_alive(np.full(6, 10.0), recency, age)
    assert np.all(np.diff(p_alive) < 0)
    assert p_alive[0] > 0.9
    assert p_alive[-1] < 0.05


@pytest.mark.parametrize("model", MODELS)
def test_zero_horizon_means_no_purchases(model: Model) -> None:
    x, t_x, age = np.array([0.0, 3.0]), np.array([0.0, 50.0]), np.array([60.0, 60.0])
    np.testing.assert_array_equal(model.expected_purchases(0.0, x, t_x, age), [0.0, 0.0])
    np.testing.assert_array_equal(model.p_no_purchase(0.0, x, t_x, age), [1.0, 1.0])


@pytest.mark.parametrize("model", MODELS)
def test_predictions_are_finite_for_extreme_customers(model: Model) -> None:
    x = np.array([0.0, 0.0, 1.0, 500.0, 500.0, 2_000.0])
    t_x = np.array([0.0, 0.0, 0.0, 1.0, 9_999.0, 3_000.0])
    age = np.array([0.0, 10_000.0, 10_000.0, 10_000.0, 10_000.0, 3_000.0])
    for horizon in (1.0, 365.0, 36_500.0):
        expected = model.expected_purchases(horizon, x, t_x, age)
        p_none = model.p_no_purchase(horizon, x, t_x, age)
        assert np.all(np.isfinite(expected))
        assert np.all(expected >= 0)
        assert np.all((p_none >= 0) & (p_none <= 1))
    assert model.p_alive(x, t_x, age)[3] == 0.0  # 500 purchases, then silent for 27 years


# --- Pareto/NBD: fit on simulated customers --------------------------------------------------------------------------


@dataclass(frozen=True)
class PnbdPopulation:
    true: ParetoNbdParams
    simulated: Simulated
    fitted: ParetoNbdParams


@pytest.fixture(scope="module", params=[TRUE_PNBD, LOYAL_PNBD], ids=["cdnow", "loyal"])
def pnbd_population(request: pytest.FixtureRequest) -> PnbdPopulation:
    # 30,000 customers observed for 3 months to 4 years: over 20 seeds the estimates' spread was r, alpha 2-3%,
    # s 3-5%, beta 6-8% (relative), so the tolerances below are 4 standard deviations or more.
    true: ParetoNbdParams = request.param
    rng = np.random.default_rng(20240602)
    age = rng.uniform(90.0, 1_460.0, 30_000)
    simulated = simulate_pnbd(rng, true, age, HOLDOUT_DAYS)
    return PnbdPopulation(true, simulated, btyd.pnbd_fit(simulated.frequency, simulated.recency, age))


def test_pnbd_fit_recovers_the_simulated_parameters(pnbd_population: PnbdPopulation) -> None:
    # given customers simulated from known parameters, when the model is fitted to them (the fixture),
    # then it finds those parameters again, within their sampling error
    fitted, true = pnbd_population.fitted, pnbd_population.true
    assert fitted.r == pytest.approx(true.r, rel=0.12)
    assert fitted.alpha == pytest.approx(true.alpha, rel=0.12)  # in days, like the data
    assert fitted.s == pytest.approx(true.s, rel=0.20)
    assert fitted.beta == pytest.approx(true.beta, rel=0.35)


def test_pnbd_expected_purchases_match_the_holdout(pnbd_population: PnbdPopulation) -> None:
    # Over 20 other seeds the holdout total was off by 1-1.6% (standard deviation) and the small groups by 4-6%:
    # customers without a repeat purchase make only ~600 of the ~10,000 holdout purchases here.
    model = btyd_model(pnbd_population.fitted)
    assert_expected_purchases_match_the_holdout(pnbd_population.simulated, model, overall=0.07, by_group=0.25)


def test_pnbd_p_no_purchase_is_calibrated_in_deciles(pnbd_population: PnbdPopulation) -> None:
    # (the worst decile was off by 0.01 on average over 20 other seeds, 0.024 at most)
    model = btyd_model(pnbd_population.fitted)
    assert_p_no_purchase_is_calibrated_in_deciles(pnbd_population.simulated, model, tolerance=0.04)


def test_bgnbd_ranks_pareto_nbd_customers_alike(pnbd_population: PnbdPopulation) -> None:
    # given customers who follow the Pareto/NBD story
    sim = pnbd_population.simulated
    history = (sim.frequency, sim.recency, sim.age)
    # when both models are fitted to them
    bg = btyd.bgnbd_fit(*history)
    bg_churn = btyd.bgnbd_p_no_purchase(bg, HOLDOUT_DAYS, *history)
    pnbd_churn = btyd.pnbd_p_no_purchase(pnbd_population.fitted, HOLDOUT_DAYS, *history)
    # then they order customers by churn risk nearly the same way (Spearman 0.97-0.99 on these populations)
    assert stats.spearmanr(bg_churn, pnbd_churn).statistic > 0.95


# --- Pareto/NBD: formulas --------------------------------------------------------------------------------------------


def quad_log_integral(p: float, q: float, a: float, b: float, d: float) -> float:
    """ln int_0^d (a+z)^-p (b+z)^-q dz by adaptive quadrature in z, with breakpoints on the integrand's scales."""

    def relative(z: float) -> float:  # the integrand over its value at z = 0
        return math.exp(-p * math.log1p(z / a) - q * math.log1p(z / b))

    # Where it has fallen by e^-k at its initial rate, and where the power-law tails take over.
    scales = [k / (p / a + q / b) for k in (0.5, 2.0, 8.0, 32.0)] + [min(a, b) * 10.0**k for k in range(-3, 12)]
    points = sorted(z for z in scales if 0.0 < z < d)
    value, _ = integrate.quad(relative, 0.0, d, points=points, epsabs=0.0, epsrel=1e-13, limit=1000)
    return -p * math.log(a) - q * math.log(b) + math.log(value)


UNEVEN_PNBD = [
    pytest.param(TRUE_PNBD, id="cdnow"),
    pytest.param(ParetoNbdParams(r=0.55, alpha=1e6, s=0.61, beta=0.01), id="alpha>>beta"),
    pytest.param(ParetoNbdParams(r=0.55, alpha=0.01, s=0.61, beta=1e6), id="alpha<<beta"),
    pytest.param(ParetoNbdParams(r=2.0, alpha=50.0, s=3.0, beta=50.0), id="alpha=beta"),
    pytest.param(ParetoNbdParams(r=2.0, alpha=50.0, s=3.0, beta=50.0 * (1 + 1e-9)), id="alpha~beta"),
    pytest.param(ParetoNbdParams(r=0.05, alpha=5.0, s=20.0, beta=2_000.0), id="rare-buyers-short-lives"),
    pytest.param(ParetoNbdParams(r=30.0, alpha=0.01, s=0.02, beta=1e4), id="regular-buyers-long-lives"),
]
EXTREME_CUSTOMERS = [  # (x, t_x, T) in days
    (0.0, 0.0, 1.0),
    (0.0, 0.0, 20_000.0),
    (1.0, 5.0, 365.0),
    (40.0, 700.0, 730.0),
    (5_000.0, 19_990.0, 20_000.0),
    (5_000.0, 10_000.0, 20_000.0),
    (5_000.0, 100.0, 20_000.0),
    (3_000.0, 1.0, 1.5),
]


@pytest.mark.parametrize("params", UNEVEN_PNBD)
def test_pnbd_likelihood_matches_numerical_integration(params: ParetoNbdParams) -> None:
    # given customers at the edges: thousands of purchases, tens of thousands of days, hours of silence
    x, t_x, age = (np.array(column) for column in zip(*EXTREME_CUSTOMERS, strict=True))
    # when the likelihood's integral and bracket are computed
    log_bracket, log_alive, integral = btyd._pnbd_log_bracket(params, x, t_x, age)
    # then they agree with adaptive quadrature to 1e-9 (relative)
    for i, (xi, t_xi, age_i) in enumerate(EXTREME_CUSTOMERS):
        quad = quad_log_integral(params.r + xi, params.s + 1.0, params.alpha + t_xi, params.beta + t_xi, age_i - t_xi)
        assert integral.log_value[i] == pytest.approx(quad, abs=1e-9)
        assert log_bracket[i] == pytest.approx(np.logaddexp(log_alive[i], math.log(params.s) + quad), abs=1e-9)


def test_pareto_integral_is_exact_where_alpha_equals_beta() -> None:
    # given alpha == beta, where I = [(alpha+t_x)^-n - (alpha+T)^-n] / n, n = r + s + x, in closed form
    r, s, alpha = 2.0, 3.0, 50.0
    x, t_x, age = (np.array(column) for column in zip(*EXTREME_CUSTOMERS, strict=True))
    n = r + s + x
    closed = -n * np.log(alpha + t_x) + np.log(-np.expm1(-n * np.log1p((age - t_x) / (alpha + t_x)))) - np.log(n)
    for beta in (alpha, alpha * (1 + 1e-12), alpha * (1 - 1e-12)):
        # when the integral is computed with beta on either side of alpha
        integral = btyd._pareto_integral(r + x, np.full_like(x, s + 1.0), alpha + t_x, beta + t_x, age - t_x)
        # then it is the closed form
        np.testing.assert_allclose(integral.log_value, closed, rtol=1e-12, atol=1e-9)


def test_pnbd_p_alive_is_one_at_recency_equal_to_age_and_falls_with_silence() -> None:
    for params in (TRUE_PNBD, LOYAL_PNBD):
        # given customers who have just bought, or have been silent for ever longer
        x = np.array([0.0, 1.0, 5.0, 5_000.0])
        just_bought = btyd.pnbd_p_alive(params, x, np.array([0.0, 10.0, 400.0, 20_000.0]), [0.0, 10.0, 400.0, 20_000])
        silence = np.array([0.0, 1.0, 10.0, 100.0, 1_000.0, 5_000.0])
        p_alive = btyd.pnbd_p_alive(params, np.full(6, 3.0), 5_000.0 - silence, np.full(6, 5_000.0))
        older = btyd.pnbd_p_alive(params, np.full(6, 3.0), np.full(6, 100.0), 100.0 + silence)
        # then they are alive for sure, and less and less likely to be
        np.testing.assert_array_equal(just_bought, np.ones(4))
        for falling in (p_alive, older):
            assert np.all((falling >= 0) & (falling <= 1))
            assert falling[0] == 1.0
            assert np.all(np.diff(falling) < 0)


def test_pnbd_ignores_recency_of_customers_without_repeat_purchases() -> None:
    # given customers with no repeat purchase, whose recency field holds anything up to their age
    x, age = np.zeros(3), np.array([30.0, 300.0, 3_000.0])
    # when they are scored, then only their age matters (their first purchase is their last)
    for predict in (btyd_model(TRUE_PNBD).p_alive, partial(btyd_model(TRUE_PNBD).p_no_purchase, 90.0)):
        np.testing.assert_array_equal(predict(x, age / 2, age), predict(x, np.zeros(3), age))


def test_pnbd_predictions_match_importance_sampling_from_the_prior() -> None:
    # Brute force without any of the closed forms: draw (rate, dropout rate) from the prior, weight each draw by the
    # likelihood of the customer's history split into "alive at T" and "died in (t_x, T]", and simulate the
    # alive ones forward: the next purchase after Exp(rate), death after Exp(dropout rate).
    rng = np.random.default_rng(12)
    n_draws, horizon = 400_000, 120.0
    rate = rng.gamma(TRUE_PNBD.r, 1.0 / TRUE_PNBD.alpha, n_draws)
    mu = rng.gamma(TRUE_PNBD.s, 1.0 / TRUE_PNBD.beta, n_draws)
    death = rng.exponential(1.0, n_draws) / mu
    next_purchase = rng.exponential(1.0, n_draws) / rate
    silent = (death < next_purchase) | (next_purchase > horizon)
    future = rng.poisson(rate * np.minimum(death, horizon))
    for x, t_x, age in [(0.0, 0.0, 200.0), (1.0, 50.0, 300.0), (3.0, 150.0, 400.0), (2.0, 380.0, 400.0)]:
        log_alive = x * np.log(rate) - (rate + mu) * age
        log_died = (
            x * np.log(rate)
            + np.log(mu / (rate + mu))
            - (rate + mu) * t_x
            + np.log(-np.expm1(-(rate + mu) * (age - t_x)))
        )
        top = max(log_alive.max(), log_died.max())
        w_alive, w_died = np.exp(log_alive - top), np.exp(log_died - top)
        total = w_alive.sum() + w_died.sum()
        args = (np.array([x]), np.array([t_x]), np.array([age]))
        assert btyd.pnbd_p_alive(TRUE_PNBD, *args)[0] == pytest.approx(w_alive.sum() / total, abs=0.01)
        mc_expected = (w_alive @ future) / total
        mc_none = (w_died.sum() + w_alive @ silent) / total
        assert btyd.pnbd_expected_purchases(TRUE_PNBD, horizon, *args)[0] == pytest.approx(mc_expected, rel=0.03)
        assert btyd.pnbd_p_no_purchase(TRUE_PNBD, horizon, *args)[0] == pytest.approx(mc_none, abs=0.01)


@pytest.mark.parametrize("params", [TRUE_PNBD, LOYAL_PNBD, ParetoNbdParams(r=0.55, alpha=1e5, s=0.61, beta=0.5)])
def test_pnbd_p_no_purchase_is_the_likelihood_of_a_longer_silence(params: ParetoNbdParams) -> None:
    # given customers and a horizon
    x, t_x, age = (np.array(column) for column in zip(*EXTREME_CUSTOMERS, strict=True))
    horizon = 90.0
    # when P(no purchase) is computed from the posterior given alive
    p_none = btyd.pnbd_p_no_purchase(params, horizon, x, t_x, age)
    # then it is L(x, t_x, T + h) / L(x, t_x, T): the same history, observed h days longer
    longer = btyd._pnbd_log_bracket(params, x, t_x, age + horizon)[0] - btyd._pnbd_log_bracket(params, x, t_x, age)[0]
    # (the log-likelihoods are as large as 5e4 here, so their difference carries an absolute error near 1e-11)
    np.testing.assert_allclose(p_none, np.exp(longer), rtol=1e-9, atol=1e-11)


def test_pnbd_expected_purchases_take_the_log_limit_at_s_equal_to_1() -> None:
    # given s = 1, where the bracket over s - 1 becomes ln((beta+T+h)/(beta+T)), and s a hair either side of it
    x, t_x, age, horizon = np.array([0.0, 4.0]), np.array([0.0, 200.0]), np.array([100.0, 300.0]), 365.0
    at_1 = btyd.pnbd_expected_purchases(ParetoNbdParams(r=0.8, alpha=60.0, s=1.0, beta=90.0), horizon, x, t_x, age)
    p_alive = btyd.pnbd_p_alive(ParetoNbdParams(r=0.8, alpha=60.0, s=1.0, beta=90.0), x, t_x, age)
    # then the formula's limit holds there, and it is continuous through it
    limit = p_alive * (0.8 + x) * (90.0 + age) / (60.0 + age) * np.log1p(horizon / (90.0 + age))
    np.testing.assert_allclose(at_1, limit, rtol=1e-14)
    for s in (1.0 - 1e-9, 1.0 + 1e-9):
        near = btyd.pnbd_expected_purchases(ParetoNbdParams(r=0.8, alpha=60.0, s=s, beta=90.0), horizon, x, t_x, age)
        np.testing.assert_allclose(near, at_1, rtol=1e-7)


@pytest.mark.parametrize("params", UNEVEN_PNBD)
def test_pnbd_predictions_are_stable_for_heavy_buyers_over_decades(params: ParetoNbdParams) -> None:
    # given 5,000 purchases over 20,000 days (one every 4 days), then silent for 10 days, for 10,000 days, or
    # never silent
    x, t_x, age = np.full(3, 5_000.0), np.array([19_990.0, 10_000.0, 20_000.0]), np.full(3, 20_000.0)
    # when they are scored over 90 days
    p_alive = btyd.pnbd_p_alive(params, x, t_x, age)
    p_none = btyd.pnbd_p_no_purchase(params, 90.0, x, t_x, age)
    expected = btyd.pnbd_expected_purchases(params, 90.0, x, t_x, age)
    # then the recent buyers are (all but) surely alive and buy at their posterior rate (r+x)/(alpha+T), less the
    # chance of dying within 90 days; the one silent for 27 years is gone
    rate = (params.r + 5_000.0) / (params.alpha + 20_000.0)
    assert p_alive[0] > 0.95
    assert p_alive[2] == 1.0
    for i in (0, 2):
        assert 0.9 * p_alive[i] * rate * 90.0 < expected[i] <= rate * 90.0
        assert p_none[i] == pytest.approx(1 - p_alive[i] * (1 - math.exp(-rate * 90.0)), abs=0.02)
    assert p_alive[1] < 1e-15
    assert expected[1] < 1e-15
    assert p_none[1] == pytest.approx(1.0, abs=1e-15)


def _frame(n: int = 30) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    age = rng.uniform(50.0, 500.0, n)
    x = rng.integers(0, 5, n).astype(float)
    return x, np.where(x > 0, age / 2, 0.0), age


def _with(values: np.ndarray, index: int, value: float) -> np.ndarray:
    changed = values.copy()
    changed[index] = value
    return changed


@pytest.mark.parametrize(("fit", "model"), FITS)
@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda x, t_x, t: (_with(x, 3, -1.0), t_x, t), "cannot fit {model}: frequency must be non-negative"),
        (lambda x, t_x, t: (_with(x, 3, 1.5), t_x, t), "frequency must be whole numbers"),
        (lambda x, t_x, t: (x, _with(t_x, 3, -2.0), t), "recency must be non-negative"),
        (lambda x, t_x, t: (x, t_x, _with(t, 3, -2.0)), "age must be non-negative"),
        (lambda x, t_x, t: (x, _with(t_x, 5, t[5] + 1.0), t), "recency must not exceed age"),
        (lambda x, t_x, t: (x, t_x, _with(t, 0, np.nan)), "age contains NaN"),
        (lambda x, t_x, t: (x[:-1], t_x, t), "must have the same length"),
        (lambda x, t_x, t: (x[:19], t_x[:19], t[:19]), "cannot fit {model}: need at least 20 customers, got 19"),
        (lambda x, t_x, t: (0 * x, 0 * t_x, t), "cannot fit {model}: no repeat purchasers"),
        (lambda x, t_x, t: (x, 0 * t_x, 0 * t), "cannot fit {model}: every age is 0"),
    ],
)
def test_fit_rejects_bad_input(
    fit: Callable[[ArrayLike, ArrayLike, ArrayLike], object],
    model: str,
    make_args: Callable[..., tuple[np.ndarray, ...]],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message.format(model=model)):
        fit(*make_args(*_frame()))


@pytest.mark.parametrize("model", MODELS)
def test_predictions_reject_bad_input(model: Model) -> None:
    x, t_x, t = _frame()
    with pytest.raises(ValueError, match=f"{model.name}_p_alive: recency must not exceed age"):
        model.p_alive(x, t + 1.0, t)
    with pytest.raises(ValueError, match=f"{model.name}_p_no_purchase: horizon must be a finite number of days >= 0"):
        model.p_no_purchase(-1.0, x, t_x, t)
    with pytest.raises(ValueError, match=f"{model.name}_expected_purchases: frequency must be non-negative"):
        model.expected_purchases(30.0, -x - 1, t_x, t)


def assert_gradient_matches_finite_differences(
    objective: Callable[[FloatArray], tuple[float, FloatArray]], theta: FloatArray
) -> None:
    _, grad = objective(theta)
    # central differences: the heavy buyers' objective is large, and one-sided ones would lose too many digits
    step = 1e-6
    numeric = [
        (objective(theta + step * e)[0] - objective(theta - step * e)[0]) / (2 * step) for e in np.eye(theta.size)
    ]
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6)


def test_analytic_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(2)
    x = rng.poisson(2.0, 300).astype(float)
    age = rng.uniform(0.1, 2.0, 300)
    t_x = np.where(x > 0, age * rng.uniform(0.0, 1.0, 300), 0.0)
    weight = rng.integers(1, 4, 300).astype(float)
    spend = rng.gamma(3.0, 1.0, 300)
    theta = np.array([0.3, -0.5, 0.2, 1.1])
    assert_gradient_matches_finite_differences(lambda th: btyd._bgnbd_objective(th, x, t_x, age, weight), theta)
    gamma_gamma_theta = np.array([0.5, 1.0, -0.2])
    assert_gradient_matches_finite_differences(
        lambda th: btyd._gamma_gamma_objective(th, x + 1, spend), gamma_gamma_theta
    )
    # Pareto/NBD also where alpha and beta are far apart, both ways round, and with heavy buyers.
    heavy = x * 500
    for theta in (np.array([0.3, -0.5, 0.2, 1.1]), np.array([-1.0, 4.0, 1.0, -3.0]), np.array([1.0, -3.0, -1.0, 3.0])):
        assert_gradient_matches_finite_differences(lambda th: btyd._pnbd_objective(th, x, t_x, age, weight), theta)
        assert_gradient_matches_finite_differences(lambda th: btyd._pnbd_objective(th, heavy, t_x, age, weight), theta)


@pytest.mark.parametrize(("fit", "model"), FITS)
def test_fit_raises_when_the_optimiser_fails(
    monkeypatch: pytest.MonkeyPatch, fit: Callable[[ArrayLike, ArrayLike, ArrayLike], object], model: str
) -> None:
    def failing_minimize(
        fun: Callable[..., tuple[float, np.ndarray]], x0: np.ndarray, **kwargs: object
    ) -> OptimizeResult:
        # scipy-stubs give OptimizeResult no constructor; at run time it is a dict of these keys
        return OptimizeResult(x=np.asarray(x0), fun=fun(x0)[0], success=False, message="ABNORMAL: line search")  # type: ignore[call-arg]

    monkeypatch.setattr(btyd, "minimize", failing_minimize)
    with pytest.raises(RuntimeError, match=f"{model} fit: optimiser did not converge: ABNORMAL: line search"):
        fit(*_frame())


def test_params_round_trip_through_dicts_and_validate() -> None:
    assert BgNbdParams.from_dict(TRUE_BG.to_dict()) == TRUE_BG
    assert ParetoNbdParams.from_dict(TRUE_PNBD.to_dict()) == TRUE_PNBD
    assert TRUE_PNBD.to_dict() == {"r": 0.553, "alpha": 10.578 * 7, "s": 0.606, "beta": 11.669 * 7}
    assert GammaGammaParams.from_dict({**TRUE_GG.to_dict(), "fitted_on": 123}) == TRUE_GG
    with pytest.raises(ValueError, match="missing key"):
        BgNbdParams.from_dict({"r": 1.0, "alpha": 2.0, "a": 3.0})
    with pytest.raises(ValueError, match=r"ParetoNbdParams.from_dict: missing key\(s\) beta"):
        ParetoNbdParams.from_dict({"r": 1.0, "alpha": 2.0, "s": 3.0})
    with pytest.raises(ValueError, match="must be a finite positive number"):
        BgNbdParams(r=1.0, alpha=-2.0, a=1.0, b=1.0)
    with pytest.raises(ValueError, match="ParetoNbdParams.beta must be a finite positive number"):
        ParetoNbdParams(r=1.0, alpha=2.0, s=1.0, beta=math.inf)
    with pytest.raises(ValueError, match="must be a finite positive number"):
        GammaGammaParams(p=1.0, q=float("nan"), v=1.0)


# --- Gamma-Gamma ------------------------------------------------------------------------------------------------------


def simulate_spend(rng: np.random.Generator, params: GammaGammaParams, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's spend per purchase ~ Gamma(p, rate nu), nu ~ Gamma(q, rate v); returns (x, mean of x)."""
    x = 1.0 + rng.poisson(2.0, n)
    nu = rng.gamma(params.q, 1.0 / params.v, n)
    return x, rng.gamma(params.p * x, 1.0 / nu) / x  # the sum of x Gamma(p, nu) spends is Gamma(p x, nu)


def test_gamma_gamma_fit_recovers_the_simulated_parameters() -> None:
    x, spend = simulate_spend(np.random.default_rng(5), TRUE_GG, 20_000)
    x_all = np.concatenate([x, np.zeros(500), [2.0, 3.0]])  # non-repeaters and zero spenders are left out
    spend_all = np.concatenate([spend, np.full(500, np.nan), [0.0, 0.0]])
    fitted = btyd.gamma_gamma_fit(x_all, spend_all)
    assert fitted.p == pytest.approx(TRUE_GG.p, rel=0.25)
    assert fitted.q == pytest.approx(TRUE_GG.q, rel=0.10)
    assert fitted.v == pytest.approx(TRUE_GG.v, rel=0.25)  # in Taka, like the spend
    assert fitted.population_mean == pytest.approx(TRUE_GG.population_mean, rel=0.03)


def test_gamma_gamma_expected_value_shrinks_towards_the_population_mean() -> None:
    mean = TRUE_GG.population_mean
    x = np.array([0.0, 1.0, 2.0, 5.0, 20.0, 200.0])
    high = btyd.gamma_gamma_expected_value(TRUE_GG, x, np.full(6, 3 * mean))
    low = btyd.gamma_gamma_expected_value(TRUE_GG, x, np.full(6, mean / 3))
    assert high[0] == low[0] == pytest.approx(mean)
    assert np.all(np.diff(high) > 0)
    assert np.all(np.diff(low) < 0)
    assert np.all(high[1:] < 3 * mean)
    assert np.all(low[1:] > mean / 3)
    assert high[-1] == pytest.approx(3 * mean, rel=0.01)
    # Exactly the posterior mean p (v + x m) / (p x + q - 1).
    assert high[2] == pytest.approx(6.0 * (300.0 + 2 * 3 * mean) / (6.0 * 2 + 4.0 - 1.0))


def test_gamma_gamma_expected_value_ignores_spend_of_non_repeaters() -> None:
    value = btyd.gamma_gamma_expected_value(TRUE_GG, np.array([0.0, 0.0]), np.array([np.nan, 0.0]))
    np.testing.assert_allclose(value, [600.0, 600.0])


def test_gamma_gamma_rejects_bad_input() -> None:
    x, spend = simulate_spend(np.random.default_rng(1), TRUE_GG, 30)
    with pytest.raises(ValueError, match="cannot fit Gamma-Gamma: monetary_mean must be non-negative"):
        btyd.gamma_gamma_fit(x, _with(spend, 2, -5.0))
    with pytest.raises(ValueError, match="monetary_mean must be finite where frequency > 0"):
        btyd.gamma_gamma_fit(x, _with(spend, 2, np.nan))
    with pytest.raises(ValueError, match="need at least 20 repeat purchasers with positive spend, got 19"):
        btyd.gamma_gamma_fit(x[:19], spend[:19])
    with pytest.raises(ValueError, match="same length"):
        btyd.gamma_gamma_fit(x, spend[:-1])
    with pytest.raises(ValueError, match="needs q > 1"):
        btyd.gamma_gamma_expected_value(GammaGammaParams(p=1.0, q=0.9, v=1.0), x, spend)


def test_btyd_expected_spend_is_purchases_times_value_per_purchase() -> None:
    x, t_x, age = np.array([0.0, 2.0, 8.0]), np.array([0.0, 100.0, 280.0]), np.array([90.0, 300.0, 300.0])
    spend = np.array([np.nan, 450.0, 900.0])
    expected = btyd.btyd_expected_spend(TRUE_BG, TRUE_GG, 90.0, x, t_x, age, spend)
    purchases = btyd.bgnbd_expected_purchases(TRUE_BG, 90.0, x, t_x, age)
    np.testing.assert_allclose(expected, purchases * btyd.gamma_gamma_expected_value(TRUE_GG, x, spend))
    assert np.all(np.isfinite(expected))
