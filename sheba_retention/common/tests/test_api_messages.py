"""DRF's validation messages in the viewer's language: the project's catalogue gives DRF the Bengali it lacks."""

import pytest
from django.utils.translation import override
from rest_framework import fields, serializers

from sheba_retention.common.api.messages import DRF_MESSAGES


def drf_message(owner: str, key: str, *, language: str) -> str:
    owner_class = getattr(serializers, owner, None) or getattr(fields, owner)
    with override(language):
        return str(owner_class.default_error_messages[key])


def is_bengali(text: str) -> bool:
    return any("\u0980" <= character <= "\u09ff" for character in text)


@pytest.mark.parametrize(("owner", "key"), list(DRF_MESSAGES))
def test_each_marked_message_is_drfs_own_text_and_has_its_bengali(owner, key):
    # DRF's wording, exactly: otherwise the catalogue's entry would never be looked up
    assert drf_message(owner, key, language="en") == DRF_MESSAGES[(owner, key)]
    assert is_bengali(drf_message(owner, key, language="bn"))


def test_a_serializers_errors_are_in_the_active_language():
    class Period(serializers.Serializer):
        start = serializers.DateField()
        city = serializers.ChoiceField(choices=[("dhaka", "Dhaka")])

    with override("bn"):
        checked = Period(data={"start": "2025-13-01", "city": "paris"})
        assert not checked.is_valid()
        errors = {name: str(messages[0]) for name, messages in checked.errors.items()}

    assert "ভুল" in errors["start"]
    assert "YYYY-MM-DD" in errors["start"]  # what DRF puts in stays as DRF writes it
    assert errors["city"].startswith('"paris"')
    assert is_bengali(errors["city"])
