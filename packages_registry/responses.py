"""Streaming file responses with HTTP Range support, shared by the generic-packages API, the MLflow artifact
endpoint and the package pages."""

import re

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from .models import PackageFile
from .storage import storage_read

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """(start, end) inclusive for a single satisfiable range, None to serve the whole file (no/ignored header),
    or "unsatisfiable"."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None:
        return None  # absent, multi-range or malformed: RFC 9110 lets us ignore it
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix range: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end


def file_response(
    request: HttpRequest, package_file: PackageFile, *, as_attachment: bool = True
) -> HttpResponse:
    size = package_file.size
    content_type = package_file.content_type or "application/octet-stream"
    byte_range = parse_range(request.headers.get("Range", ""), size)
    if byte_range == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if byte_range is None:
        start, end, status = 0, size - 1, 200
    else:
        (start, end), status = byte_range, 206
    length = max(0, end - start + 1)
    if request.method == "HEAD" or length == 0:
        response = HttpResponse(status=status, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            storage_read(key=package_file.storage_key, start=start, end=end),
            status=status,
            content_type=content_type,
        )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Disposition"] = content_disposition_header(as_attachment, package_file.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    if package_file.sha256:
        response["X-Checksum-Sha256"] = package_file.sha256
    return response
