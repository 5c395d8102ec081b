"""Analytics' reports are cached: every test starts from an empty cache."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _cache_cleared():
    cache.clear()
    yield
    cache.clear()
