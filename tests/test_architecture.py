"""Layering rules from STYLE.md: mlcore stays plain Python; a web process loads no heavy ML library at start.

A heavy library imported at a module's top is ruff's TID253 (pyproject.toml); the test here sees what ruff cannot:
one reached through another module.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
APPS = ("customers", "predictions", "loyalty", "interventions", "notifications", "payments", "analytics")
HEAVY = ("xgboost", "shap", "sklearn", "scipy")


def all_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


MLCORE = sorted(path for path in (ROOT / "mlcore").glob("*.py"))


@pytest.mark.parametrize("path", MLCORE, ids=lambda path: path.name)
def test_mlcore_imports_neither_django_nor_the_apps(path):
    forbidden = all_imports(path) & {"django", "rest_framework", "celery", "sheba_retention", *APPS}

    assert not forbidden, f"{path.name} imports {sorted(forbidden)}: mlcore takes frames and returns frames"


def test_the_rules_see_the_modules_they_guard():
    assert {path.name for path in MLCORE} >= {"features.py", "churn.py", "explain.py", "ltv.py", "registry.py"}


# What a web process imports before its first request: every app's URLs (so their apis and services) and admins.
WEB_PROCESS = """
import sys

import django

django.setup()
import sheba_retention.urls
from django.contrib import admin

admin.autodiscover()
print(*sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[1:])))
"""


def test_a_web_process_loads_no_heavy_ml_library_until_a_model_is_used():
    # given a fresh interpreter: this one has imported them for other tests
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}

    # when
    loaded = subprocess.run(  # noqa: S603 - this interpreter, on this project's code
        [sys.executable, "-c", WEB_PROCESS, *HEAVY],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    # then
    assert loaded == [], f"importing the URLs and admins loads {loaded}: import them inside the functions using them"
