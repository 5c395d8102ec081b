"""Segment and tier distribution over time and movement between days, from hand-written history rows."""

import datetime as dt

import pandas as pd

from mlcore.movement import (
    Distribution,
    Movement,
    Transitions,
    distribution_over_time,
    movement_between,
    transitions,
)


def spells() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (1, "loyal", dt.date(2025, 1, 1), dt.date(2025, 2, 1)),
            (1, "at_risk", dt.date(2025, 2, 1), None),
            (2, "loyal", dt.date(2025, 1, 15), None),
            (3, "new", dt.date(2025, 2, 10), dt.date(2025, 2, 20)),
            (4, "new", dt.date(2025, 2, 20), None),
        ],
        columns=["customer_id", "state", "valid_from", "valid_to"],
    )


JAN_END, FEB_END, BEFORE = dt.date(2025, 1, 31), dt.date(2025, 2, 28), dt.date(2024, 12, 31)


def test_distribution_counts_each_customers_state_on_each_day() -> None:
    assert distribution_over_time(spells(), [BEFORE, JAN_END, FEB_END]) == [
        Distribution(day=BEFORE, total=0, counts={}, shares={}),
        Distribution(day=JAN_END, total=2, counts={"loyal": 2}, shares={"loyal": 1.0}),
        Distribution(
            day=FEB_END,
            total=3,
            counts={"at_risk": 1, "loyal": 1, "new": 1},
            shares={"at_risk": 1 / 3, "loyal": 1 / 3, "new": 1 / 3},
        ),
    ]


def test_a_state_ends_the_day_before_its_valid_to() -> None:
    [distribution] = distribution_over_time(spells(), [dt.date(2025, 2, 1)])

    assert distribution.counts == {"at_risk": 1, "loyal": 1}


def test_movement_counts_the_flows_from_one_day_to_the_next_with_newcomers_from_none() -> None:
    assert movement_between(spells(), [JAN_END, FEB_END]) == [
        Movement(
            start=JAN_END,
            end=FEB_END,
            moved=2,
            flows={"": {"new": 1}, "loyal": {"at_risk": 1, "loyal": 1}},
        )
    ]
    assert movement_between(spells(), [JAN_END]) == []
    assert movement_between(spells().iloc[0:0], [JAN_END, FEB_END]) == [Movement(JAN_END, FEB_END, 0, {})]


def test_transitions_sum_every_move_over_the_period_stayers_on_the_diagonal() -> None:
    # given: Jan → Feb customer 1 loyal → at_risk, 2 stays loyal, 4 arrives new; Feb → Mar everyone stays
    moves = movement_between(spells(), [BEFORE, JAN_END, FEB_END, dt.date(2025, 3, 31)])

    # when
    matrix = transitions(moves)

    # then: from none (the first row) two became loyal before January's end and one new by February's
    assert matrix.states == ["", "at_risk", "loyal", "new"]
    assert matrix.counts == [
        [0, 0, 2, 1],
        [0, 1, 0, 0],
        [0, 1, 2, 0],
        [0, 0, 0, 1],
    ]
    assert matrix.share(2, 1) == 1 / 3  # of the three loyal at a month end, one was at risk a month later
    assert matrix.total(0) == 3
    assert matrix.columns() == [1, 2, 3]  # no one went back to having no segment


def test_transitions_of_no_movement_are_empty() -> None:
    assert transitions([]) == Transitions(states=[], counts=[])
    assert transitions(movement_between(spells(), [BEFORE, dt.date(2024, 12, 31)])) == Transitions([], [])


def test_transitions_list_the_states_in_the_order_asked_then_the_rest() -> None:
    moves = movement_between(spells(), [BEFORE, JAN_END, FEB_END])

    assert transitions(moves, order=["new", "loyal", "gone"]).states == ["", "new", "loyal", "at_risk"]
