"""The access policy as DRF permission classes: a view names what its caller must be allowed."""

from rest_framework.permissions import BasePermission

from accounts import access
from accounts.access import Action


class IsStaff(BasePermission):
    """Staff of any role (analysts too): reads of the business's data."""

    message = access.STAFF_ONLY

    def has_permission(self, request, view) -> bool:
        return access.sees_staff_data(request.user)


class _Allowed(BasePermission):
    """Members of staff who may do `action` (access.can); a refusal gives the policy's reason."""

    action: Action

    @property
    def message(self) -> str:
        return access.REFUSAL[self.action]

    def has_permission(self, request, view) -> bool:
        return access.can(request.user, self.action)


class CanDecideInterventions(_Allowed):
    action = Action.DECIDE_INTERVENTIONS


class CanWorkCalls(_Allowed):
    action = Action.WORK_CALLS


class CanRetrainModels(_Allowed):
    action = Action.RETRAIN_MODELS
