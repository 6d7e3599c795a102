"""The decorator every MLflow endpoint uses: method check, auth, request parsing, error mapping."""

import functools
import json
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from projects.auth import ApiContext, api_context_for_request

from .errors import MlflowError, error_response, response_for_exception


def _bad_string(text: str) -> str | None:
    """Why PostgreSQL would refuse `text` (a 500 there), or None."""
    if "\x00" in text:
        return "must not contain NUL bytes"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "must not contain unpaired surrogates"
    return None


def strings_check(data, path: str = "") -> None:
    """Refuse a NUL byte or a lone surrogate in any key or string of a decoded request, with its path."""
    stack = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            reason = _bad_string(value)
            if reason:
                raise MlflowError(
                    f"Invalid value for parameter '{where or 'request'}' supplied: strings {reason}."
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                reason = _bad_string(key)
                if reason:
                    raise MlflowError(f"Invalid parameter name in '{where or 'request'}': names {reason}.")
                stack.append((f"{where}.{key}" if where else key, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in enumerate(value))


def request_body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig as exc:
        raise body_too_big() from exc


def body_too_big() -> MlflowError:
    return MlflowError(
        f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes are accepted "
        "(ASSAY_MAX_REQUEST_BODY)."
    )


def request_data(request: HttpRequest) -> dict:
    """MLflow sends GET parameters in the query string (repeated keys for lists) and others as a JSON body.

    Whatever PostgreSQL cannot store is refused here, once for every endpoint: NUL bytes and lone surrogates in
    any string, and JSON nested deeper than the decoder's recursion limit.
    """
    if request.method == "GET":
        data = {}
        for key in request.GET:
            values = request.GET.getlist(key)
            data[key] = values if len(values) > 1 or key.endswith("_ids") else values[0]
        strings_check(data)  # a few short values
        return data
    body = request_body(request)
    if not body:
        return {}
    try:
        data = json.loads(body)
    except RecursionError as exc:
        raise MlflowError("Malformed JSON request body: nested too deeply", "MALFORMED_REQUEST") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise MlflowError(f"Malformed JSON request body: {exc}", "MALFORMED_REQUEST") from exc
    if not isinstance(data, dict):
        raise MlflowError("The request body must be a JSON object", "MALFORMED_REQUEST")
    # JSON forbids raw control characters, so a NUL or a lone surrogate arrives as a \u escape, or (a surrogate)
    # as the UTF-8-encoded bytes json.loads lets through: a body with neither skips the walk. One-byte searches
    # first (memchr): a metrics batch usually has no backslash at all.
    if (b"\\" in body and b"\\u" in body) or b"\xed" in body:
        strings_check(data)
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
                strings_check(kwargs)  # URL parts (a logged model's id, a tag key) arrive %-decoded
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
