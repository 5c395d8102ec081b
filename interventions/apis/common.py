"""What the interventions endpoints share: how a service's refusal reads as an API error."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound

from interventions.services.states import TransitionError


class InvalidState(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "invalid_state"
    default_detail = "The intervention is not in a state that allows this change."


class DecisionRefused(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = "The decision was refused."


def refusal(exc: DjangoValidationError) -> APIException:
    """A service's refusal as the API error carrying the service's code and message."""
    message = " ".join(exc.messages)
    code = getattr(exc, "code", None) or "invalid"
    if isinstance(exc, TransitionError):
        return InvalidState(message, code=code)
    return DecisionRefused(message, code=code)


def not_found(intervention_id: int) -> NotFound:
    return NotFound(f"intervention {intervention_id} does not exist")
