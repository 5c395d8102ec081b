"""Model registry on disk: versions round-trip, are never overwritten, and anything damaged is refused whole."""

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mlcore import registry
from mlcore.churn import ChurnModel, TrainingReport
from mlcore.features import History, build_features
from mlcore.registry import METADATA_FILE, ArtifactError, artifact_load, artifact_save, new_version
from mlcore.tests.conftest import AS_OF

NOW = dt.datetime(2026, 11, 1, 2, 3, 4, tzinfo=dt.UTC)
VERSION = "churn-20261101-020304"
FILES = {"booster.json": b'{"trees": []}', "weights.bin": bytes(range(256))}
FEATURES = ["days_since_last_booking", "bookings_total"]


def save(root: Path, version: str = VERSION, files: dict[str, bytes] = FILES) -> registry.Artifact:
    return artifact_save(
        root, kind="churn", version=version, files=files, metadata={"feature_names": FEATURES, "auc_roc": 0.97}
    )


def test_artifact_save_and_load_round_trip(tmp_path: Path) -> None:
    # given
    saved = save(tmp_path)

    # when
    loaded = artifact_load(tmp_path, kind="churn", version=VERSION, known_features=FEATURES)

    # then the files come back byte for byte, with metadata recording where they came from
    assert saved.path == loaded.path == tmp_path / "churn" / VERSION
    assert loaded.files == FILES
    assert loaded.metadata == saved.metadata
    assert loaded.metadata["feature_names"] == FEATURES
    assert loaded.metadata["auc_roc"] == 0.97
    assert (loaded.metadata["kind"], loaded.metadata["version"]) == ("churn", VERSION)
    assert loaded.metadata["files"] == {name: hashlib.sha256(content).hexdigest() for name, content in FILES.items()}
    assert set(loaded.metadata["libraries"]) == {"python", "xgboost", "scikit-learn", "numpy", "pandas", "scipy"}
    assert sorted(path.name for path in loaded.path.iterdir()) == ["booster.json", METADATA_FILE, "weights.bin"]


def test_new_version_adds_a_counter_when_the_second_is_taken(tmp_path: Path) -> None:
    # given / when / then
    assert new_version("churn", NOW, tmp_path) == VERSION
    save(tmp_path)
    assert new_version("churn", NOW, tmp_path) == f"{VERSION}-2"
    save(tmp_path, version=f"{VERSION}-2")
    assert new_version("churn", NOW, tmp_path) == f"{VERSION}-3"
    assert new_version("ltv", NOW, tmp_path) == "ltv-20261101-020304"  # kinds do not collide


def test_a_version_is_never_overwritten(tmp_path: Path) -> None:
    # given
    save(tmp_path)

    # when / then
    with pytest.raises(ArtifactError, match="already exists: versions are never overwritten"):
        save(tmp_path, files={"booster.json": b"something else"})
    assert artifact_load(tmp_path, kind="churn", version=VERSION).files == FILES


@pytest.mark.parametrize("version", ["churn", "Churn-20261101-020304", "churn-2026-11-01", "../churn-20261101-020304"])
def test_artifact_save_refuses_a_bad_version_name(tmp_path: Path, version: str) -> None:
    with pytest.raises(ArtifactError, match="bad version name"):
        save(tmp_path, version=version)


@pytest.mark.parametrize(
    "operation",
    [save, lambda root: artifact_load(root, kind="churn", version=VERSION)],
    ids=["save", "load"],
)
def test_registry_refuses_a_relative_root(operation: Callable[[Path], object]) -> None:
    # given
    root = Path("var/models")

    # when / then
    with pytest.raises(ArtifactError, match="the artifact folder must be an absolute path, got var/models"):
        operation(root)


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    # given a saved artifact whose booster was edited afterwards
    saved = save(tmp_path)
    (saved.path / "booster.json").write_bytes(b'{"trees": [1]}')

    # when / then
    with pytest.raises(ArtifactError, match="booster.json does not match its checksum"):
        artifact_load(tmp_path, kind="churn", version=VERSION)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    # given
    saved = save(tmp_path)
    (saved.path / "weights.bin").unlink()

    # when / then
    with pytest.raises(ArtifactError, match="weights.bin is missing"):
        artifact_load(tmp_path, kind="churn", version=VERSION)


@pytest.mark.parametrize("version", [VERSION, "churn-20990101-000000"])
def test_missing_version_or_metadata_is_refused(tmp_path: Path, version: str) -> None:
    # given a saved version whose metadata was deleted, or a version that was never saved
    saved = save(tmp_path)
    (saved.path / METADATA_FILE).unlink()

    # when / then
    with pytest.raises(ArtifactError, match=f"no model artifact at .*{version} \\(missing metadata.json\\)"):
        artifact_load(tmp_path, kind="churn", version=version)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"kind": "churn", "version": ', "is not valid JSON"),
        (b"\xff\xfe not text", "is not valid JSON"),
        (b"[1, 2, 3]", "is not a JSON object"),
        (b'"churn"', "is not a JSON object"),
    ],
)
def test_broken_metadata_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    # given
    saved = save(tmp_path)
    (saved.path / METADATA_FILE).write_bytes(content)

    # when / then
    with pytest.raises(ArtifactError, match=message):
        artifact_load(tmp_path, kind="churn", version=VERSION)


@pytest.mark.parametrize("files", [None, [], "booster.json"])
def test_metadata_without_its_file_list_is_refused(tmp_path: Path, files: object) -> None:
    # given metadata that no longer lists the files to verify (nothing would be checked or loaded)
    saved = save(tmp_path)
    metadata = json.loads((saved.path / METADATA_FILE).read_text())
    if files is None:
        del metadata["files"]
    else:
        metadata["files"] = files
    (saved.path / METADATA_FILE).write_text(json.dumps(metadata))

    # when / then
    with pytest.raises(ArtifactError, match="does not list its files and their checksums"):
        artifact_load(tmp_path, kind="churn", version=VERSION)


def test_metadata_of_another_version_is_refused(tmp_path: Path) -> None:
    # given a version folder copied under another name
    saved = save(tmp_path)
    shutil.copytree(saved.path, tmp_path / "churn" / f"{VERSION}-2")

    # when / then
    with pytest.raises(ArtifactError, match=f"describes churn/{VERSION}, not churn/{VERSION}-2"):
        artifact_load(tmp_path, kind="churn", version=f"{VERSION}-2")


@pytest.mark.parametrize("known", [FEATURES[:1], ["bookings_365d"]], ids=["one dropped", "all renamed"])
def test_a_model_using_features_this_code_does_not_compute_is_refused_with_advice_to_retrain(
    tmp_path: Path, known: list[str]
) -> None:
    # given
    save(tmp_path)

    # when / then
    with pytest.raises(ArtifactError) as caught:
        artifact_load(tmp_path, kind="churn", version=VERSION, known_features=known)
    assert str(caught.value) == (
        f"churn/{VERSION} was trained on different features than this code computes; retrain the models "
        "(python manage.py train_models)"
    )


@pytest.mark.parametrize("failing", ["write_bytes", "write_text", "replace"])
def test_a_failed_save_leaves_no_folder_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    # given a disk that fails at one step of the save
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if failing == "replace":
        monkeypatch.setattr(os, "replace", disk_full)
    else:
        monkeypatch.setattr(Path, failing, disk_full)

    # when
    with pytest.raises(OSError, match="No space left on device"):
        save(tmp_path)
    monkeypatch.undo()

    # then neither the version nor its staging folder exists, and the version can be saved again
    assert list((tmp_path / "churn").iterdir()) == []
    assert save(tmp_path).files == FILES


def test_trained_churn_model_through_the_registry(
    tmp_path: Path, sim_history: History, churn_trained: tuple[ChurnModel, TrainingReport]
) -> None:
    # given
    model, report = churn_trained
    version = new_version("churn", NOW, tmp_path)
    save_metadata = {"feature_names": model.feature_names, "metrics": report.metrics, "as_of": AS_OF.isoformat()}
    artifact_save(tmp_path, kind="churn", version=version, files=model.to_files(), metadata=save_metadata)

    # when
    artifact = artifact_load(tmp_path, kind="churn", version=version, known_features=model.feature_names)
    loaded = ChurnModel.from_files(artifact.files)

    # then
    features = build_features(sim_history, AS_OF)
    np.testing.assert_array_equal(loaded.predict_proba(features), model.predict_proba(features))
    assert artifact.metadata["metrics"] == report.metrics
