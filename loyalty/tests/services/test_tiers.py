"""Tier decisions with hysteresis (pure, on a hand-built tier table) and the tier history tiers_apply writes."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.db.models import Count

from customers.tests.factories import CustomerFactory
from loyalty.models import CustomerLoyalty, LoyaltyProgram, LoyaltyTier
from loyalty.services import TierRules, tiers_apply, tiers_decide
from loyalty.tests.factories import CustomerLoyaltyFactory, existing_tier

BRONZE, SILVER, GOLD, PLATINUM = range(4)
RULES = TierRules(
    names=["bronze", "silver", "gold", "platinum"],
    min_ltv=np.array([0.0, 8000.0, 25000.0, 60000.0]),
    min_bookings_per_year=np.array([0.0, 2.0, 4.0, 8.0]),
    min_tenure_days=np.array([0.0, 90.0, 180.0, 365.0]),
    min_active_months=np.array([0.0, 2.0, 4.0, 6.0]),
    pks=[11, 12, 13, 14],
)
PROGRAM = LoyaltyProgram(downgrade_margin=0.8, min_hold_days=90)
GOLDEN = {"ltv": 30000.0, "bookings_per_year": 5.0, "tenure_days": 400.0, "active_months_365d": 6.0}
DAY = dt.date(2026, 11, 1)


def inputs(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), index=pd.Index(range(1, len(rows) + 1), name="customer_id"))


def decide(rows: list[dict], current: list[float], held: list[float]) -> pd.DataFrame:
    frame = inputs(*rows)
    return tiers_decide(
        frame, pd.Series(current, index=frame.index), pd.Series(held, index=frame.index), RULES, PROGRAM
    )


def test_a_first_assignment_gives_the_highest_tier_met_in_full():
    # given
    silver_only = {**GOLDEN, "ltv": 24999.0}
    new_customer = {"ltv": 300.0, "bookings_per_year": 1.0, "tenure_days": 20.0, "active_months_365d": 1.0}
    short_tenure = {**GOLDEN, "ltv": 90000.0, "bookings_per_year": 9.0, "tenure_days": 364.0}

    # when
    decided = decide([GOLDEN, silver_only, new_customer, short_tenure], [np.nan] * 4, [np.nan] * 4)

    # then
    assert decided["rank"].tolist() == [GOLD, SILVER, BRONZE, GOLD]
    assert decided["changed"].tolist() == [True] * 4
    assert decided["reason"].tolist() == ["first tier assignment"] * 4


def test_an_upgrade_happens_at_once_even_within_the_hold_period():
    # when
    decided = decide([GOLDEN], [SILVER], [3])

    # then
    assert decided.loc[1].to_dict() == {"rank": GOLD, "changed": True, "reason": "upgrade: meets the thresholds"}


def test_no_downgrade_within_the_hold_period_however_far_below():
    # given
    lapsed = {"ltv": 100.0, "bookings_per_year": 0.2, "tenure_days": 500.0, "active_months_365d": 0.0}

    # when
    decided = decide([lapsed], [GOLD], [89])

    # then
    assert decided.loc[1].to_dict() == {"rank": GOLD, "changed": False, "reason": ""}


@pytest.mark.parametrize(
    "slipped",
    [
        {**GOLDEN, "ltv": 20000.0},  # exactly 80% of Tk 25,000
        {**GOLDEN, "bookings_per_year": 3.2},  # 80% of 4 a year
        {**GOLDEN, "active_months_365d": 3.0},  # floor(80% of 4 months)
    ],
)
def test_no_downgrade_while_at_or_above_the_margin_of_the_thresholds(slipped):
    # when
    decided = decide([slipped], [GOLD], [400])

    # then
    assert decided.loc[1].to_dict() == {"rank": GOLD, "changed": False, "reason": ""}


def test_a_downgrade_after_the_hold_period_when_below_the_margin_goes_to_the_tier_still_kept():
    # given
    below_gold = {**GOLDEN, "ltv": 19999.0}  # under 80% of Gold, still over 80% of Silver
    far_below = {**GOLDEN, "ltv": 1000.0}

    # when
    decided = decide([below_gold, far_below], [GOLD, PLATINUM], [90, 365])

    # then
    reason = "downgrade: below 80% of the current tier's thresholds"
    assert decided.to_dict("index") == {
        1: {"rank": SILVER, "changed": True, "reason": reason},
        2: {"rank": BRONZE, "changed": True, "reason": reason},
    }


def test_values_oscillating_around_a_threshold_do_not_flap_over_six_monthly_evaluations():
    # given: lifetime value around the Gold threshold of Tk 25,000, month after month
    monthly_ltv = [26000.0, 23500.0, 25500.0, 22000.0, 26500.0, 21000.0]
    current, held, ranks, changes = np.nan, np.nan, [], 0

    # when
    for ltv in monthly_ltv:
        decided = decide([{**GOLDEN, "ltv": ltv}], [current], [held]).loc[1]
        changes += int(decided["changed"])
        current, held = float(decided["rank"]), 0.0 if decided["changed"] else held + 30
        ranks.append(int(decided["rank"]))

    # then
    naive = [GOLD if ltv >= 25000 else SILVER for ltv in monthly_ltv]
    assert naive == [GOLD, SILVER, GOLD, SILVER, GOLD, SILVER]  # what thresholds alone would do
    assert ranks == [GOLD] * 6
    assert changes == 1


def test_an_upgrade_then_oscillation_below_the_threshold_keeps_the_new_tier():
    # given: a Silver customer crossing into Gold, then hovering just under it
    monthly_ltv = [25100.0, 24000.0, 24900.0, 23000.0, 25200.0, 24100.0]
    current, held, ranks = float(SILVER), 200.0, []

    # when
    for ltv in monthly_ltv:
        decided = decide([{**GOLDEN, "ltv": ltv}], [current], [held]).loc[1]
        current, held = float(decided["rank"]), 0.0 if decided["changed"] else held + 30
        ranks.append(int(decided["rank"]))

    # then
    assert ranks == [GOLD] * 6


@pytest.mark.django_db
def test_tiers_apply_assigns_first_tiers_with_the_numbers_in_the_reason():
    # given
    gold, newcomer = CustomerFactory(), CustomerFactory()
    frame = pd.DataFrame(
        [GOLDEN, {"ltv": 1500.4, "bookings_per_year": 1.25, "tenure_days": 40.0, "active_months_365d": 1.0}],
        index=pd.Index([gold.pk, newcomer.pk]),
    )

    # when
    counts = tiers_apply(as_of=DAY, inputs=frame)

    # then
    assert counts == {"assigned": 2, "upgraded": 0, "downgraded": 0, "unchanged": 0}
    rows = {row.customer_id: row for row in CustomerLoyalty.objects.select_related("tier")}
    assert (rows[gold.pk].tier.name, rows[gold.pk].valid_from, rows[gold.pk].valid_to) == ("gold", DAY, None)
    assert rows[gold.pk].reason == (
        "first tier assignment of Gold (LTV Tk 30,000 vs Tk 25,000; 5.0 bookings/yr vs 4; "
        "tenure 400 d vs 180; active 6/12 months vs 4)"
    )
    assert rows[newcomer.pk].reason == (
        "first tier assignment of Bronze (LTV Tk 1,500 vs Tk 0; 1.2 bookings/yr vs 0; "
        "tenure 40 d vs 0; active 1/12 months vs 0)"
    )


@pytest.mark.django_db
def test_rerunning_the_same_day_revises_the_row_instead_of_stacking():
    # given
    customer = CustomerFactory()
    index = pd.Index([customer.pk])
    tiers_apply(as_of=DAY, inputs=pd.DataFrame([{**GOLDEN, "ltv": 9000.0}], index=index))

    # when
    revised = tiers_apply(as_of=DAY, inputs=pd.DataFrame([GOLDEN], index=index))
    repeated = tiers_apply(as_of=DAY, inputs=pd.DataFrame([GOLDEN], index=index))

    # then
    assert revised == {"assigned": 0, "upgraded": 1, "downgraded": 0, "unchanged": 0}
    assert repeated == {"assigned": 0, "upgraded": 0, "downgraded": 0, "unchanged": 1}
    [row] = CustomerLoyalty.objects.filter(customer=customer)
    assert (row.tier.name, row.valid_from, row.valid_to) == ("gold", DAY, None)
    assert row.reason.startswith("upgrade: meets the thresholds of Gold (LTV Tk 30,000 vs Tk 25,000;")


@pytest.mark.django_db
def test_an_upgrade_on_a_later_day_closes_the_old_row_and_opens_a_new_one():
    # given
    customer = CustomerFactory()
    CustomerLoyaltyFactory(customer=customer, tier=existing_tier("silver"), valid_from=DAY - dt.timedelta(days=20))

    # when
    counts = tiers_apply(as_of=DAY, inputs=pd.DataFrame([GOLDEN], index=pd.Index([customer.pk])))

    # then
    assert counts == {"assigned": 0, "upgraded": 1, "downgraded": 0, "unchanged": 0}
    history = list(
        CustomerLoyalty.objects.filter(customer=customer)
        .order_by("valid_from")
        .values_list("tier__name", "valid_from", "valid_to")
    )
    assert history == [("silver", DAY - dt.timedelta(days=20), DAY), ("gold", DAY, None)]


@pytest.mark.django_db
def test_a_downgrade_after_the_hold_period_is_recorded_with_its_reason():
    # given
    customer = CustomerFactory()
    CustomerLoyaltyFactory(customer=customer, tier=existing_tier("gold"), valid_from=DAY - dt.timedelta(days=120))
    slipped = {**GOLDEN, "ltv": 12000.0}

    # when
    counts = tiers_apply(as_of=DAY, inputs=pd.DataFrame([slipped], index=pd.Index([customer.pk])))

    # then
    assert counts == {"assigned": 0, "upgraded": 0, "downgraded": 1, "unchanged": 0}
    current = CustomerLoyalty.objects.get(customer=customer, valid_to=None)
    assert current.tier.name == "silver"
    assert current.reason == (
        "downgrade: below 80% of the current tier's thresholds of Silver (LTV Tk 12,000 vs Tk 8,000; "
        "5.0 bookings/yr vs 2; tenure 400 d vs 90; active 6/12 months vs 2)"
    )


@pytest.mark.django_db
def test_the_programme_settings_from_the_admin_are_used():
    # given
    LoyaltyProgram.objects.filter(pk=1).update(min_hold_days=30, downgrade_margin=0.5)
    customer = CustomerFactory()
    CustomerLoyaltyFactory(customer=customer, tier=existing_tier("gold"), valid_from=DAY - dt.timedelta(days=40))

    # when
    kept = tiers_apply(as_of=DAY, inputs=pd.DataFrame([{**GOLDEN, "ltv": 13000.0}], index=pd.Index([customer.pk])))

    # then: 40 days is past the 30-day hold, but Tk 13,000 is still above half of Gold's Tk 25,000
    assert kept == {"assigned": 0, "upgraded": 0, "downgraded": 0, "unchanged": 1}
    assert CustomerLoyalty.objects.get(customer=customer).tier.name == "gold"


@pytest.mark.django_db
def test_every_customer_keeps_exactly_one_open_row_over_monthly_runs():
    # given
    customers = CustomerFactory.create_batch(4)
    index = pd.Index([customer.pk for customer in customers])
    months = [[30000.0, 9000.0, 500.0, 70000.0], [19000.0, 26000.0, 500.0, 20000.0], [12000.0, 7000.0, 9000.0, 500.0]]

    # when
    for month, ltvs in enumerate(months):
        frame = pd.DataFrame([{**GOLDEN, "bookings_per_year": 9.0, "ltv": ltv} for ltv in ltvs], index=index)
        tiers_apply(as_of=DAY + dt.timedelta(days=100 * month), inputs=frame)

    # then
    open_rows = CustomerLoyalty.objects.filter(valid_to=None).values("customer").annotate(n=Count("pk"))
    assert sorted(row["n"] for row in open_rows) == [1, 1, 1, 1]
    current = dict(CustomerLoyalty.objects.filter(valid_to=None).values_list("customer", "tier__name"))
    assert [current[pk] for pk in index] == ["silver", "silver", "silver", "bronze"]
    assert list(customers[3].loyalty_history.order_by("valid_from").values_list("tier__name", flat=True)) == [
        "platinum",
        "gold",
        "bronze",
    ]
    for customer in customers:
        periods = list(customer.loyalty_history.order_by("valid_from").values_list("valid_from", "valid_to"))
        assert all(period[1] == following[0] for period, following in zip(periods, periods[1:], strict=False))


@pytest.mark.django_db
def test_an_earlier_day_leaves_a_history_that_starts_later_alone():
    # given
    customer = CustomerFactory()
    CustomerLoyaltyFactory(customer=customer, tier=existing_tier("silver"), valid_from=DAY)

    # when
    counts = tiers_apply(
        as_of=DAY - dt.timedelta(days=30), inputs=pd.DataFrame([GOLDEN], index=pd.Index([customer.pk]))
    )

    # then
    assert counts == {"assigned": 0, "upgraded": 0, "downgraded": 0, "unchanged": 1}
    assert list(CustomerLoyalty.objects.values_list("tier__name", "valid_from", "valid_to")) == [("silver", DAY, None)]


@pytest.mark.django_db
def test_the_rules_load_the_tier_table_in_rank_order():
    # when
    rules = TierRules.load()

    # then
    assert rules.names == ["bronze", "silver", "gold", "platinum"]
    assert rules.min_ltv.tolist() == [0.0, 8000.0, 25000.0, 60000.0]
    assert rules.min_bookings_per_year.tolist() == [0.0, 2.0, 4.0, 8.0]
    assert rules.min_tenure_days.tolist() == [0.0, 90.0, 180.0, 365.0]
    assert rules.min_active_months.tolist() == [0.0, 2.0, 4.0, 6.0]
    assert rules.pks == list(LoyaltyTier.objects.order_by("rank").values_list("pk", flat=True))
