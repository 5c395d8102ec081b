"""Demo logins: an admin, a retention staff member, an analyst, a model administrator and a customer linked to a
real customer row."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count
from rest_framework.authtoken.models import Token

from accounts.access import home_of
from accounts.roles import ANALYSTS, MODEL_ADMINISTRATORS, RETENTION_STAFF
from customers.models import Customer


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    where: str
    api_token: str = ""


@transaction.atomic
def demo_accounts_setup(*, password: str | None = None) -> list[DemoLogin]:
    """Create or reset the demo users. Without a password, each gets a fresh random one (printed once)."""
    User = get_user_model()
    logins = []
    specs = [
        ("Administrator", "admin", {"is_staff": True, "is_superuser": True}, None),
        ("Retention staff", "staff", {"is_staff": True}, RETENTION_STAFF),
        ("Analyst", "analyst", {"is_staff": True}, ANALYSTS),
        ("Model administrator", "modeller", {"is_staff": True}, MODEL_ADMINISTRATORS),
    ]
    for role, username, flags, group_name in specs:
        user, _ = User.objects.update_or_create(
            username=username, defaults={**flags, "email": f"{username}@sheba.test"}
        )
        secret = password or secrets.token_urlsafe(9)
        user.set_password(secret)
        user.save(update_fields=["password"])
        if group_name:
            user.groups.set([Group.objects.get(name=group_name)])
        logins.append(DemoLogin(role, username, secret, f"/login/ → {home_of(user)}"))

    customer = _demo_customer()
    if customer is not None:
        user, _ = User.objects.update_or_create(
            username="customer", defaults={"first_name": customer.name, "email": customer.email}
        )
        secret = password or secrets.token_urlsafe(9)
        user.set_password(secret)
        user.save(update_fields=["password"])
        Customer.objects.filter(user=user).exclude(pk=customer.pk).update(user=None)
        customer.user = user
        customer.save(update_fields=["user", "updated_at"])
        token, _ = Token.objects.get_or_create(user=user)
        where = f"/login/ → {home_of(user)}, and the API (/api/docs/)"
        logins.append(DemoLogin(f"Customer {customer.external_id}", "customer", secret, where, token.key))
    return logins


def _demo_customer() -> Customer | None:
    """The linked customer if there is one, else a regular customer with a long history to show off."""
    linked = Customer.objects.filter(user__username="customer").first()
    if linked:
        return linked
    return Customer.objects.annotate(n=Count("bookings")).order_by("-n", "pk").first()
