"""The Django side of the model registry: which version of each kind is active, and loading it once per process."""

import io
import logging
import threading
from typing import Any

import joblib
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from mlcore import registry
from predictions.models import ModelKind, ModelVersion
from predictions.selectors import dashboard_invalidate

logger = logging.getLogger(__name__)


class NoActiveModel(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(
            f"there is no active {kind} model yet: train one with `python manage.py train_models` "
            "(or POST /api/admin/retrain)"
        )
        self.kind = kind


class ActiveModelUnloadable(Exception):
    """The active version is recorded but its artifact cannot be loaded (deleted, corrupted, from other code).

    The message names the model for the caller; where on disk and what is wrong goes to the log, not to clients."""

    def __init__(self, kind: str, version: str) -> None:
        super().__init__(
            f"the active {kind} model {version} cannot be loaded from its artifact: activate another version or "
            "retrain (python manage.py train_models)"
        )
        self.kind = kind
        self.version = version


def artifacts_root():
    return settings.MODEL_ARTIFACTS_DIR


def serialize(kind: str, model: Any) -> dict[str, bytes]:
    if kind == ModelKind.SEGMENTATION:
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        return {"segmentation.joblib": buffer.getvalue()}
    return model.to_files()


def deserialize(kind: str, files: dict[str, bytes]) -> Any:
    # Here rather than at the top: these load scipy and scikit-learn, which a web process needs only once it loads
    # a model (the API's real-time prediction, the admin's activate action), not to serve its other pages.
    from mlcore.churn import ChurnModel
    from mlcore.ltv import LtvModel
    from mlcore.segmentation import SegmentationModel

    try:
        if kind == ModelKind.CHURN:
            return ChurnModel.from_files(files)
        if kind == ModelKind.LTV:
            return LtvModel.from_files(files)
        model = joblib.load(io.BytesIO(files["segmentation.joblib"]))
    except (KeyError, ValueError, TypeError) as exc:
        raise registry.ArtifactError(f"the {kind} artifact cannot be loaded: {exc}") from exc
    if not isinstance(model, SegmentationModel):
        raise registry.ArtifactError(f"the segmentation artifact holds a {type(model).__name__}")
    return model


def known_features(kind: str) -> list[str] | None:
    from mlcore.churn import MODEL_FEATURES

    return list(MODEL_FEATURES) if kind in (ModelKind.CHURN, ModelKind.LTV) else None


@transaction.atomic
def model_version_register(*, kind: str, model: Any, as_of, metadata: dict[str, Any], activate: bool) -> ModelVersion:
    """Save the artifact to disk, record it, and (optionally) make it the active version of its kind."""
    root = artifacts_root()
    version = registry.new_version(kind, timezone.now(), root)
    artifact = registry.artifact_save(
        root,
        kind=kind,
        version=version,
        files=serialize(kind, model),
        metadata={**metadata, "as_of": as_of.isoformat()},
    )
    row = ModelVersion.objects.create(kind=kind, version=version, as_of=as_of, metadata=artifact.metadata)
    if activate:
        model_version_activate(version=version, user=None)
        row.refresh_from_db()
    return row


@transaction.atomic
def model_version_activate(*, version: str, user: User | None) -> ModelVersion:
    """Make `version` the active one of its kind (a rollback is activating an older version).

    The artifact is loaded and verified first: a corrupted or mismatched artifact is never activated.
    """
    row = ModelVersion.objects.select_for_update().get(version=version)
    # Always re-read the files: a version loaded earlier in this process may have been changed on disk since.
    _load(row.kind, row.version, verify=True)  # raises ArtifactError
    ModelVersion.objects.filter(kind=row.kind, is_active=True).exclude(pk=row.pk).update(is_active=False)
    row.is_active = True
    row.activated_at = timezone.now()
    row.activated_by = user
    row.save(update_fields=["is_active", "activated_at", "activated_by"])
    transaction.on_commit(dashboard_invalidate)  # the segments it offers are on the dashboard
    return row


# Keyed by the artifacts folder too: a version's name is unique within its folder only (two folders can each hold a
# churn-20261202-070507, trained in the same second), and the tests train into folders of their own.
_cache: dict[tuple[str, str], Any] = {}
_cache_lock = threading.Lock()


def _load(kind: str, version: str, *, verify: bool = False) -> Any:
    """The deserialized model, cached per version; `verify` reads and checks the files again even when cached."""
    key = (str(artifacts_root()), version)
    with _cache_lock:
        if verify or key not in _cache:
            artifact = registry.artifact_load(
                artifacts_root(), kind=kind, version=version, known_features=known_features(kind)
            )
            _cache[key] = deserialize(kind, artifact.files)
        return _cache[key]


def active_version(kind: str) -> ModelVersion:
    row = ModelVersion.objects.filter(kind=kind, is_active=True).first()
    if row is None:
        raise NoActiveModel(kind)
    return row


def active_model(kind: str) -> tuple[str, Any]:
    """(version, loaded model) of the active version; loaded from disk once per process and version."""
    row = active_version(kind)
    try:
        return row.version, _load(kind, row.version)
    except registry.ArtifactError as exc:
        logger.error("active %s model %s cannot be loaded: %s", kind, row.version, exc)
        raise ActiveModelUnloadable(kind, row.version) from exc


def active_versions(kinds) -> dict[str, str]:
    """The active version of each kind, read once: a run that spans several tasks pins them (see chunk_score)."""
    return {str(kind): active_version(kind).version for kind in kinds}


def active_artifacts_check(kinds) -> dict[str, str]:
    """The active version of each kind, each checked to be on disk; raises NoActiveModel or ActiveModelUnloadable."""
    versions = active_versions(kinds)
    for kind, version in versions.items():
        try:
            registry.artifact_check_present(artifacts_root(), kind=kind, version=version)
        except registry.ArtifactError as exc:
            logger.error("active %s model %s is not on disk: %s", kind, version, exc)
            raise ActiveModelUnloadable(kind, version) from exc
    return versions


def model_of_version(kind: str, version: str) -> tuple[str, Any]:
    """(version, loaded model) of a given version, active or not; cached like active_model."""
    return version, _load(kind, version)
