"""Static files that installed packages ship outside a static/ folder, served as our own: plotly's bundled plotly.js.

A staticfiles finder, so `collectstatic` copies the file from the installed package (the version requirements.txt
pins, the one the Python side's figures are made for) and the development server and tests find it there; nothing is
committed twice or fetched from a CDN.
"""

import importlib.util
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

# static path prefix -> (package, folder inside it, the files served from that folder)
PACKAGE_FILES = {"vendor/plotly": ("plotly", "package_data", ("plotly.min.js",))}


def _package_folder(package: str, folder: str) -> Path | None:
    spec = importlib.util.find_spec(package)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / folder


class PackageFilesFinder(BaseFinder):
    def check(self, **kwargs) -> list[CheckMessage]:
        errors: list[CheckMessage] = []
        for prefix, (package, folder, names) in PACKAGE_FILES.items():
            location = _package_folder(package, folder)
            for name in names:
                if location is None or not (location / name).is_file():
                    errors.append(Error(f"{package} does not ship {folder}/{name} (static {prefix}/{name})"))
        return errors

    def find(self, path: str, find_all: bool = False, **kwargs):
        found = []
        for prefix, (package, folder, names) in PACKAGE_FILES.items():
            location = _package_folder(package, folder)
            head, _, name = path.rpartition("/")
            if location is not None and head == prefix and name in names and (location / name).is_file():
                found.append(str(location / name))
        if find_all:
            return found
        return found[0] if found else []

    def list(self, ignore_patterns):
        for prefix, (package, folder, names) in PACKAGE_FILES.items():
            location = _package_folder(package, folder)
            if location is None:
                continue
            storage = FileSystemStorage(location=location)
            storage.prefix = prefix  # type: ignore[attr-defined]  # collectstatic reads it, as for STATICFILES_DIRS
            for name in names:
                yield name, storage
