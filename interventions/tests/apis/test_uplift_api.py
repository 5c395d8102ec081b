"""GET /api/interventions/uplift: what worked, treated against control."""

import pytest

from interventions.models import InterventionStatus
from interventions.tests.factories import InterventionFactory

pytestmark = pytest.mark.django_db

UPLIFT = "/api/interventions/uplift"


def outcomes(status: str, kept: int, lost: int) -> None:
    for outcome, count in (("retained", kept), ("churned", lost)):
        InterventionFactory.create_batch(count, status=status, outcome=outcome, prediction__segment="occasional")


def test_staff_see_retention_of_treated_against_control(analyst_client):
    # given win-back: 6 of 10 treated kept, 3 of 10 held out
    outcomes(InterventionStatus.SENT, kept=6, lost=4)
    outcomes(InterventionStatus.CONTROL, kept=3, lost=7)

    # when
    response = analyst_client.get(UPLIFT)

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["outcomes_proposed"], body["outcomes_control"]) == (10, 10)
    assert (body["uplift_model_from"], body["uplift_model_active"]) == (100, False)
    overall, by_segment = body["estimates"]
    assert (overall["action"], overall["segment"]) == ("win_back_discount", "")
    assert (overall["proposed"], overall["sent"], overall["share_sent"]) == (10, 10, 1.0)
    assert (overall["retention_proposed"], overall["retention_control"], overall["measured_uplift"]) == (0.6, 0.3, 0.3)
    assert 0.06 < overall["uplift"] < 0.3  # shrunk towards the 6% prior
    assert by_segment["segment"] == "occasional"
    (roi,) = body["roi"]
    assert (roi["action"], roi["measured_uplift"], roi["customers_won"], roi["contact_cost"]) == (
        "win_back_discount",
        0.3,
        3.0,
        20.0,
    )


def test_customers_may_not_see_it(customer_client):
    assert customer_client.get(UPLIFT).status_code == 403
