"""The `artifacts` storage (settings.STORAGES["artifacts"]: local disk or S3) behind three streaming operations.

Whole files are never held in memory: uploads are fed from a file-like stream in 1 MB reads, downloads and
ingestion read ranges in 1 MB chunks. S3 reads go to boto3 directly because django-storages' S3File spools the
whole object before the first read.
"""

import hashlib
import io
import queue
import threading
from collections.abc import Iterator

from django.core.files import File
from django.core.files.storage import storages

CHUNK_SIZE = 1024 * 1024


def artifacts_storage():
    return storages["artifacts"]


def _s3(storage):
    from storages.backends.s3 import S3Storage

    return storage if isinstance(storage, S3Storage) else None


class FileTooLarge(Exception):
    pass


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
        data = self.source.read(size)
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
    """
    if getattr(stream, "_read_started", True) or not hasattr(stream, "META"):
        return stream
    wsgi_input = stream.META.get("wsgi.input")
    if type(wsgi_input).__module__ != "gunicorn.http.body":
        return stream
    reader, buf = getattr(wsgi_input, "reader", None), getattr(wsgi_input, "buf", None)
    if type(reader).__name__ != "LengthReader" or not isinstance(buf, io.BytesIO) or buf.tell():
        return stream
    stream._read_started = True  # the Django request must not read the body as well
    return reader


class _StreamFile(File):
    DEFAULT_CHUNK_SIZE = CHUNK_SIZE  # Django's 64 KB default costs throughput on large uploads


def storage_write(*, key: str, reader: CountingReader) -> tuple[int, str, str]:
    """Stream `reader` to `key`; return (byte count, sha256 hex, md5 hex), hashed on the way through.
    A failed write leaves no object behind."""
    storage = artifacts_storage()
    try:
        saved = storage.save(key, _StreamFile(reader, name=key.rsplit("/", 1)[-1]))
    except BaseException:
        reader.checksums.finish()
        storage_delete(key=key)
        raise
    sha256, md5 = reader.checksums.finish()
    if saved != key:  # a filesystem storage that refuses to overwrite picked another name
        raise RuntimeError(f"storage stored {key!r} as {saved!r}")
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
