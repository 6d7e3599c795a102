"""What ingestion learns from a file's bytes, computed in one streaming pass: checksums, size, sniffed content
type, a short text preview, a PNG thumbnail for images, and an MLmodel's flavors and signature."""

import hashlib
import io
import json
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass, field

from projects.mlflow_data import MLMODEL_RUN_KEY

PREVIEW_BYTES = 4096
PREVIEW_LINES = 20
THUMBNAIL_MAX_SOURCE = (
    32 * 1024 * 1024
)  # images larger than this get no thumbnail (decoding them costs memory)
THUMBNAIL_SIZE = (160, 160)
MLMODEL_MAX = 1024 * 1024

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"PAR1", "application/vnd.apache.parquet"),
    (b"\x93NUMPY", "application/x-npy"),
]
_TEXT_TYPES = {"application/json", "application/yaml", "application/x-yaml", "text/yaml", "application/xml"}
_TEXT_EXTENSIONS = {
    ".txt",
    ".json",
    ".yaml",
    ".yml",
    ".csv",
    ".tsv",
    ".md",
    ".log",
    ".py",
    ".toml",
    ".cfg",
    ".ini",
}


@dataclass
class Analysis:
    size: int = 0
    sha256: str = ""
    md5: str = ""
    content_type: str = "application/octet-stream"
    preview_text: str = ""
    thumbnail: bytes | None = None
    metadata: dict = field(default_factory=dict)


def sniff_content_type(head: bytes, path: str, declared: str = "") -> str:
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:12].startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    name = path.rsplit("/", 1)[-1]
    if name == "MLmodel":
        return "application/yaml"
    guessed = mimetypes.guess_type(name)[0]
    if guessed:
        return guessed
    if name.endswith((".yaml", ".yml")):
        return "application/yaml"
    if declared and declared != "application/octet-stream":
        return declared
    if head and _looks_like_text(head):
        return "text/plain"
    return "application/octet-stream"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 4  # a multi-byte character cut at the end of the sample
    return True


def is_text(content_type: str, path: str) -> bool:
    if content_type.startswith("text/") or content_type in _TEXT_TYPES:
        return True
    return "." + path.rsplit(".", 1)[-1].lower() in _TEXT_EXTENSIONS


def _preview(head: bytes) -> str:
    text = head[:PREVIEW_BYTES].decode("utf-8", errors="replace")
    lines = text.splitlines()[:PREVIEW_LINES]
    return "\n".join(lines)


def _thumbnail(data: bytes) -> bytes | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def parse_mlmodel(data: bytes) -> dict:
    """Flavors, signature and identity of an MLmodel file; {} if it is not valid YAML."""
    import yaml

    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError:
        return {}
    if not isinstance(doc, dict):
        return {}
    signature = doc.get("signature") or {}
    parsed_signature = {}
    for part in ("inputs", "outputs", "params"):
        raw = signature.get(part) if isinstance(signature, dict) else None
        if isinstance(raw, str):
            try:
                parsed_signature[part] = json.loads(raw)
            except ValueError:
                parsed_signature[part] = raw
    return {
        "mlmodel": {
            "flavors": sorted((doc.get("flavors") or {}).keys()),
            "flavor_details": doc.get("flavors") or {},
            "signature": parsed_signature,
            "model_id": doc.get("model_id"),
            MLMODEL_RUN_KEY: doc.get(MLMODEL_RUN_KEY),
            "mlflow_version": doc.get("mlflow_version"),
            "utc_time_created": str(doc.get("utc_time_created") or ""),
        }
    }


@dataclass(frozen=True)
class Known:
    """Size and checksums already computed (while the file was uploaded)."""

    size: int
    sha256: str
    md5: str


def analyse(
    *, chunks: Iterable[bytes], path: str, declared: str = "", known: Known | None = None
) -> Analysis:
    """One pass over the file. Only a bounded head is kept (and a small image/MLmodel whole) — never a large file.

    With `known` checksums, hashing is skipped and reading stops as soon as the head is in and the file turns out
    not to be kept whole (neither an image nor an MLmodel, or too large to keep); the caller closes `chunks`.
    """
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    size = 0
    head = bytearray()
    keep = bytearray()
    keep_all = None  # decided on the first chunk: only images (thumbnails) and MLmodel files are kept whole
    name = path.rsplit("/", 1)[-1]
    keep_limit = MLMODEL_MAX if name == "MLmodel" else THUMBNAIL_MAX_SOURCE
    for chunk in chunks:
        if keep_all is None and chunk:
            keep_all = name == "MLmodel" or sniff_content_type(chunk[:16], "").startswith("image/")
        if known is None:
            sha256.update(chunk)
            md5.update(chunk)
        size += len(chunk)
        if len(head) < PREVIEW_BYTES:
            head.extend(chunk[: PREVIEW_BYTES - len(head)])
        if keep_all:
            if len(keep) + len(chunk) > keep_limit:
                keep_all = False
                keep = bytearray()
            else:
                keep.extend(chunk)
        if known is not None and keep_all is False and len(head) >= PREVIEW_BYTES:
            break
    content_type = sniff_content_type(bytes(head), path, declared)
    if known is None:
        result = Analysis(
            size=size, sha256=sha256.hexdigest(), md5=md5.hexdigest(), content_type=content_type
        )
    else:
        result = Analysis(size=known.size, sha256=known.sha256, md5=known.md5, content_type=content_type)
    if is_text(content_type, path) and not content_type.startswith("image/"):
        result.preview_text = _preview(bytes(head))
    keep_all = bool(keep_all)
    if content_type.startswith("image/") and keep_all and size:
        result.thumbnail = _thumbnail(bytes(keep))
    if name == "MLmodel" and keep_all:
        result.metadata = parse_mlmodel(bytes(keep))
    return result
