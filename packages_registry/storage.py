"""The `artifacts` storage (settings.STORAGES["artifacts"]: local disk or S3) behind three streaming operations.

Whole files are never held in memory: uploads are fed from a file-like stream in 1 MB reads, downloads and
ingestion read ranges in 1 MB chunks. S3 reads go to boto3 directly because django-storages' S3File spools the
whole object before the first read.
"""

import io
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


class CountingReader(io.RawIOBase):
    """A non-seekable file-like view of a request body that counts bytes and stops past `max_size`."""

    def __init__(self, source, *, max_size: int, expected: int | None = None):
        self.source = source
        self.max_size = max_size
        self.remaining = expected
        self.size = 0

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
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _StreamFile(File):
    DEFAULT_CHUNK_SIZE = CHUNK_SIZE  # Django's 64 KB default costs throughput on large uploads


def storage_write(*, key: str, reader: CountingReader) -> int:
    """Stream `reader` to `key`; return the byte count. A failed write leaves no object behind."""
    storage = artifacts_storage()
    try:
        saved = storage.save(key, _StreamFile(reader, name=key.rsplit("/", 1)[-1]))
    except BaseException:
        storage_delete(key=key)
        raise
    if saved != key:  # a filesystem storage that refuses to overwrite picked another name
        raise RuntimeError(f"storage stored {key!r} as {saved!r}")
    return reader.size


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
