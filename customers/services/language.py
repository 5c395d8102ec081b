"""A customer's language, kept on their Customer row: the portal's pages and their messages use it."""

from django.contrib.auth.models import AbstractBaseUser

from accounts.access import customer_of
from sheba_retention.common.services import model_update


def customer_language_store(user: AbstractBaseUser, language: str) -> bool:
    """accounts' language store for customers (registered in CustomersConfig.ready): False for anyone else."""
    customer = customer_of(user)
    if customer is None:
        return False
    if customer.language != language:
        customer.language = language
        model_update(instance=customer, fields=["language"])
    return True
