"""The access policy as DRF permission classes: a view names what its caller must be allowed."""

from rest_framework.permissions import BasePermission

from accounts import access


class IsStaff(BasePermission):
    """Staff of any role (analysts too): reads of the business's data."""

    message = access.STAFF_ONLY

    def has_permission(self, request, view) -> bool:
        return access.sees_staff_data(request.user)


class _Allowed(BasePermission):
    action: access.Action

    def has_permission(self, request, view) -> bool:
        return access.can(request.user, self.action)


def allowed(action: access.Action) -> type[BasePermission]:
    """A permission class for members of staff who may do `action` (access.can), refusing with the policy's reason."""
    return type(
        f"Can{action.title().replace('_', '')}", (_Allowed,), {"action": action, "message": access.REFUSAL[action]}
    )


CanDecideInterventions = allowed(access.Action.DECIDE_INTERVENTIONS)
CanWorkCalls = allowed(access.Action.WORK_CALLS)
CanRetrainModels = allowed(access.Action.RETRAIN_MODELS)
