"""The `artifacts` storage (settings.STORAGES["artifacts"]: local disk or S3) behind three streaming operations.

Whole files are never held in memory: uploads are fed from a file-like stream in 1 MB reads, downloads and
ingestion read ranges in 1 MB chunks. S3 reads go to boto3 directly because django-storages' S3File spools the
whole object before the first read.
"""

import hashlib
import io
import os
import queue
import re
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from django.core.files import File
from django.core.files.storage import storages
from django.core.handlers.wsgi import LimitedStream

CHUNK_SIZE = 1024 * 1024


def artifacts_storage():
    return storages["artifacts"]


def _s3(storage):
    from storages.backends.s3 import S3Storage

    return storage if isinstance(storage, S3Storage) else None


class FileTooLarge(Exception):
    pass


class IncompleteBody(Exception):
    """The request body ended (or broke off) before it was complete: the client went away mid-upload."""

    def __init__(self, received: int, expected: int | None = None):
        super().__init__(received, expected)
        self.received = received
        self.expected = expected


class LengthRequired(Exception):
    """A chunked body this server cannot read to its end (only gunicorn decodes chunked request bodies)."""


# Uploads to local disk are written under this prefix and renamed to their key once complete; anything found
# here belongs to an upload in flight or to one that was killed (the orphan collector removes the old ones).
TEMP_PREFIX = "tmp/"


class Checksums:
    """sha256 and md5 of a stream, fed chunk by chunk. Large streams are hashed on a helper thread (hashlib
    releases the GIL), so hashing overlaps the socket reads and storage writes instead of adding to them; the
    bounded queue keeps at most a few chunks in memory."""

    THREAD_ABOVE = 8 * CHUNK_SIZE  # smaller (or unknown-size) streams start inline; a thread starts past this

    def __init__(self):
        self.sha256, self.md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
        self.fed = 0
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None

    def update(self, data: bytes) -> None:
        self.fed += len(data)
        if self._thread is None and self.fed > self.THREAD_ABOVE:
            self._queue = queue.Queue(maxsize=4)
            self._thread = threading.Thread(target=self._run, name="upload-checksums", daemon=True)
            self._thread.start()
        if self._queue is not None:
            self._queue.put(data)
        else:
            self.sha256.update(data)
            self.md5.update(data)

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            self.sha256.update(data)
            self.md5.update(data)

    def finish(self) -> tuple[str, str]:
        """(sha256 hex, md5 hex); also stops the helper thread, so call it on failure paths too."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = self._queue = None
        return self.sha256.hexdigest(), self.md5.hexdigest()


class CountingReader(io.RawIOBase):
    """A non-seekable file-like view of a request body that counts and hashes bytes and stops past `max_size`."""

    def __init__(self, source, *, max_size: int, expected: int | None = None):
        self.source = source
        self.max_size = max_size
        self.expected = expected
        self.remaining = expected
        self.size = 0
        self.checksums = Checksums()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = CHUNK_SIZE
        if self.remaining is not None:
            size = min(size, self.remaining)
            if size == 0:
                return b""
        try:
            data = self.source.read(size)
        except OSError as exc:  # a reset connection, a read timeout, a broken chunked encoding
            raise IncompleteBody(self.size, self.expected) from exc
        if not data and self.remaining:
            # The body ended before its Content-Length: refuse it here, before storage can keep it.
            raise IncompleteBody(self.size, self.expected)
        self.size += len(data)
        if self.remaining is not None:
            self.remaining -= len(data)
        if self.size > self.max_size:
            raise FileTooLarge()
        if data:
            self.checksums.update(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def request_body_reader(stream):
    """What to read a request body from: `stream` itself, except for a Django request served by gunicorn.

    gunicorn's `wsgi.input` (`Body`) serves `read(n)` by pulling 1 KB at a time from its `LengthReader` and copying
    its buffers on every pull: ~165 MB/s at best, the upload bottleneck. Its `reader` (the `LengthReader`, which
    recv()s 8 KB pieces and stops at Content-Length) returns large reads at several times that and keeps gunicorn's
    own bookkeeping (remaining length, bytes read past the body) right, so keep-alive still works. Used only when
    nothing has read the body yet and `Body` holds no buffered bytes; anything else gets `stream` unchanged.

    A chunked body (`Transfer-Encoding: chunked`, no Content-Length; curl -T -, and the mlflow client for an empty
    file) is invisible to Django, whose request stream stops at CONTENT_LENGTH, i.e. at once: see `_chunked_body`.
    """
    meta = getattr(stream, "META", None)
    if meta is None:
        return stream
    if not meta.get("CONTENT_LENGTH") and "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
        return _chunked_body(stream, meta)
    if getattr(stream, "_read_started", True):
        return stream
    wsgi_input = meta.get("wsgi.input")
    if type(wsgi_input).__module__ != "gunicorn.http.body":
        return stream
    reader, buf = getattr(wsgi_input, "reader", None), getattr(wsgi_input, "buf", None)
    if type(reader).__name__ != "LengthReader" or not isinstance(buf, io.BytesIO) or buf.tell():
        return stream
    stream._read_started = True  # the Django request must not read the body as well
    return reader


def _chunked_body(request, meta: dict):
    """The decoded body of a chunked request. gunicorn decodes it (`wsgi.input_terminated`), so `wsgi.input` reads
    to its end; Django's own server passes the raw socket through (under a LimitedStream of length 0), so we decode
    it. Anything else raises `LengthRequired` rather than store an empty file."""
    if getattr(request, "_read_started", False):
        raise LengthRequired()
    wsgi_input = meta.get("wsgi.input")
    if meta.get("wsgi.input_terminated"):
        request._read_started = True
        reader, buf = getattr(wsgi_input, "reader", None), getattr(wsgi_input, "buf", None)
        # gunicorn's ChunkedReader serves large reads directly (Body.read would pull 1 KB at a time).
        if type(reader).__name__ == "ChunkedReader" and isinstance(buf, io.BytesIO) and not buf.tell():
            return reader
        return wsgi_input
    if isinstance(wsgi_input, LimitedStream) and wsgi_input.limit == 0:
        request._read_started = True
        wsgi_input.limit = sys.maxsize  # the decoder stops at the last chunk, not past it
        return ChunkedDecoder(wsgi_input)
    raise LengthRequired()


class ChunkedDecoder:
    """Reads a `Transfer-Encoding: chunked` body from a raw stream, stopping after its last chunk and trailers.
    A body that ends early or breaks the framing raises OSError (an incomplete upload)."""

    def __init__(self, raw):
        self.raw = raw
        self.left = 0
        self.done = False

    def _line(self) -> bytes:
        line = self.raw.readline(8192)
        if not line.endswith(b"\n"):
            raise OSError("chunked body cut short")
        return line

    def read(self, size: int) -> bytes:
        if self.done:
            return b""
        if self.left == 0:
            try:
                self.left = int(self._line().split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise OSError("invalid chunk size") from exc
            if self.left == 0:
                while self._line() not in (b"\r\n", b"\n"):  # trailers
                    pass
                self.done = True
                return b""
        data = self.raw.read(min(size, self.left))
        if not data:
            raise OSError("chunked body cut short")
        self.left -= len(data)
        if self.left == 0 and self._line() not in (b"\r\n", b"\n"):
            raise OSError("chunk not followed by CRLF")
        return data


class _StreamFile(File):
    DEFAULT_CHUNK_SIZE = CHUNK_SIZE  # Django's 64 KB default costs throughput on large uploads


def storage_write(*, key: str, reader: CountingReader) -> tuple[int, str, str]:
    """Stream `reader` to `key`; return (byte count, sha256 hex, md5 hex), hashed on the way through.

    The object appears under `key` only once the body is complete and its stored size checked: on local disk it
    is written under `TEMP_PREFIX` and renamed (atomic); on S3 the in-flight multipart upload is the temporary
    object and completing it is the atomic switch (a plain PUT is atomic too). A failed write leaves no object
    behind; a killed process leaves a temporary file or an unfinished multipart upload for the orphan collector.
    """
    storage = artifacts_storage()
    s3 = _s3(storage)
    target = key if s3 is not None else f"{TEMP_PREFIX}{uuid.uuid4().hex}"
    try:
        saved = storage.save(target, _StreamFile(reader, name=target.rsplit("/", 1)[-1]))
        if saved != target:  # a filesystem storage that refuses to overwrite picked another name
            storage_delete(key=saved)
            raise RuntimeError(f"storage stored {target!r} as {saved!r}")
        stored_size = storage.size(target)
        if stored_size != reader.size:
            raise OSError(f"stored {stored_size} bytes of {reader.size} for {key!r}")
        if s3 is None:
            final = storage.path(key)
            os.makedirs(os.path.dirname(final), exist_ok=True)
            os.replace(storage.path(target), final)
    except BaseException:
        reader.checksums.finish()
        storage_delete(key=target)
        raise
    sha256, md5 = reader.checksums.finish()
    return reader.size, sha256, md5


def storage_read(*, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Yield the bytes of `key` from `start` to `end` inclusive (the whole object by default) in 1 MB chunks."""
    storage = artifacts_storage()
    s3 = _s3(storage)
    if s3 is not None:
        from storages.utils import clean_name

        kwargs = {"Bucket": s3.bucket_name, "Key": s3._normalize_name(clean_name(key))}
        if start or end is not None:
            kwargs["Range"] = f"bytes={start}-{'' if end is None else end}"
        body = s3.connection.meta.client.get_object(**kwargs)["Body"]
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()
        return
    with storage.open(key, "rb") as fh:
        fh.seek(start)
        remaining = None if end is None else end - start + 1
        while remaining is None or remaining > 0:
            data = fh.read(CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining))
            if not data:
                break
            if remaining is not None:
                remaining -= len(data)
            yield data


def storage_delete(*, key: str) -> None:
    try:
        artifacts_storage().delete(key)
    except FileNotFoundError:
        pass


def storage_exists(*, key: str) -> bool:
    return artifacts_storage().exists(key)


# The only keys Assay writes (`<project>/<package>/<hex>`, and `tmp/<hex>` on local disk): the orphan collector
# never touches anything else, even in a bucket or folder shared with other data.
_OUR_KEY = re.compile(r"^(?:\d+/\d+|tmp)/[0-9a-f]{32}$")


def storage_keys_older_than(*, cutoff: datetime) -> Iterator[str]:
    """Keys of Assay's objects (stored files and temporary uploads) last modified before `cutoff`."""
    storage = artifacts_storage()
    s3 = _s3(storage)
    if s3 is not None:
        prefix = s3._normalize_name("") if s3.location else ""
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        pages = s3.connection.meta.client.get_paginator("list_objects_v2").paginate(
            Bucket=s3.bucket_name, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(prefix) :]
                if _OUR_KEY.match(key) and item["LastModified"] < cutoff:
                    yield key
        return
    root = storage.location
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            key = os.path.relpath(path, root).replace(os.sep, "/")
            try:
                modified = datetime.fromtimestamp(os.stat(path).st_mtime, tz=UTC)
            except FileNotFoundError:  # renamed or deleted meanwhile
                continue
            if _OUR_KEY.match(key) and modified < cutoff:
                yield key


def storage_abort_multipart_uploads(*, cutoff: datetime) -> int:
    """Abort S3 multipart uploads started before `cutoff` (their parts are billed and invisible otherwise);
    returns how many. Local disk has none."""
    s3 = _s3(artifacts_storage())
    if s3 is None:
        return 0
    client = s3.connection.meta.client
    prefix = s3._normalize_name("").rstrip("/") + "/" if s3.location else ""
    aborted = 0
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=s3.bucket_name, Prefix=prefix):
        for upload in page.get("Uploads", []):
            if _OUR_KEY.match(upload["Key"][len(prefix) :]) and upload["Initiated"] < cutoff:
                client.abort_multipart_upload(
                    Bucket=s3.bucket_name, Key=upload["Key"], UploadId=upload["UploadId"]
                )
                aborted += 1
    return aborted
