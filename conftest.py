"""Fixtures shared by every app's tests."""

import importlib

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from accounts.roles import ANALYSTS, MODEL_ADMINISTRATORS, RETENTION_STAFF
from customers.tests.factories import CustomerFactory, StaffUserFactory, UserFactory

REFERENCE_DATA_MIGRATIONS = [
    ("customers.migrations.0002_catalogue_and_segments", "load"),
    ("loyalty.migrations.0002_default_tiers", "load"),
    ("loyalty.migrations.0003_engagement_and_programme_settings", "set_active_months"),
    ("predictions.migrations.0002_model_registry_and_scoring_settings", "create_settings"),
    ("interventions.migrations.0002_engine_fields_and_settings", "create_settings"),
    ("accounts.migrations.0001_roles", "create_roles"),
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reload the rows data migrations create: a transactional test's flush deletes them from a --reuse-db database."""
    from django.apps import apps

    with django_db_blocker.unblock():
        for module, function in REFERENCE_DATA_MIGRATIONS:
            getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _cache_cleared():
    """Reports and the dashboard are cached (in this worker's own Redis database or memory): every test starts from
    an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in Bengali leaves Bengali active in its thread (LocaleMiddleware activates, nothing deactivates):
    every test starts in the default language."""
    yield
    translation.deactivate()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_user(db):
    return StaffUserFactory()


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return client_of(staff_user)


@pytest.fixture
def customer_user(db):
    """A portal user linked to a customer record."""
    user = UserFactory()
    CustomerFactory(user=user)
    return user


@pytest.fixture
def customer_client(customer_user) -> APIClient:
    return client_of(customer_user)


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


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def member_of(group_name: str, username: str):
    """A member of staff in one role (accounts.roles)."""
    user = StaffUserFactory(username=username)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def _role_fixtures(role: str, group_name: str, username: str):
    """`<role>_user` (a member of staff in that group) and `<role>_client` (an API client logged in as them)."""

    @pytest.fixture(name=f"{role}_user")
    def user(db):
        return member_of(group_name, username)

    @pytest.fixture(name=f"{role}_client")
    def client(request) -> APIClient:
        return client_of(request.getfixturevalue(f"{role}_user"))

    return user, client


# Retention staff work the approval queue, the call list, codes and tiers; analysts read everything and change
# nothing; model administrators retrain and activate models and decide on no customer.
retention_user, retention_client = _role_fixtures("retention", RETENTION_STAFF, "rahim")
analyst_user, analyst_client = _role_fixtures("analyst", ANALYSTS, "nasrin")
model_admin_user, model_admin_client = _role_fixtures("model_admin", MODEL_ADMINISTRATORS, "farhana")
