"""The registry's admin action: activate (or roll back to) one version; a damaged artifact activates nothing."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from mlcore.churn import MODEL_FEATURES
from predictions.models import ModelKind, ModelVersion
from predictions.services.registry import active_model, model_version_register
from predictions.tests.conftest import AS_OF

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:predictions_modelversion_changelist"


def second_version(kind: str = ModelKind.CHURN) -> ModelVersion:
    _, model = active_model(kind)
    metadata = {"feature_names": list(MODEL_FEATURES)}
    return model_version_register(kind=kind, model=model, as_of=AS_OF, metadata=metadata, activate=False)


def run_activate(client, *versions: ModelVersion):
    return client.post(
        reverse(CHANGELIST),
        {"action": "activate", "_selected_action": [version.pk for version in versions]},
        follow=True,
    )


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def active_versions() -> dict[str, str]:
    return dict(ModelVersion.objects.filter(is_active=True).values_list("kind", "version"))


def test_the_activate_action_activates_the_selected_version(private_models, admin_client, admin_user):
    # given
    new = second_version()

    # when
    response = run_activate(admin_client, new)

    # then
    assert response.status_code == 200
    assert messages_of(response) == [("info", f"{new.version} is now the active Churn model.")]
    assert active_versions() == {**private_models.versions, "churn": new.version}
    new.refresh_from_db()
    assert new.activated_by == admin_user


def test_the_activate_action_rolls_back_to_an_older_version(private_models, admin_client):
    # given
    old = ModelVersion.objects.get(version=private_models.versions["ltv"])
    new = second_version(ModelKind.LTV)
    run_activate(admin_client, new)

    # when
    response = run_activate(admin_client, old)

    # then
    assert messages_of(response) == [("info", f"{old.version} is now the active Lifetime value model.")]
    assert active_versions() == private_models.versions


def test_a_tampered_artifact_shows_an_error_and_activates_nothing(private_models, private_artifacts, admin_client):
    # given
    new = second_version()
    booster = private_artifacts / "churn" / new.version / "booster.json"
    booster.write_bytes(booster.read_bytes() + b" ")

    # when
    response = run_activate(admin_client, new)

    # then
    [(level, text)] = messages_of(response)
    assert level == "error"
    assert text.startswith(f"{new.version} was not activated: ")
    assert text.endswith("booster.json does not match its checksum: the artifact was changed or corrupted")
    assert active_versions() == private_models.versions
    new.refresh_from_db()
    assert (new.is_active, new.activated_at, new.activated_by) == (False, None, None)


def test_selecting_two_versions_activates_neither(private_models, admin_client):
    # given
    new = second_version()
    old = ModelVersion.objects.get(version=private_models.versions["churn"])

    # when
    response = run_activate(admin_client, new, old)

    # then
    assert messages_of(response) == [("error", "Select exactly one version to activate.")]
    assert active_versions() == private_models.versions


def test_staff_without_the_change_permission_cannot_run_the_action(private_models, client, staff_user):
    # given
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(Permission.objects.get(codename="view_modelversion"))
    client.force_login(staff_user)
    new = second_version()

    # when
    response = run_activate(client, new)

    # then
    assert response.status_code == 200
    assert active_versions() == private_models.versions
    assert "activate" not in response.context["cl"].model_admin.get_actions(response.wsgi_request)
