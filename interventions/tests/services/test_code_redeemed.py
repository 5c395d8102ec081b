"""A redeemed code of an intervention marks the intervention redeemed, in the redemption's transaction."""

from decimal import Decimal

import pytest
from django.utils import timezone

from interventions.models import InterventionStatus
from interventions.tests.factories import InterventionFactory
from payments.models import Redemption
from payments.services import discount_code_redeem
from payments.tests.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db


def redeem(code, key="k"):
    return discount_code_redeem(
        code=code.code, customer=code.customer, order_amount=Decimal("1200"), idempotency_key=key
    )


def test_a_sent_intervention_becomes_redeemed_once_however_often_its_code_is_used():
    # given
    intervention = InterventionFactory(status=InterventionStatus.SENT, sent_at=timezone.now())
    code = DiscountCodeFactory(customer=intervention.customer, intervention=intervention, max_uses=2)

    # when
    first = redeem(code, "a")
    redeem(code, "b")

    # then
    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.REDEEMED
    assert intervention.redeemed_at == first.redeemed_at
    assert list(intervention.events.values_list("from_status", "to_status")) == [
        (InterventionStatus.SENT, InterventionStatus.REDEEMED)
    ]
    code.refresh_from_db()
    assert code.uses == 2


def test_a_code_without_intervention_changes_no_intervention():
    intervention = InterventionFactory(status=InterventionStatus.SENT, sent_at=timezone.now())
    code = DiscountCodeFactory(customer=intervention.customer)

    redeem(code)

    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.SENT


def test_a_code_of_an_intervention_that_cannot_be_redeemed_is_not_used():
    # given: the code of a proposal nobody sent (a code issued by hand in the admin)
    intervention = InterventionFactory(status=InterventionStatus.PROPOSED)
    code = DiscountCodeFactory(customer=intervention.customer, intervention=intervention)

    # when
    with pytest.raises(Exception, match="only a sent one can become redeemed"):
        redeem(code)

    # then
    code.refresh_from_db()
    assert code.uses == 0
    assert Redemption.objects.count() == 0
    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.PROPOSED
