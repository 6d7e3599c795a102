"""Streaming file responses with HTTP Range support, shared by the generic-packages API, the MLflow artifact
endpoint and the package pages, and the one rule for which uploaded files a browser may render from our origin."""

import re
from enum import Enum

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from .models import PackageFile
from .storage import storage_read

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

# A user's file is rendered inline only as a type that cannot run script: raster images and plain text. The type is
# ours, picked from the file name (or, for a name without extension, from a fixed list); the Content-Type the
# uploader sent is never served back for inline display. HTML (a logged Plotly figure) is shown only inside an
# opaque-origin sandbox: its scripts run, but cannot read our cookies, call our pages or APIs as the viewer, or
# reach the page that frames it. Everything else (SVG, XML, PDF, JS, unknown) is an attachment.
_RASTER_BY_EXTENSION = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
_TEXT_EXTENSIONS = {
    ".txt", ".text", ".log", ".csv", ".tsv", ".json", ".jsonl", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".md",
    ".py", ".r", ".sql", ".sh", ".properties", ".env", ".conf",
}  # fmt: skip
_TEXT_NAMES = {
    "MLmodel",
    "MLproject",
    "requirements.txt",
    "conda.yaml",
    "python_env.yaml",
    "LICENSE",
    "README",
}
_HTML_EXTENSIONS = {".html", ".htm"}
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
# The sandboxed HTML may be framed by our own file page only; no allow-same-origin, ever (it would hand the
# figure our origin back), and no forms, popups or top navigation.
HTML_SANDBOX_POLICY = "sandbox allow-scripts; frame-ancestors 'self'"
# On everything else: even a browser that rendered an attachment would give it no script and no origin.
ATTACHMENT_POLICY = "sandbox"


class Display(Enum):
    IMAGE = "image"
    TEXT = "text"
    HTML_SANDBOX = "html"
    ATTACHMENT = "attachment"


def _extension(file_name: str) -> str:
    stem, dot, ext = file_name.rpartition(".")
    return f".{ext.lower()}" if dot and stem else ""


def inline_display(package_file: PackageFile) -> tuple[Display, str]:
    """How a browser may show the file inline, and the Content-Type to serve it with (ATTACHMENT: none)."""
    name = package_file.file_name
    ext = _extension(name)
    if ext in _RASTER_BY_EXTENSION:
        return Display.IMAGE, _RASTER_BY_EXTENSION[ext]
    if ext in _HTML_EXTENSIONS:
        return Display.HTML_SANDBOX, HTML_TYPE
    if ext in _TEXT_EXTENSIONS or name in _TEXT_NAMES:
        return Display.TEXT, TEXT_TYPE
    stored = (package_file.content_type or "").split(";")[0].strip().lower()
    if not ext and stored in _RASTER_BY_EXTENSION.values():
        # No extension to go by: a raster type is harmless whatever the bytes are (served as that image, nosniff).
        return Display.IMAGE, stored
    if not ext and stored == "text/plain":
        return Display.TEXT, TEXT_TYPE
    return Display.ATTACHMENT, ""


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


def file_response(request: HttpRequest, package_file: PackageFile, *, inline: bool = False) -> HttpResponse:
    """The file, streamed. `inline=True` asks to display it in the browser: granted per `inline_display`, else
    it is an attachment like every API download."""
    size = package_file.size
    display, inline_type = inline_display(package_file) if inline else (Display.ATTACHMENT, "")
    content_type = inline_type or package_file.content_type or "application/octet-stream"
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
    response["Content-Disposition"] = content_disposition_header(
        display is Display.ATTACHMENT, package_file.file_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Set here, the site-wide policy middleware leaves these responses alone.
    if display is Display.HTML_SANDBOX:
        response["Content-Security-Policy"] = HTML_SANDBOX_POLICY
        response["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response["Content-Security-Policy"] = ATTACHMENT_POLICY
    if package_file.sha256:
        response["X-Checksum-Sha256"] = package_file.sha256
    return response
