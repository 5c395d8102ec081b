"""notification_list: newest first, filtered by customer and intervention, in a fixed number of queries."""

import pytest

from customers.tests.factories import CustomerFactory
from interventions.tests.factories import InterventionFactory
from notifications.selectors import notification_list
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_filters_by_customer_and_intervention(django_assert_num_queries):
    # given
    customer = CustomerFactory()
    first = NotificationFactory(customer=customer)
    second = NotificationFactory(
        customer=customer, intervention=InterventionFactory(customer=customer, prediction=None, status="expired")
    )
    NotificationFactory()

    # when
    with django_assert_num_queries(1):
        mine = [(n.pk, n.customer.external_id, n.intervention_id) for n in notification_list(customer=customer)]
    of_intervention = list(notification_list(intervention=second.intervention))

    # then
    assert mine == [
        (second.pk, customer.external_id, second.intervention_id),
        (first.pk, customer.external_id, first.intervention_id),
    ]
    assert of_intervention == [second]
    assert notification_list().count() == 3
