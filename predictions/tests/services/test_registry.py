"""The model registry: activation and rollback switch the active row; a damaged artifact is never activated."""

import shutil
from unittest import mock

import pytest

from mlcore.churn import MODEL_FEATURES
from mlcore.registry import ArtifactError
from predictions.models import ModelKind, ModelVersion
from predictions.services.registry import (
    NoActiveModel,
    active_model,
    model_version_activate,
    model_version_register,
)
from predictions.tests.conftest import AS_OF

pytestmark = pytest.mark.django_db


def active_versions() -> dict[str, str]:
    return dict(ModelVersion.objects.filter(is_active=True).values_list("kind", "version"))


def registry_state() -> list[tuple]:
    return list(ModelVersion.objects.order_by("pk").values_list("version", "is_active", "activated_at", "activated_by"))


def register_copy(kind: str = ModelKind.CHURN, *, activate: bool, feature_names=None) -> ModelVersion:
    """A second version of `kind`: the active model saved again (training anew would take half a minute)."""
    _, model = active_model(kind)
    metadata = {"feature_names": list(MODEL_FEATURES) if feature_names is None else feature_names}
    return model_version_register(kind=kind, model=model, as_of=AS_OF, metadata=metadata, activate=activate)


def tamper(root, row: ModelVersion, file_name: str) -> None:
    path = root / row.kind / row.version / file_name
    path.write_bytes(path.read_bytes().replace(b"1", b"2", 1))


def test_registering_an_active_version_deactivates_the_previous_one(private_models):
    # given
    previous = private_models.versions["churn"]

    # when
    new = register_copy(activate=True)

    # then
    assert new.version != previous
    assert active_versions() == {**private_models.versions, "churn": new.version}
    assert ModelVersion.objects.get(version=previous).is_active is False
    assert ModelVersion.objects.filter(kind=ModelKind.CHURN).count() == 2


def test_rollback_activates_the_older_version_and_records_who(private_models, staff_user):
    # given
    previous = private_models.versions["churn"]
    new = register_copy(activate=True)

    # when
    row = model_version_activate(version=previous, user=staff_user)

    # then
    assert row.is_active is True
    assert row.activated_by == staff_user
    assert row.activated_at is not None
    assert active_versions() == private_models.versions
    new.refresh_from_db()
    assert new.is_active is False
    assert active_model(ModelKind.CHURN)[0] == previous


def test_registering_without_activation_keeps_the_active_version(private_models, private_artifacts):
    # when
    new = register_copy(kind=ModelKind.LTV, activate=False)

    # then
    assert new.is_active is False
    assert active_versions() == private_models.versions
    folder = private_artifacts / "ltv" / new.version
    assert sorted(path.name for path in folder.iterdir()) == [
        "ltv.json",
        "mean.json",
        "metadata.json",
        "quantiles.json",
    ]
    assert ModelVersion.objects.get(version=new.version).metadata["files"].keys() == {
        "ltv.json",
        "mean.json",
        "quantiles.json",
    }


def test_a_tampered_artifact_is_refused_and_nothing_changes(private_models, private_artifacts):
    # given
    new = register_copy(activate=False)
    tamper(private_artifacts, new, "booster.json")
    before = registry_state()

    # when
    with pytest.raises(ArtifactError, match=r"booster\.json does not match its checksum"):
        model_version_activate(version=new.version, user=None)

    # then
    assert registry_state() == before
    assert active_versions() == private_models.versions


def test_rolling_back_to_a_version_tampered_with_since_it_was_loaded_is_refused(private_models, private_artifacts):
    # given: the old version was loaded (and cached) while it was active, then its file changed on disk
    old = ModelVersion.objects.get(version=private_models.versions["churn"])
    active_model(ModelKind.CHURN)
    new = register_copy(activate=True)
    tamper(private_artifacts, old, "churn.json")
    before = registry_state()

    # when
    with pytest.raises(ArtifactError, match=r"churn\.json does not match its checksum"):
        model_version_activate(version=old.version, user=None)

    # then
    assert registry_state() == before
    assert active_versions()["churn"] == new.version


def test_an_artifact_trained_on_other_features_is_refused(private_models):
    # given
    new = register_copy(activate=False, feature_names=["days_since_last_booking", "a_feature_this_code_lacks"])

    # when / then
    with pytest.raises(ArtifactError, match=r"was trained on different features than this code computes; retrain"):
        model_version_activate(version=new.version, user=None)
    assert active_versions() == private_models.versions


def test_a_missing_artifact_folder_is_refused(private_models, private_artifacts):
    # given
    new = register_copy(kind=ModelKind.SEGMENTATION, activate=False)
    shutil.rmtree(private_artifacts / "segmentation" / new.version)

    # when / then
    with pytest.raises(ArtifactError, match=r"no model artifact at .* \(missing metadata\.json\)"):
        model_version_activate(version=new.version, user=None)
    assert active_versions() == private_models.versions


@pytest.mark.parametrize("kind", ModelKind.values)
def test_no_active_model_says_how_to_train_one(kind):
    with pytest.raises(NoActiveModel) as raised:
        active_model(kind)

    assert str(raised.value) == (
        f"there is no active {kind} model yet: train one with `python manage.py train_models` "
        "(or POST /api/admin/retrain)"
    )


def test_the_same_version_name_in_two_artifact_folders_loads_each_folders_own_model(tmp_path, settings, monkeypatch):
    # given: two folders each holding a churn-20261202-070507 (trained in the same second, elsewhere)
    from predictions.services import registry as service

    loaded_from = []

    def artifact_load(root, *, kind, version, known_features):
        loaded_from.append(root)
        return mock.Mock(files={"from": str(root)})

    monkeypatch.setattr(service, "_cache", {})
    monkeypatch.setattr(service.registry, "artifact_load", artifact_load)
    monkeypatch.setattr(service, "deserialize", lambda kind, files: files["from"])

    # when
    settings.MODEL_ARTIFACTS_DIR = tmp_path / "a"
    first = service.model_of_version("churn", "churn-20261202-070507")
    settings.MODEL_ARTIFACTS_DIR = tmp_path / "b"
    second = service.model_of_version("churn", "churn-20261202-070507")
    again = service.model_of_version("churn", "churn-20261202-070507")

    # then: each folder's own, each read once
    assert [first[1], second[1], again[1]] == [str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "b")]
    assert loaded_from == [tmp_path / "a", tmp_path / "b"]
