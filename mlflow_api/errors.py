"""MLflow error JSON (`{"error_code": ..., "message": ...}`) with the reference server's HTTP statuses."""

from django.http import JsonResponse

from packages_registry.services import FileTooLargeError, LengthRequiredError
from projects import errors as domain
from projects.auth import AccessDenied

HTTP_STATUS = {
    "INVALID_PARAMETER_VALUE": 400,
    "BAD_REQUEST": 400,
    "MALFORMED_REQUEST": 400,
    "INVALID_STATE": 400,
    "RESOURCE_ALREADY_EXISTS": 400,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "ENDPOINT_NOT_FOUND": 404,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "INTERNAL_ERROR": 500,
}


class MlflowError(Exception):
    """Raised in mlflow_api code for protocol-level problems (missing field, wrong type)."""

    def __init__(self, message: str, error_code: str = "INVALID_PARAMETER_VALUE"):
        super().__init__(message)
        self.message = message
        self.error_code = error_code


def error_response(error_code: str, message: str, status: int | None = None) -> JsonResponse:
    return JsonResponse(
        {"error_code": error_code, "message": message}, status=status or HTTP_STATUS.get(error_code, 400)
    )


def response_for_exception(exc: Exception) -> JsonResponse | None:
    """The MLflow error response for a known exception, or None to let it propagate (a 500)."""
    if isinstance(exc, MlflowError):
        return error_response(exc.error_code, exc.message)
    if isinstance(exc, AccessDenied):
        code = {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "RESOURCE_DOES_NOT_EXIST"}[exc.status]
        return error_response(code, str(exc), exc.status)
    if isinstance(
        exc, FileTooLargeError
    ):  # an upload (file, part or multipart total) over the project's limit
        return error_response("INVALID_PARAMETER_VALUE", exc.message, status=413)
    if isinstance(exc, LengthRequiredError):
        return error_response("BAD_REQUEST", exc.message, status=411)
    if isinstance(exc, domain.NotFoundError):
        return error_response("RESOURCE_DOES_NOT_EXIST", exc.message)
    if isinstance(exc, domain.AlreadyExistsError):
        return error_response("RESOURCE_ALREADY_EXISTS", exc.message)
    if isinstance(exc, domain.InvalidStateError):
        return error_response("INVALID_STATE", exc.message)
    if isinstance(exc, domain.InvalidValueError):
        return error_response("INVALID_PARAMETER_VALUE", exc.message)
    if isinstance(exc, RecursionError):
        # A value that decoded just under the recursion limit and then went one frame deeper (echoed in a
        # message): the request is at fault, not the server.
        return error_response("MALFORMED_REQUEST", "The request is nested too deeply")
    return None
