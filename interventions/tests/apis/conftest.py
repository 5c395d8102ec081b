"""Clients of the two staff roles: Retention staff may decide on interventions, Analysts may only look."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from analytics.roles import ANALYSTS, RETENTION_STAFF
from customers.tests.factories import StaffUserFactory


def _client_in(group_name: str, username: str):
    user = StaffUserFactory(username=username)
    user.groups.add(Group.objects.get(name=group_name))
    client = APIClient()
    client.force_authenticate(user)
    return client, user


@pytest.fixture
def retention_staff(db):
    return _client_in(RETENTION_STAFF, "rahim")


@pytest.fixture
def retention_client(retention_staff) -> APIClient:
    return retention_staff[0]


@pytest.fixture
def retention_user(retention_staff):
    return retention_staff[1]


@pytest.fixture
def analyst_client(db) -> APIClient:
    return _client_in(ANALYSTS, "nasrin")[0]
