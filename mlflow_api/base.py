"""The decorator every MLflow endpoint uses: method check, auth, request parsing, error mapping."""

import functools
import json
from collections.abc import Callable

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from projects.auth import ApiContext, api_context_for_request

from .errors import MlflowError, error_response, response_for_exception


def request_data(request: HttpRequest) -> dict:
    """MLflow sends GET parameters in the query string (repeated keys for lists) and others as a JSON body."""
    if request.method == "GET":
        data = {}
        for key in request.GET:
            values = request.GET.getlist(key)
            data[key] = values if len(values) > 1 or key.endswith("_ids") else values[0]
        return data
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MlflowError(f"Malformed JSON request body: {exc}", "MALFORMED_REQUEST") from exc
    if not isinstance(data, dict):
        raise MlflowError("The request body must be a JSON object", "MALFORMED_REQUEST")
    return data


def mlflow_endpoint(methods: tuple[str, ...], *, write: bool = False):
    """Wrap `view(request, ctx: ApiContext, data: dict, **kwargs) -> dict | HttpResponse`.

    A dict return becomes a 200 JSON response. Authentication happens before the body is parsed, so a refused
    request never reaches a service.
    """

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, project_ref: str, **kwargs):
            if request.method not in methods:
                return error_response(
                    "ENDPOINT_NOT_FOUND", f"This endpoint does not accept {request.method}", status=405
                )
            try:
                ctx: ApiContext = api_context_for_request(request, project_ref, write=write)
                result = view(request, ctx, request_data(request), **kwargs)
            except Exception as exc:  # noqa: BLE001 - mapped or re-raised
                response = response_for_exception(exc)
                if response is None:
                    raise
                return response
            if isinstance(result, dict):
                return JsonResponse(result)
            return result

        return wrapper

    return decorator
