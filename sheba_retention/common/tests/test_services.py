"""model_update saves what a person changed and nothing else; model_create validates before it inserts."""

import pytest
from django.core.exceptions import ValidationError

from customers.models import Customer
from customers.tests.factories import CustomerFactory
from sheba_retention.common.services import model_create, model_update

pytestmark = pytest.mark.django_db


def test_an_edit_saves_only_its_fields_and_leaves_what_a_job_wrote_meanwhile():
    # given: staff opened the customer's page; then the nightly import changed their area
    customer = CustomerFactory(name="Rahima Khatun", area="Mirpur")
    Customer.objects.filter(pk=customer.pk).update(area="Dhanmondi")

    # when: staff save a new name from the page they opened
    customer.name = "Rahima Begum"
    saved = model_update(instance=customer, fields=["name", "not_a_column"])

    # then
    assert saved == ["name", "updated_at"]
    customer.refresh_from_db()
    assert (customer.name, customer.area) == ("Rahima Begum", "Dhanmondi")


def test_nothing_changed_writes_nothing(django_assert_num_queries):
    customer = CustomerFactory()

    with django_assert_num_queries(0):
        assert model_update(instance=customer, fields=[]) == []


def test_an_invalid_value_is_refused_and_nothing_is_saved():
    customer = CustomerFactory(phone="+8801711000001")
    customer.phone = "12345"

    with pytest.raises(ValidationError, match="phone"):
        model_update(instance=customer, fields=["phone"])

    customer.refresh_from_db()
    assert customer.phone == "+8801711000001"


def test_a_new_row_is_validated_before_it_is_inserted():
    with pytest.raises(ValidationError):
        model_create(instance=Customer(external_id="C-NEW", phone="not a phone"))

    assert not Customer.objects.filter(external_id="C-NEW").exists()
