"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium, installed by .ci/run) against a live server.

Playwright's own browser downloads are never used. Its sync API runs an event loop in the test's thread, so Django's
guard against ORM calls from async code is lifted for these tests (the test itself, not a coroutine, makes the rows).
"""

import importlib
import os

import pytest

from conftest import REFERENCE_DATA_MIGRATIONS
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        raise pytest.UsageError(f"the browser tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """The live server reads committed rows, so these tests are transactional, and a transactional test before them
    may have flushed the catalogue, segments, tiers, roles and settings rows the data migrations load: load them."""
    from django.apps import apps

    for module, function in REFERENCE_DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
