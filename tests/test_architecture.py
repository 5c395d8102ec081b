"""Layering rules from STYLE.md, checked on the source: mlcore stays plain Python; web modules import no heavy ML."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("customers", "predictions", "loyalty", "interventions", "notifications", "payments", "analytics")
HEAVY = ("xgboost", "shap", "sklearn")


def top_level_imports(path: Path) -> set[str]:
    """Modules imported at module level (not inside functions), by their top-level package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


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
WEB = sorted(
    path for app in APPS for name in ("apis.py", "views.py", "urls.py") if (path := ROOT / app / name).exists()
)


@pytest.mark.parametrize("path", MLCORE, ids=lambda path: path.name)
def test_mlcore_imports_neither_django_nor_the_apps(path):
    forbidden = all_imports(path) & {"django", "rest_framework", "celery", "sheba_retention", *APPS}

    assert not forbidden, f"{path.name} imports {sorted(forbidden)}: mlcore takes frames and returns frames"


@pytest.mark.parametrize("path", WEB, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_web_modules_do_not_import_heavy_ml_libraries_at_import_time(path):
    heavy = top_level_imports(path) & set(HEAVY)

    assert not heavy, f"{path.parent.name}/{path.name} imports {sorted(heavy)} at module level"


def test_the_rules_see_the_modules_they_guard():
    assert {path.name for path in MLCORE} >= {"features.py", "churn.py", "explain.py", "ltv.py", "registry.py"}
    assert len(WEB) >= 6
