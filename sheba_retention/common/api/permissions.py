"""Who may see what: staff see everything; a customer sees only their own rows."""

from rest_framework.permissions import BasePermission


class IsStaff(BasePermission):
    message = "Only staff can see this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class CanRetrainModels(BasePermission):
    message = "Only administrators with the 'add model version' permission can retrain models."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and user.has_perm("predictions.add_modelversion"))


def customer_of(user):
    """The Customer a logged-in user is, or None (staff and unlinked users)."""
    return getattr(user, "customer", None) if user and user.is_authenticated else None
