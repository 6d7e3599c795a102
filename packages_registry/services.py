"""Writes for packages and their files: stream uploads to storage, delete, queue and run ingestion."""

import logging
import mimetypes
import threading
import time
import uuid
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.errors import InvalidValueError, LimitExceededError
from projects.models import Project

from . import ingestion
from .models import IngestionStatus, Package, PackageFile, PackageType
from .storage import (
    CountingReader,
    FileTooLarge,
    IncompleteBody,
    LengthRequired,
    request_body_reader,
    storage_abort_multipart_uploads,
    storage_delete,
    storage_keys_older_than,
    storage_read,
    storage_write,
)
from .validators import validate_file_path, validate_package_name, validate_package_version

logger = logging.getLogger(__name__)


class FileTooLargeError(LimitExceededError):
    pass


class IncompleteUploadError(InvalidValueError):
    """The body ended before its Content-Length: the client went away mid-upload."""


class LengthRequiredError(InvalidValueError):
    """A chunked upload this server cannot read to its end: send a Content-Length."""


def package_get_or_create(
    *, project: Project, name: str, version: str, package_type: str = PackageType.GENERIC
) -> Package:
    validate_package_name(name)
    validate_package_version(version)
    lookup = {"project": project, "name": name, "version": version, "package_type": package_type}
    package = Package.objects.filter(**lookup).first()
    if package is not None:
        return package
    try:
        with transaction.atomic():
            return Package.objects.create(**lookup)
    except IntegrityError:  # created concurrently
        return Package.objects.get(**lookup)


def package_create(
    *, project: Project, name: str, version: str, package_type: str = PackageType.GENERIC
) -> Package:
    """A new package; IntegrityError when it exists already (for callers whose package is new by construction,
    e.g. a trace's, so the get in package_get_or_create would only cost a query)."""
    validate_package_name(name)
    validate_package_version(version)
    return Package.objects.create(project=project, name=name, version=version, package_type=package_type)


def candidate_package_get_or_create(*, candidate) -> Package:
    """The package that holds a candidate's artifacts (GitLab's naming: `ml_experiment_<iid>` @ candidate iid)."""
    return package_get_or_create(
        project=candidate.project,
        name=f"ml_experiment_{candidate.experiment.iid}",
        version=str(candidate.iid),
        package_type=PackageType.ML_MODEL,
    )


def _guess_content_type(path: str, declared: str | None) -> str:
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared not in ("application/octet-stream", "application/x-www-form-urlencoded"):
        return declared
    return mimetypes.guess_type(path)[0] or declared or "application/octet-stream"


def package_file_upload(
    *,
    package: Package,
    path: str,
    stream,
    content_length: int | None = None,
    content_type: str | None = None,
) -> PackageFile:
    """Stream `stream` (a file-like with read(n)) into the package at `path`, replacing a file already there.

    The bytes go to a fresh storage key first; only then is the row created or pointed at the new key, so a
    failed or oversized upload leaves the previous file intact. Ingestion is queued after commit.
    """
    validate_file_path(path)
    max_size = settings.PACKAGE_MAX_FILE_SIZE
    if content_length is not None and content_length > max_size:
        raise FileTooLargeError(f"File is too large: {content_length} bytes, the limit is {max_size} bytes")
    try:
        body = request_body_reader(stream)
    except LengthRequired as exc:
        raise LengthRequiredError(
            "Length Required: this server cannot read a chunked body; send a Content-Length"
        ) from exc
    key = f"{package.project_id}/{package.pk}/{uuid.uuid4().hex}"
    reader = CountingReader(body, max_size=max_size, expected=content_length)
    try:
        size, sha256, md5 = storage_write(key=key, reader=reader)
    except FileTooLarge as exc:
        raise FileTooLargeError(f"File is too large: the limit is {max_size} bytes") from exc
    except IncompleteBody as exc:
        # A dropped connection looks like a short body; storing it would pass a truncated file off as complete.
        of = f" of {exc.expected}" if exc.expected is not None else ""
        raise IncompleteUploadError(f"Incomplete upload: received {exc.received}{of} bytes") from exc
    return package_file_commit(
        package=package, path=path, key=key, size=size, content_type=content_type, sha256=sha256, md5=md5
    )


def package_file_commit(
    *,
    package: Package,
    path: str,
    key: str,
    size: int,
    content_type: str | None = None,
    sha256: str = "",
    md5: str = "",
) -> PackageFile:
    """Point the file at `path` at `key`, a complete object the caller has just written under a fresh key; the
    object it pointed at before is deleted after commit and ingestion is queued. Checksums not hashed on the way
    in (empty) are computed by ingestion's full pass. If the row cannot be written, `key` is discarded unless a
    row points at it after all."""
    fields = {
        "size": size,
        "storage_key": key,
        "content_type": _guess_content_type(path, content_type),
        # Hashed while streaming (a single PUT), so ingestion need not read the whole file again; a multipart
        # upload's parts arrive out of order, so ingestion hashes it.
        "sha256": sha256,
        "md5": md5,
        "ingestion_status": IngestionStatus.PENDING,
        "ingestion_error": "",
        "ingested_at": None,
        "preview_text": "",
        "thumbnail": None,
        "metadata": {},
    }
    try:
        package_file, old_key = _package_file_point(package=package, path=path, fields=fields)
    except BaseException:
        _storage_discard_unless_referenced(key=key)
        raise
    # The row points at `key` now: from here on no error path may delete it. The hooks are robust (an error is
    # logged, not raised) and a failure to queue leaves the file pending for the sweep.
    file_id = package_file.pk
    if old_key:
        transaction.on_commit(lambda: storage_delete(key=old_key), robust=True)
    transaction.on_commit(lambda: ingestion_enqueue(file_ids=[file_id]), robust=True)
    return package_file


def _package_file_point(*, package: Package, path: str, fields: dict) -> tuple[PackageFile, str | None]:
    """Create the row at `path` or point the existing one at the new object; (row, the key it pointed at)."""
    old_key = None
    with transaction.atomic():
        existing = PackageFile.objects.select_for_update().filter(package=package, path=path).first()
        if existing is None:
            try:
                with transaction.atomic():
                    package_file = PackageFile.objects.create(package=package, path=path, **fields)
            except IntegrityError:  # the same path uploaded concurrently: last writer wins
                existing = PackageFile.objects.select_for_update().get(package=package, path=path)
        if existing is not None:
            old_key = existing.storage_key
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save()
            package_file = existing
        Package.objects.filter(pk=package.pk).update(updated_at=timezone.now())
    return package_file, old_key


def _storage_discard_unless_referenced(*, key: str) -> None:
    """Delete a new object after its row failed to commit, unless a row points at it after all (the commit went
    through and the error came after it, e.g. a worker timeout). If that cannot be checked, keep the object: the
    orphan collector removes it later, while a wrong delete would lose a committed file."""
    try:
        referenced = PackageFile.objects.filter(storage_key=key).exists()
    except Exception:  # noqa: BLE001 - the database is what failed; keep the object
        logger.warning("kept %s after a failed upload: could not check whether a row points at it", key)
        return
    if not referenced:
        storage_delete(key=key)


def package_file_delete(*, package_file: PackageFile) -> None:
    key = package_file.storage_key
    with transaction.atomic():
        package_file.delete()
        transaction.on_commit(lambda: storage_delete(key=key))


def package_files_delete_under(*, package: Package, prefix: str) -> int:
    """Delete every file at `prefix` or below it (an MLflow artifact directory delete). Returns the count."""
    files = PackageFile.objects.filter(package=package)
    if prefix:
        from django.db.models import Q

        files = files.filter(Q(path=prefix) | Q(path__startswith=prefix.rstrip("/") + "/"))
    keys = list(files.values_list("storage_key", flat=True))
    with transaction.atomic():
        files.delete()
        transaction.on_commit(lambda: [storage_delete(key=key) for key in keys])
    return len(keys)


def package_delete(*, package: Package) -> None:
    packages_delete(package_ids=[package.pk])


def packages_delete(*, package_ids: list[int]) -> None:
    """Delete packages with their files (rows now, stored objects once the transaction commits), in a few
    queries whatever their number (deleting many traces deletes their packages)."""
    if not package_ids:
        return
    files = PackageFile.objects.filter(package_id__in=package_ids)
    keys = list(files.values_list("storage_key", flat=True))
    with transaction.atomic():
        files.delete()
        Package.objects.filter(pk__in=package_ids).delete()
        transaction.on_commit(lambda: [storage_delete(key=key) for key in keys])


class _PublishPause:
    """After a failed publish, uploads in this process stop trying the broker for ASSAY_BROKER_RETRY_AFTER
    seconds: a down or hung broker then costs one timeout, not one per upload. The files stay pending."""

    def __init__(self):
        self.until = 0.0
        self.lock = threading.Lock()

    def active(self) -> bool:
        return time.monotonic() < self.until

    def start(self) -> None:
        with self.lock:
            self.until = time.monotonic() + settings.ASSAY_BROKER_RETRY_AFTER

    def clear(self) -> None:
        self.until = 0.0


publish_pause = _PublishPause()


def ingestion_enqueue(*, file_ids: list[int]) -> int:
    """Queue ingestion for files; returns how many were queued. A broker outage is logged, not raised: the
    files stay pending and the sweep (`sweep_pending_files`, on worker start and in beat) picks them up later.
    Publishing is bounded by the broker timeouts in settings (CELERY_BROKER_*), so a hung broker never holds a
    request for more than a few seconds."""
    from .tasks import ingest_package_file

    if not file_ids or publish_pause.active():
        return 0
    queued = 0
    for file_id in file_ids:
        try:
            ingest_package_file.apply_async(args=[file_id], retry=False)
            queued += 1
        except Exception:  # noqa: BLE001 - kombu/redis connection errors vary by transport
            publish_pause.start()
            logger.warning("could not queue ingestion of package file %s; the sweep will retry", file_id)
            break
    return queued


def package_file_ingest(*, file_id: int) -> PackageFile | None:
    """Compute checksums, sniff the type, build previews; idempotent. None if the file is gone."""
    package_file = PackageFile.objects.filter(pk=file_id).first()
    if package_file is None or package_file.ingestion_status == IngestionStatus.READY:
        # Gone, or already ingested: a duplicate message (a sweep re-queued it, or Redis redelivered it after a
        # worker died holding it) costs one query.
        return package_file
    key = package_file.storage_key
    # Checksums hashed during the upload spare the full read (only the head, or a small image/MLmodel, is read);
    # files stored before that (or by other writers) lack them and get the full pass.
    known = None
    if package_file.sha256 and package_file.md5:
        known = ingestion.Known(size=package_file.size, sha256=package_file.sha256, md5=package_file.md5)
    with closing(storage_read(key=key)) as chunks:
        result = ingestion.analyse(
            chunks=chunks, path=package_file.path, declared=package_file.content_type, known=known
        )
    # Write only if the file was not replaced meanwhile (the replacement queued its own ingestion).
    PackageFile.objects.filter(pk=file_id, storage_key=key).update(
        size=result.size,
        sha256=result.sha256,
        md5=result.md5,
        content_type=result.content_type,
        preview_text=result.preview_text,
        thumbnail=result.thumbnail,
        metadata=result.metadata,
        ingestion_status=IngestionStatus.READY,
        ingestion_error="",
        ingested_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return PackageFile.objects.filter(pk=file_id).first()


def package_file_mark_failed(*, file_id: int, reason: str) -> None:
    PackageFile.objects.filter(pk=file_id).update(
        ingestion_status=IngestionStatus.FAILED, ingestion_error=reason[:2000], updated_at=timezone.now()
    )


def package_files_pending_ids(*, older_than_seconds: int = 0, limit: int = 1000) -> list[int]:
    files = PackageFile.objects.filter(ingestion_status=IngestionStatus.PENDING)
    if older_than_seconds:
        files = files.filter(updated_at__lt=timezone.now() - timedelta(seconds=older_than_seconds))
    return list(files.order_by("updated_at").values_list("pk", flat=True)[:limit])


@dataclass
class OrphanCollection:
    deleted: int = 0  # objects no row points at
    aborted_uploads: int = 0  # unfinished S3 multipart uploads

    def as_dict(self) -> dict:
        return asdict(self)


def storage_orphans_collect(*, min_age_hours: int) -> OrphanCollection:
    """Remove what an upload killed mid-way (or a cascaded row delete) left in artifact storage: objects older
    than `min_age_hours` that no PackageFile points at, temporary upload files, abandoned multipart uploads.

    The age is what keeps uploads in flight safe: their temporary file is being written (fresh mtime) and a
    finished object is pointed at by its row within milliseconds. Keep it well above zero in production."""
    cutoff = timezone.now() - timedelta(hours=min_age_hours)
    result = OrphanCollection()
    batch: list[str] = []

    def flush() -> None:
        referenced = set(
            PackageFile.objects.filter(storage_key__in=batch).values_list("storage_key", flat=True)
        )
        for key in batch:
            if key not in referenced:
                storage_delete(key=key)
                result.deleted += 1
        batch.clear()

    for key in storage_keys_older_than(cutoff=cutoff):
        batch.append(key)
        if len(batch) >= 1000:
            flush()
    if batch:
        flush()
    result.aborted_uploads = storage_abort_multipart_uploads(cutoff=cutoff)
    if result.deleted or result.aborted_uploads:
        logger.warning("orphan collector: %s", result.as_dict())
    return result
