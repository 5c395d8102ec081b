"""Layering rules from STYLE.md, checked on the source: mlcore stays plain Python.

Web modules importing heavy ML at their top is ruff's TID253 (pyproject.toml).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("customers", "predictions", "loyalty", "interventions", "notifications", "payments", "analytics")


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
