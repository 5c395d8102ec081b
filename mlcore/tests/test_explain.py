"""Explanations: the strongest signed contributions per row, as sentences in English and Bengali."""

import re

import numpy as np
import pytest

from mlcore.churn import MODEL_FEATURES, ChurnModel, TrainingReport
from mlcore.explain import SENTENCES, Reason, bengali_digits, describe, top_reasons
from mlcore.features import FEATURES, History, build_features, uninformative_features
from mlcore.tests.conftest import AS_OF

ASCII_DIGIT = re.compile(r"[0-9]")
BENGALI_DIGIT = re.compile(r"[০-৯]")
# Features that use -1 for "never happened / not yet known".
SENTINEL_FEATURES = (
    "btyd_recency_days",
    "btyd_age_days",
    "gap_mean_days",
    "gap_std_days",
    "gap_last_days",
    "days_since_last_complaint",
    "days_to_usual_season",
    "bgnbd_p_alive",
    "bgnbd_p_churn",
    "pnbd_p_alive",
    "pnbd_p_churn",
)
TYPICAL_VALUES = (0.0, 0.04, 0.25, 0.5, 0.999, 1.0, 2.0, 3.44, 12.6, 143.4, 365.25, 2500.0, 1_234_567.8)

# What a bare transaction log (customer, date, amount) leaves at one value: the price-and-quality and the problems
# groups of FEATURES, service_diversity through cancel_share. Dates still give seasons, so their shares vary.
CONSTANT_IN_A_BARE_LOG = list(FEATURES[FEATURES.index("service_diversity") : FEATURES.index("cancel_share") + 1])

FEATURES_6 = [
    "days_since_last_booking",
    "bookings_total",
    "spend_total",
    "complaints_total",
    "rating_avg",
    "gap_mean_days",
]


def test_top_reasons_sorted_by_absolute_contribution_with_signs_kept() -> None:
    # given two rows of contributions (bias last) and their inputs
    contributions = np.array(
        [
            [1.5, -0.2, 0.05, -2.0, 0.3, -0.7, 9.9],
            [-0.1, 0.2, -0.3, 0.4, -0.5, 0.6, -9.9],
        ]
    )
    matrix = np.array([[143.4, 3.0, 4600.0, 2.0, 4.26, -1.0], [10.0, 12.0, 25_000.0, 0.0, 0.0, 30.0]])

    # when
    reasons = top_reasons(contributions, matrix, FEATURES_6, k=3)

    # then
    assert reasons[0] == [
        Reason("complaints_total", 2.0, -2.0, "2 complaints in total", "মোট ২টি অভিযোগ"),
        Reason("days_since_last_booking", 143.4, 1.5, "No booking for 143 days", "১৪৩ দিন ধরে কোনো বুকিং নেই"),
        Reason("gap_mean_days", -1.0, -0.7, "Only one booking so far", "এখন পর্যন্ত মাত্র একটি বুকিং"),
    ]
    assert [(reason.feature, reason.contribution) for reason in reasons[1]] == [
        ("gap_mean_days", 0.6),
        ("rating_avg", -0.5),
        ("complaints_total", 0.4),
    ]
    assert reasons[1][1].text_en == "Has never rated a service"


@pytest.mark.parametrize(("k", "expected"), [(1, 1), (5, 5), (6, 6), (10, 6)])
def test_top_reasons_returns_k_reasons_at_most_one_per_feature(k: int, expected: int) -> None:
    # given
    rng = np.random.default_rng(0)
    contributions = rng.normal(size=(4, len(FEATURES_6) + 1))
    matrix = rng.uniform(0, 10, size=(4, len(FEATURES_6)))

    # when
    reasons = top_reasons(contributions, matrix, FEATURES_6, k=k)

    # then
    assert [len(row) for row in reasons] == [expected] * 4
    assert all(len({reason.feature for reason in row}) == expected for row in reasons)


def test_top_reasons_of_the_trained_model_match_its_shap_values(
    sim_history: History, churn_trained: tuple[ChurnModel, TrainingReport]
) -> None:
    # given exact TreeSHAP contributions of 300 customers
    model, _ = churn_trained
    features = build_features(sim_history, AS_OF).iloc[:300]
    matrix = model.matrix(features)
    contributions = model.contributions(matrix)

    # when
    reasons = top_reasons(contributions, matrix, model.input_names, k=5)

    # then the contributions add up to the served score's log-odds (bias included)
    margins = model.served_margins(matrix)
    np.testing.assert_allclose(contributions.sum(axis=1), margins, rtol=1e-4, atol=1e-4)
    # and each row has the 5 strongest, strongest first, with the matrix's values and the signed contributions
    for row, row_reasons in enumerate(reasons):
        assert len(row_reasons) == 5
        columns = [model.input_names.index(reason.feature) for reason in row_reasons]
        strengths = np.abs(contributions[row, columns])
        assert (np.diff(strengths) <= 1e-7).all()
        assert strengths[-1] >= np.sort(np.abs(contributions[row, :-1]))[-5] - 1e-7
        for reason, column in zip(row_reasons, columns, strict=True):
            assert reason.contribution == round(float(contributions[row, column]), 4)
            assert reason.value == round(float(matrix[row, column]), 4)
            assert (reason.text_en, reason.text_bn) == describe(reason.feature, matrix[row, column])


def test_a_zero_contribution_is_never_a_reason() -> None:
    # given a row where only two features moved the score, and one where none did
    contributions = np.array([[0.0, 0.4, 0.0, -0.9, 0.0, 0.0, 1.2], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.3]])
    matrix = np.ones((2, len(FEATURES_6)))

    # when
    reasons = top_reasons(contributions, matrix, FEATURES_6, k=5)

    # then
    assert [[(reason.feature, reason.contribution) for reason in row] for row in reasons] == [
        [("complaints_total", -0.9), ("bookings_total", 0.4)],
        [],
    ]


def test_reasons_on_a_bare_transaction_log_never_cite_what_it_lacks(
    bare_history: History, churn_bare: tuple[ChurnModel, TrainingReport]
) -> None:
    # given the model trained on a history of customer, date and amount only, and the features it scores
    model, _ = churn_bare
    features = build_features(bare_history, AS_OF)
    matrix = model.matrix(features)
    contributions = model.contributions(matrix)

    # when
    reasons = top_reasons(contributions, matrix, model.input_names)

    # then exactly the features the log lacks are constant, training left them out, they contribute nothing, and
    # none is cited
    assert list(uninformative_features(features, FEATURES, min_share=0.0)) == CONSTANT_IN_A_BARE_LOG
    assert set(model.feature_names).isdisjoint(CONSTANT_IN_A_BARE_LOG)
    constant = [model.input_names.index(feature) for feature in CONSTANT_IN_A_BARE_LOG]
    assert not contributions[:, constant].any()
    cited = {reason.feature for row in reasons for reason in row}
    assert cited.isdisjoint(CONSTANT_IN_A_BARE_LOG)
    # and every customer still gets reasons from what the log does show (fewer than five when a classical model, which
    # reads three inputs, is what the holdout says to serve)
    assert min(len(row) for row in reasons) >= 1
    assert max(len(row) for row in reasons) <= 5


def test_every_model_feature_has_a_sentence_and_no_sentence_is_stale() -> None:
    assert set(SENTENCES) == set(MODEL_FEATURES)


@pytest.mark.parametrize("feature", MODEL_FEATURES)
def test_describe_every_feature_in_both_languages(feature: str) -> None:
    # given typical values, and -1 for the features that use it as "never"
    values = TYPICAL_VALUES + ((-1.0,) if feature in SENTINEL_FEATURES else ())

    for value in values:
        # when
        en, bn = describe(feature, value)

        # then two sentences, the Bengali one with Bengali digits only, the English one with ASCII digits only
        assert en.strip(), (feature, value)
        assert bn.strip(), (feature, value)
        assert not ASCII_DIGIT.search(bn), (feature, value, bn)
        assert not BENGALI_DIGIT.search(en), (feature, value, en)


@pytest.mark.parametrize("feature", SENTINEL_FEATURES)
def test_describe_sentinel_has_its_own_sentence_without_numbers(feature: str) -> None:
    # when
    en, bn = describe(feature, -1.0)

    # then "never" is said in words, not as "-1"
    assert not ASCII_DIGIT.search(en)
    assert not BENGALI_DIGIT.search(bn)


@pytest.mark.parametrize(
    ("feature", "value", "en", "bn"),
    [
        ("days_since_last_booking", 143.4, "No booking for 143 days", "১৪৩ দিন ধরে কোনো বুকিং নেই"),
        ("spend_total", 12345.6, "Tk 12,346 spent in total", "মোট ৳১২,৩৪৬ খরচ করেছেন"),
        ("bookings_per_year", 3.44, "About 3.4 bookings a year", "বছরে প্রায় ৩.৪টি বুকিং"),
        ("discount_share", 0.38, "38% of bookings used a discount", "৩৮% বুকিংয়ে ছাড় নিয়েছেন"),
        ("share_monsoon", 0.5, "50% of bookings in monsoon", "৫০% বুকিং বর্ষায়"),
        ("rating_avg", 0.0, "Has never rated a service", "কখনো কোনো সেবার রেটিং দেননি"),
        ("rating_avg", 4.26, "Rates services 4.3★ on average", "গড়ে ৪.৩★ রেটিং দেন"),
        (
            "overdue_ratio",
            2.46,
            "2.5× their usual time between bookings has passed",
            "স্বাভাবিক বুকিং ব্যবধানের ২.৫ গুণ সময় পেরিয়ে গেছে",
        ),
        ("gap_mean_days", -1.0, "Only one booking so far", "এখন পর্যন্ত মাত্র একটি বুকিং"),
        ("gap_mean_days", 45.2, "Usually books every 45 days", "সাধারণত প্রতি ৪৫ দিনে বুকিং করেন"),
        ("days_since_last_complaint", -1.0, "Has never complained", "কখনো অভিযোগ করেননি"),
        ("days_to_usual_season", -1.0, "No usual season yet", "এখনো কোনো নির্দিষ্ট মৌসুম নেই"),
        ("days_to_usual_season", 0.0, "In their usual booking season now", "এখন তাঁর স্বাভাবিক বুকিংয়ের মৌসুম"),
        ("days_to_usual_season", 45.0, "Their usual season starts in 45 days", "তাঁর স্বাভাবিক মৌসুম শুরু হতে ৪৫ দিন বাকি"),
        (
            "usual_season_upcoming",
            1.0,
            "Their busy season starts within two months",
            "তাঁর ব্যস্ত মৌসুম দুই মাসের মধ্যে শুরু হচ্ছে",
        ),
        ("bookings_30d", 2.0, "2 bookings in the last 30 days", "গত ৩০ দিনে ২টি বুকিং"),
        ("complaints_90d", 1.0, "1 complaint in the last 90 days", "গত ৯০ দিনে ১টি অভিযোগ"),
        ("competitor_searches_total", 1.0, "Searched competing services 1 time", "১ বার প্রতিযোগী সেবার খোঁজ করেছেন"),
        ("service_diversity", 3.0, "Has used 3 kinds of service", "৩ ধরনের সেবা নিয়েছেন"),
        ("bgnbd_p_churn", -1.0, "No completed booking yet", "এখনো কোনো সম্পন্ন বুকিং নেই"),
        (
            "bgnbd_p_alive",
            0.873,
            "Booking pattern: 87% likely still active",
            "বুকিংয়ের ধরন অনুযায়ী ৮৭% সম্ভাবনা এখনো সক্রিয়",
        ),
    ],
)
def test_describe_exact_sentences(feature: str, value: float, en: str, bn: str) -> None:
    assert describe(feature, value) == (en, bn)


def test_describe_accepts_numpy_float32() -> None:
    assert describe("days_since_last_booking", np.float32(143.4)) == describe("days_since_last_booking", 143.4)


def test_describe_unknown_feature_raises_key_error() -> None:
    with pytest.raises(KeyError, match="no sentence for feature 'shoe_size': add one to mlcore.explain.SENTENCES"):
        describe("shoe_size", 42.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0123456789", "০১২৩৪৫৬৭৮৯"),
        ("৳1,250.5", "৳১,২৫০.৫"),
        ("-1", "-১"),
        ("no digits here", "no digits here"),
        ("", ""),
    ],
)
def test_bengali_digits(text: str, expected: str) -> None:
    assert bengali_digits(text) == expected


def test_reason_to_dict() -> None:
    reason = Reason("bookings_total", 3.0, -0.25, "3 completed bookings in total", "মোট ৩টি সম্পন্ন বুকিং")
    assert reason.to_dict() == {
        "feature": "bookings_total",
        "value": 3.0,
        "contribution": -0.25,
        "text_en": "3 completed bookings in total",
        "text_bn": "মোট ৩টি সম্পন্ন বুকিং",
    }
