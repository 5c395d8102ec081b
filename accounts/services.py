"""Writes of a login's own choices: the language its pages are shown in.

A customer's language lives on their Customer row (their messages go out in it), which accounts does not own: the
customers app registers the store for it (`language_store_register`, in its AppConfig.ready()), as interventions
registers a listener with payments.
"""

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from accounts.access import Viewer, customer_of
from accounts.models import Language, UserPreferences

# store(user, language) -> True when it kept the user's language (the user is one of its own), else False.
LanguageStore = Callable[[AbstractBaseUser, str], bool]
_language_stores: list[LanguageStore] = []


def language_store_register(store: LanguageStore) -> LanguageStore:
    """Let another app keep the language of the users it owns; registering twice is a no-op."""
    if store not in _language_stores:
        _language_stores.append(store)
    return store


def preferred_language(*, user: Viewer) -> str | None:
    """The language a signed-in user chose: a customer's is their Customer row's (the one their messages are sent
    in), anyone else's their preferences' row; None for anonymous visitors and for staff who never chose."""
    customer = customer_of(user)
    if customer is not None:
        return customer.language
    if not user.is_authenticated:
        return None
    return UserPreferences.objects.filter(user_id=user.pk).values_list("language", flat=True).first()


@transaction.atomic
def language_set(*, user: AbstractBaseUser, language: str) -> None:
    """Remember `language` for the user's next pages (and, for a customer, their next messages)."""
    if language not in Language.values:
        raise ValueError(f"unknown language {language!r}")
    if any(store(user, language) for store in _language_stores):
        return
    preferences, created = UserPreferences.objects.get_or_create(user_id=user.pk, defaults={"language": language})
    if not created and preferences.language != language:
        preferences.language = language
        preferences.full_clean()
        preferences.save(update_fields=["language", "updated_at"])
