"""Fixtures of the payments tests: fresh mock gateways and throttle counters for every test."""

import pytest
from django.core.cache import cache

from payments.gateways import get_gateway, reset_gateways


@pytest.fixture(autouse=True)
def _fresh_gateways_and_throttles():
    reset_gateways()
    cache.clear()
    yield
    reset_gateways()


@pytest.fixture
def bkash():
    return get_gateway("bkash")
