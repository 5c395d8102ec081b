"""A process where WeasyPrint cannot load Pango: importing it raises OSError, as cffi does without the library."""

import importlib.abc
import sys

import pytest


class _NoPango(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname == "weasyprint" or fullname.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return None


def without_pango(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in sys.modules if name == "weasyprint" or name.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_NoPango(), *sys.meta_path])
