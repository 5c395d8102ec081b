"""Fixtures shared by every app's tests."""

import pytest
from rest_framework.test import APIClient

from customers.tests.factories import CustomerFactory, StaffUserFactory, UserFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_user(db):
    return StaffUserFactory()


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


@pytest.fixture
def customer_user(db):
    """A portal user linked to a customer record."""
    user = UserFactory()
    CustomerFactory(user=user)
    return user


@pytest.fixture
def customer_client(customer_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(customer_user)
    return client


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL: skipped on SQLite, but an error when CI says PostgreSQL is there."""
    import os

    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    if os.environ.get("REQUIRE_POSTGRES"):
        raise pytest.UsageError("REQUIRE_POSTGRES is set but DATABASE_URL is not a PostgreSQL database")
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
