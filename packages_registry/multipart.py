"""Multipart uploads of one large file in parts (S3 storage only), for MLflow's proxied multipart upload.

An upload is an S3 multipart upload to a fresh key (`<project>/<package>/<hex>`, the shape every Assay object
has): until it is completed S3 shows no object, so the in-flight upload is the temporary object, exactly as for a
single streamed PUT. Parts are spooled to a temporary file (never held in memory) and sent to S3's UploadPart
with their Content-MD5, so S3 checks every part. Completing checks the size limit, completes the S3 upload and
only then points the row at the new key (`services.package_file_commit`: the previous file is deleted after
commit, ingestion is queued and computes sha256/md5 in its full pass). Abandoned uploads are aborted by the
orphan collector (`storage_abort_multipart_uploads`).

There is no table: the upload's state lives in S3, and the caller holds a signed handle (project, package, key,
S3 upload id, a digest of the path, number of parts) that only this server can have issued.
"""

import base64
import hashlib
import tempfile
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from projects.errors import InvalidValueError, NotFoundError

from .models import Package, PackageFile
from .services import (
    FileTooLargeError,
    IncompleteUploadError,
    LengthRequiredError,
    package_file_commit,
)
from .storage import (
    CHUNK_SIZE,
    CountingReader,
    FileTooLarge,
    IncompleteBody,
    LengthRequired,
    _s3,
    artifacts_storage,
    request_body_reader,
)
from .validators import validate_file_path

MAX_PARTS = 10_000  # S3's limits
MAX_PART_SIZE = 5 * 1024**3
_SALT = "assay.packages_registry.multipart"


class MultipartUploadNotFoundError(NotFoundError):
    pass


@dataclass(frozen=True)
class MultipartUpload:
    project_id: int
    package_id: int
    key: str  # the storage key the file will have
    upload_id: str  # S3's
    num_parts: int
    path_digest: str
    handle: str  # what the caller holds: all of the above, signed


def multipart_supported() -> bool:
    """Whether the artifacts storage can take multipart uploads (S3 can; local disk cannot)."""
    return _s3(artifacts_storage()) is not None


def _path_digest(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()[:24]


def _client_and_key(key: str):
    from storages.utils import clean_name

    s3 = _s3(artifacts_storage())
    return s3.connection.meta.client, s3.bucket_name, s3._normalize_name(clean_name(key))


def _s3_error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    return (response or {}).get("Error", {}).get("Code") if isinstance(response, dict) else None


def multipart_upload_create(*, package: Package, path: str, num_parts: int) -> MultipartUpload:
    """Start an S3 multipart upload of the file at `path` in `package`."""
    validate_file_path(path)
    if not 0 <= num_parts <= MAX_PARTS:
        raise InvalidValueError(f"num_parts must be between 0 and {MAX_PARTS}, got {num_parts}")
    hex_key = uuid.uuid4().hex
    key = f"{package.project_id}/{package.pk}/{hex_key}"
    client, bucket, s3_key = _client_and_key(key)
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=s3_key)["UploadId"]
    payload = {
        "p": package.project_id,
        "f": package.pk,
        "k": hex_key,
        "u": upload_id,
        "n": num_parts,
        "h": _path_digest(path),
    }
    handle = signing.dumps(payload, salt=_SALT, compress=True)
    return MultipartUpload(package.project_id, package.pk, key, upload_id, num_parts, payload["h"], handle)


def multipart_upload_get(*, project_id: int, handle: str, path: str | None = None) -> MultipartUpload:
    """The upload behind a handle this server issued for this project (and this file path, when given).
    A forged, altered, foreign or older handle (than the orphan collector's age) is not found."""
    not_found = MultipartUploadNotFoundError(
        "Multipart upload not found: unknown, expired or not for this file"
    )
    try:
        payload = signing.loads(handle, salt=_SALT, max_age=settings.ASSAY_ORPHAN_MIN_AGE_HOURS * 3600)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise not_found from exc
    if not isinstance(payload, dict) or payload.get("p") != project_id:
        raise not_found
    if path is not None and payload.get("h") != _path_digest(path):
        raise not_found
    key = f"{payload['p']}/{payload['f']}/{payload['k']}"
    return MultipartUpload(payload["p"], payload["f"], key, payload["u"], payload["n"], payload["h"], handle)


def multipart_part_max_size() -> int:
    return min(MAX_PART_SIZE, settings.PACKAGE_MAX_FILE_SIZE)


def multipart_upload_part(
    *, upload: MultipartUpload, part_number: int, stream, content_length: int | None
) -> str:
    """Send one part to S3 (spooled to a temporary file on the way: S3's SigV4 over http hashes the payload
    before sending, so the body must be re-readable); returns the part's ETag as S3 gives it."""
    if not 1 <= part_number <= max(upload.num_parts, 1):
        raise InvalidValueError(f"Part number {part_number} is outside 1..{upload.num_parts}")
    max_size = multipart_part_max_size()
    if content_length is not None and content_length > max_size:
        raise FileTooLargeError(f"Part is too large: {content_length} bytes, the limit is {max_size} bytes")
    try:
        reader = CountingReader(request_body_reader(stream), max_size=max_size, expected=content_length)
    except LengthRequired as exc:
        raise LengthRequiredError("Length Required: send the part with a Content-Length") from exc
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as spool:
        try:
            while data := reader.read(CHUNK_SIZE):
                spool.write(data)
        except FileTooLarge as exc:
            raise FileTooLargeError(f"Part is too large: the limit is {max_size} bytes") from exc
        except IncompleteBody as exc:
            of = f" of {exc.expected}" if exc.expected is not None else ""
            raise IncompleteUploadError(f"Incomplete part: received {exc.received}{of} bytes") from exc
        finally:
            _sha256, md5 = reader.checksums.finish()
        spool.seek(0)
        client, bucket, s3_key = _client_and_key(upload.key)
        try:
            response = client.upload_part(
                Bucket=bucket,
                Key=s3_key,
                UploadId=upload.upload_id,
                PartNumber=part_number,
                Body=spool,
                ContentLength=reader.size,
                ContentMD5=base64.b64encode(bytes.fromhex(md5)).decode(),
            )
        except Exception as exc:
            if _s3_error_code(exc) == "NoSuchUpload":
                raise MultipartUploadNotFoundError(
                    "Multipart upload not found: aborted or completed"
                ) from exc
            raise
    return response["ETag"]


def _parts_sizes(client, bucket: str, s3_key: str, upload_id: str) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for page in client.get_paginator("list_parts").paginate(Bucket=bucket, Key=s3_key, UploadId=upload_id):
        sizes.update({part["PartNumber"]: part["Size"] for part in page.get("Parts", [])})
    return sizes


def multipart_upload_complete(
    *, upload: MultipartUpload, package: Package, path: str, parts: list[tuple[int, str]]
) -> PackageFile:
    """Complete the upload as the file at `path` (`parts`: (part number, ETag) in order, as the client lists
    them). Over the size limit the upload is aborted. Completing the same upload again answers the file it made."""
    if upload.package_id != package.pk or upload.path_digest != _path_digest(path):
        raise MultipartUploadNotFoundError(
            "Multipart upload not found: unknown, expired or not for this file"
        )
    numbers = [number for number, _etag in parts]
    if not parts or numbers != sorted(set(numbers)):
        raise InvalidValueError("parts must list each uploaded part once, in ascending part_number order")
    client, bucket, s3_key = _client_and_key(upload.key)
    try:
        sizes = _parts_sizes(client, bucket, s3_key, upload.upload_id)
    except Exception as exc:
        if _s3_error_code(exc) == "NoSuchUpload":
            done = PackageFile.objects.filter(package=package, path=path, storage_key=upload.key).first()
            if done is not None:  # a retried complete whose first attempt went through
                return done
            raise MultipartUploadNotFoundError("Multipart upload not found: aborted or completed") from exc
        raise
    missing = [number for number in numbers if number not in sizes]
    if missing:
        raise InvalidValueError(f"Part {missing[0]} of this upload was never uploaded")
    total = sum(sizes[number] for number in numbers)
    max_size = settings.PACKAGE_MAX_FILE_SIZE
    if total > max_size:
        multipart_upload_abort(upload=upload)
        raise FileTooLargeError(f"File is too large: {total} bytes, the limit is {max_size} bytes")
    try:
        client.complete_multipart_upload(
            Bucket=bucket,
            Key=s3_key,
            UploadId=upload.upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]},
        )
    except Exception as exc:
        code = _s3_error_code(exc)
        if code in ("InvalidPart", "InvalidPartOrder", "EntityTooSmall"):
            message = exc.response["Error"].get("Message") or code
            raise InvalidValueError(f"S3 refused to complete the upload ({code}): {message}") from exc
        if code == "NoSuchUpload":
            raise MultipartUploadNotFoundError("Multipart upload not found: aborted or completed") from exc
        raise
    stored = client.head_object(Bucket=bucket, Key=s3_key)["ContentLength"]
    if stored != total:  # never expected; a file must not be passed off as complete
        raise OSError(f"stored {stored} bytes of {total} for {upload.key!r}")
    return package_file_commit(package=package, path=path, key=upload.key, size=total)


def multipart_upload_abort(*, upload: MultipartUpload) -> None:
    """Abort the upload and drop its parts; an upload already aborted or completed is left as it is."""
    client, bucket, s3_key = _client_and_key(upload.key)
    try:
        client.abort_multipart_upload(Bucket=bucket, Key=s3_key, UploadId=upload.upload_id)
    except Exception as exc:
        if _s3_error_code(exc) != "NoSuchUpload":
            raise
