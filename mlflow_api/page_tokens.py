"""The one page-token codec of every MLflow search endpoint (runs, experiments, logged models, registered models,
model versions, get-history): base64 JSON, opaque to the client.

    page_token_encode(page: NextPage) -> str
    page_token_decode(token) -> NextPage     NextPage(offset=0) for no token

A token carries the offset and, for runs in the default order, the last run's keyset position `after`
(`[start_time or null, run id hex]`). Anything malformed, negative or past int64 is INVALID_PARAMETER_VALUE:
PostgreSQL would refuse such an OFFSET with an error the client should never see as a 500.
"""

import base64
import binascii
import json
import uuid

from projects.errors import InvalidValueError
from projects.querying import NextPage

INT64_MAX = 2**63 - 1


def page_token_encode(page: NextPage) -> str:
    body: dict = {"offset": page.offset}
    if page.after is not None:
        start_time, eid = page.after
        body["after"] = [start_time, eid.hex]
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


def _int64(value) -> bool:
    return type(value) is int and 0 <= value <= INT64_MAX


def page_token_decode(token: str | None) -> NextPage:
    if not token:
        return NextPage(offset=0)
    shown = str(token)[:100]
    try:
        body = json.loads(base64.urlsafe_b64decode(str(token).encode()))
    except (binascii.Error, ValueError, UnicodeError, RecursionError) as exc:
        raise InvalidValueError(f"Invalid page token, could not base64-decode or parse: {shown!r}") from exc
    if not isinstance(body, dict) or not _int64(body.get("offset")):
        raise InvalidValueError(f"Invalid page token: {shown!r}")
    after = body.get("after")
    if after is None:
        return NextPage(offset=body["offset"])
    try:
        start_time, eid = after
        if start_time is not None and not (
            type(start_time) is int and -INT64_MAX - 1 <= start_time <= INT64_MAX
        ):
            raise ValueError(start_time)
        return NextPage(offset=body["offset"], after=(start_time, uuid.UUID(hex=eid)))
    except (TypeError, ValueError, AttributeError) as exc:
        raise InvalidValueError(f"Invalid page token: {shown!r}") from exc
