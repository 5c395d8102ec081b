"""The access policy per role: what each one sees and may do."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import access
from accounts.access import Action, Role
from customers.tests.factories import CustomerFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

EVERY_ACTION = set(Action)


@pytest.fixture
def users(customer_user, analyst_user, retention_user, model_admin_user):
    return {
        Role.ANONYMOUS: AnonymousUser(),
        Role.CUSTOMER: customer_user,
        Role.ANALYST: analyst_user,
        Role.RETENTION_STAFF: retention_user,
        Role.MODEL_ADMINISTRATOR: model_admin_user,
        Role.SUPERUSER: StaffUserFactory(username="root", is_superuser=True),
    }


@pytest.mark.parametrize(
    ("role", "sees_staff_data", "may"),
    [
        (Role.ANONYMOUS, False, set()),
        (Role.CUSTOMER, False, set()),
        (Role.ANALYST, True, set()),
        (
            Role.RETENTION_STAFF,
            True,
            {Action.DECIDE_INTERVENTIONS, Action.WORK_CALLS, Action.MANAGE_CODES, Action.RETRY_NOTIFICATIONS},
        ),
        (Role.MODEL_ADMINISTRATOR, True, {Action.RETRAIN_MODELS}),
        (Role.SUPERUSER, True, EVERY_ACTION),
    ],
)
def test_what_each_role_sees_and_may_do(users, role, sees_staff_data, may):
    user = users[role]

    assert access.sees_staff_data(user) is sees_staff_data
    assert {action for action in Action if access.can(user, action)} == may
    assert access.roles_of(user) == {role}


def test_an_inactive_member_of_staff_sees_and_does_nothing(retention_user):
    retention_user.is_active = False

    assert not access.sees_staff_data(retention_user)
    assert not any(access.can(retention_user, action) for action in Action)


def test_a_customer_acts_for_themself_only(customer_user, retention_user, analyst_user):
    own, other = customer_user.customer, CustomerFactory()

    assert access.may_act_for(customer_user, own)
    assert not access.may_act_for(customer_user, other)
    assert access.may_act_for(retention_user, other)
    assert not access.may_act_for(analyst_user, other)
    assert not access.may_act_for(AnonymousUser(), own)


def test_a_login_linked_to_no_customer_is_no_customer():
    assert access.customer_of(UserFactory()) is None
    assert access.roles_of(UserFactory()) == set()
