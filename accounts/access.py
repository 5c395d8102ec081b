"""Who may see and do what: the one access policy of the API, the admin, the portals and the selectors.

Roles: anonymous; a customer (a login linked to a Customer row) sees only their own records and only what is written
for customers; staff (Django's is_staff) see the business's data — every customer, predictions and their value,
segments, audit trails — and each staff role may do what its group's permissions allow (accounts.roles): analysts
nothing, retention staff the queues, codes and tiers, model administrators the models; a superuser everything.
The admin reads the same Django permissions, so a role means the same everywhere.
"""

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse

from accounts.roles import ANALYSTS, MODEL_ADMINISTRATORS, RETENTION_STAFF

# Whoever is asking: a signed-in user of any kind, or an anonymous visitor.
Viewer = AbstractBaseUser | AnonymousUser


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    CUSTOMER = "customer"
    ANALYST = "analyst"
    RETENTION_STAFF = "retention_staff"
    MODEL_ADMINISTRATOR = "model_administrator"
    SUPERUSER = "superuser"


class Action(StrEnum):
    """What a member of staff may do, each backed by one Django permission the admin checks as well."""

    DECIDE_INTERVENTIONS = "decide_interventions"  # approve, reject or edit proposals
    WORK_CALLS = "work_calls"  # take and log support calls
    MANAGE_CODES = "manage_codes"  # issue, change and withdraw codes; redeem one on a customer's behalf
    RETRY_NOTIFICATIONS = "retry_notifications"  # send a failed message again
    RETRAIN_MODELS = "retrain_models"  # retrain, activate or roll back a model version


PERMISSION = {
    Action.DECIDE_INTERVENTIONS: "interventions.change_intervention",
    Action.WORK_CALLS: "interventions.change_supportcall",
    Action.MANAGE_CODES: "payments.change_discountcode",
    Action.RETRY_NOTIFICATIONS: "interventions.change_intervention",
    Action.RETRAIN_MODELS: "predictions.add_modelversion",
}

REFUSAL = {
    Action.DECIDE_INTERVENTIONS: (
        "Only retention staff with the 'change intervention' permission can approve or reject interventions."
    ),
    Action.WORK_CALLS: "Only retention staff with the 'change support call' permission can take or log calls.",
    Action.MANAGE_CODES: "Only retention staff with the 'change discount code' permission can do this for a customer.",
    Action.RETRY_NOTIFICATIONS: "Only retention staff who decide on interventions can send a message again.",
    Action.RETRAIN_MODELS: "Only administrators with the 'add model version' permission can retrain models.",
}
STAFF_ONLY = "Only staff can see this."

_GROUP_ROLES = {
    ANALYSTS: Role.ANALYST,
    RETENTION_STAFF: Role.RETENTION_STAFF,
    MODEL_ADMINISTRATORS: Role.MODEL_ADMINISTRATOR,
}


def _signed_in(user: Viewer | None) -> bool:
    return bool(user is not None and user.is_authenticated and getattr(user, "is_active", False))


def sees_staff_data(user: Viewer | None) -> bool:
    """Staff of any role: every customer, predictions and lifetime values, segments, audit trails, who decided."""
    return _signed_in(user) and bool(getattr(user, "is_staff", False))


def can(user: Viewer | None, action: Action) -> bool:
    """May this member of staff do `action`? Customers and anonymous users never may."""
    return sees_staff_data(user) and bool(user.has_perm(PERMISSION[action]))  # type: ignore[union-attr]


def customer_of(user: Viewer | None):
    """The Customer a signed-in user is, or None (staff accounts, logins linked to no customer, anonymous)."""
    return getattr(user, "customer", None) if _signed_in(user) else None


def may_act_for(user: Viewer | None, customer) -> bool:
    """May this user act on the customer's behalf (redeem their code)? The customer themself, or retention staff."""
    own = customer_of(user)
    return (own is not None and own.pk == customer.pk) or can(user, Action.MANAGE_CODES)


def roles_of(user: Viewer | None) -> frozenset[Role]:
    """The user's roles, for pages that greet or route by role (the policy itself asks `can` and `sees_staff_data`)."""
    if not _signed_in(user):
        return frozenset({Role.ANONYMOUS})
    groups = user.groups.values_list("name", flat=True)  # type: ignore[union-attr]
    roles = {_GROUP_ROLES[name] for name in groups if name in _GROUP_ROLES}
    if getattr(user, "is_superuser", False):
        roles.add(Role.SUPERUSER)
    if customer_of(user) is not None:
        roles.add(Role.CUSTOMER)
    return frozenset(roles)


def home_of(user) -> str:
    """Where a user lands: analysts on the analyst portal; other staff on the admin until the staff portal opens;
    a customer on their page; anyone else on the login page."""
    roles = roles_of(user)
    if Role.ANALYST in roles:
        return reverse("analyst:overview")
    if sees_staff_data(user):
        return reverse("admin:index")
    if customer_of(user) is not None:
        return reverse("customer-home")
    return reverse("login")
