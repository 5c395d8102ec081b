"""Every marketplace row an import can write, to show that a refused file changed nothing."""

from django.db import models

from customers.models import Booking, Complaint, Customer, Provider, Service

IMPORTED_MODELS: list[type[models.Model]] = [Customer, Booking, Service, Provider, Complaint]


def marketplace_rows() -> dict[str, list[tuple]]:
    return {model.__name__: list(model._default_manager.order_by("pk").values_list()) for model in IMPORTED_MODELS}
