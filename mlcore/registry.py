"""Versioned model artifacts on disk: each version a folder of files plus metadata.json with their checksums.

A version is written to a temporary folder and renamed into place, so a crash never leaves half an artifact;
loading checks every checksum and the feature list, and refuses anything that does not match.
"""

import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

VERSION_RE = re.compile(r"^[a-z]+-\d{8}-\d{6}(-\d+)?$")
KIND_RE = re.compile(r"^[a-z]+$")
METADATA_FILE = "metadata.json"
TRACKED_LIBRARIES = ("xgboost", "scikit-learn", "numpy", "pandas", "scipy")


class ArtifactError(Exception):
    """A model artifact is missing, corrupted or does not fit the code that wants to load it."""


@dataclass(frozen=True)
class Artifact:
    kind: str
    version: str
    path: Path
    metadata: dict[str, Any]
    files: dict[str, bytes]


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TRACKED_LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def new_version(kind: str, now: dt.datetime, root: Path) -> str:
    """`<kind>-YYYYMMDD-HHMMSS`, with a counter when two trainings start in the same second."""
    base = f"{kind}-{now:%Y%m%d-%H%M%S}"
    version, counter = base, 1
    while (root / kind / version).exists():
        counter += 1
        version = f"{base}-{counter}"
    return version


def _check_root(root: Path, kind: str) -> None:
    if not root.is_absolute():
        raise ArtifactError(f"the artifact folder must be an absolute path, got {root}")
    if not KIND_RE.match(kind):  # a kind becomes a folder name: nothing may lead outside the root
        raise ArtifactError(f"bad model kind {kind!r}: lowercase letters only")


def artifact_save(
    root: Path, *, kind: str, version: str, files: dict[str, bytes], metadata: dict[str, Any]
) -> Artifact:
    _check_root(root, kind)
    if not VERSION_RE.match(version):
        raise ArtifactError(f"bad version name {version!r}")
    target = root / kind / version
    if target.exists():
        raise ArtifactError(f"{target} already exists: versions are never overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    full_metadata = {
        **metadata,
        "kind": kind,
        "version": version,
        "saved_at": dt.datetime.now(dt.UTC).isoformat(),
        "libraries": library_versions(),
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in files.items()},
    }
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=target.parent))
    try:
        for name, content in files.items():
            (staging / name).write_bytes(content)
        (staging / METADATA_FILE).write_text(json.dumps(full_metadata, indent=2, sort_keys=True, default=str))
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Artifact(kind=kind, version=version, path=target, metadata=full_metadata, files=dict(files))


def _metadata_read(root: Path, kind: str, version: str) -> tuple[Path, dict[str, Any]]:
    """The version's folder and its metadata, checked for shape; raises ArtifactError."""
    _check_root(root, kind)
    if not VERSION_RE.match(version):
        raise ArtifactError(f"bad version name {version!r}")
    path = root / kind / version
    meta_path = path / METADATA_FILE
    if not meta_path.is_file():
        raise ArtifactError(f"no model artifact at {path} (missing {METADATA_FILE})")
    try:
        metadata = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{meta_path} is not valid JSON: {exc}") from exc
    if not isinstance(metadata, dict):
        raise ArtifactError(f"{meta_path} is not a JSON object")
    # Without its file list nothing would be verified and the artifact would load with no files: refuse it.
    if not isinstance(metadata.get("files"), dict):
        raise ArtifactError(f"{meta_path} does not list its files and their checksums")
    if metadata.get("kind") != kind or metadata.get("version") != version:
        raise ArtifactError(
            f"{meta_path} describes {metadata.get('kind')}/{metadata.get('version')}, not {kind}/{version}"
        )
    return path, metadata


def artifact_check_present(root: Path, *, kind: str, version: str) -> None:
    """Raise ArtifactError unless the version's metadata and every file it lists are on disk (no checksums read:
    cheap enough for a health check called every few seconds)."""
    path, metadata = _metadata_read(root, kind, version)
    for name in metadata["files"]:
        if not (path / name).is_file():
            raise ArtifactError(f"{path / name} is missing")


def artifact_load(root: Path, *, kind: str, version: str, known_features: list[str] | None = None) -> Artifact:
    """Read and verify a version; raises ArtifactError on any mismatch rather than returning something half-valid.

    `known_features`: the features this code computes; a model using any other is refused (a model may use a subset:
    training leaves out what carries no information in its data)."""
    path, metadata = _metadata_read(root, kind, version)
    files = {}
    for name, checksum in metadata["files"].items():
        file_path = path / name
        if not file_path.is_file():
            raise ArtifactError(f"{file_path} is missing")
        content = file_path.read_bytes()
        if hashlib.sha256(content).hexdigest() != checksum:
            raise ArtifactError(f"{file_path} does not match its checksum: the artifact was changed or corrupted")
        files[name] = content
    used = metadata.get("feature_names")
    if known_features is not None and not (isinstance(used, list) and set(used) <= set(known_features)):
        raise ArtifactError(
            f"{kind}/{version} was trained on different features than this code computes; retrain the models "
            "(python manage.py train_models)"
        )
    return Artifact(kind=kind, version=version, path=path, metadata=metadata, files=files)
