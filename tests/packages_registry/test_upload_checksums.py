"""Uploads hash while streaming (ingestion then skips the full re-read) and read gunicorn's body the fast way."""

import hashlib
import io
import os
import socket
import threading

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import SocketUnreader

from packages_registry import services
from packages_registry.ingestion import Known, analyse
from packages_registry.models import IngestionStatus, PackageFile
from packages_registry.storage import CHUNK_SIZE, Checksums, request_body_reader
from tests.packages_registry.helpers import stored_objects

pytestmark = pytest.mark.usefixtures("artifacts_dir")

BIG = os.urandom(Checksums.THREAD_ABOVE + 3 * CHUNK_SIZE + 123)  # large enough to hash on the helper thread


def _hashes(data: bytes) -> tuple[str, str]:
    return hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()


def _checksum_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "upload-checksums"]


@pytest.mark.smoke
def test_upload_stores_checksums_at_once_and_ingestion_keeps_them(
    db, tenant, django_capture_on_commit_callbacks
):
    package = services.package_get_or_create(project=tenant.project, name="p", version="1")
    with django_capture_on_commit_callbacks(execute=False):  # leave the files pending: no ingestion yet
        big = services.package_file_upload(
            package=package, path="w.bin", stream=io.BytesIO(BIG), content_length=len(BIG)
        )
        small = services.package_file_upload(package=package, path="s.txt", stream=io.BytesIO(b"hello\n"))
        empty = services.package_file_upload(package=package, path="e.bin", stream=io.BytesIO(b""))
    for row, data in ((big, BIG), (small, b"hello\n"), (empty, b"")):
        stored = PackageFile.objects.get(pk=row.pk)
        assert stored.ingestion_status == IngestionStatus.PENDING and stored.size == len(data)
        assert (stored.sha256, stored.md5) == _hashes(data)
    assert _checksum_threads() == []

    ingested = services.package_file_ingest(file_id=big.pk)
    assert ingested.ingestion_status == IngestionStatus.READY and ingested.size == len(BIG)
    assert (ingested.sha256, ingested.md5) == _hashes(BIG)
    assert services.package_file_ingest(file_id=small.pk).preview_text == "hello"

    # A file stored before uploads hashed (no checksums yet) still gets the full pass.
    PackageFile.objects.filter(pk=big.pk).update(
        sha256="", md5="", size=0, ingestion_status=IngestionStatus.PENDING
    )
    again = services.package_file_ingest(file_id=big.pk)
    assert (again.sha256, again.md5, again.size) == (*_hashes(BIG), len(BIG))


@pytest.mark.smoke
def test_analyse_with_known_checksums_reads_only_what_it_needs():
    read = []

    def pieces(data: bytes):
        for i in range(0, len(data), CHUNK_SIZE):
            read.append(i)
            yield data[i : i + CHUNK_SIZE]

    known = Known(size=len(BIG), sha256="s" * 64, md5="m" * 32)
    result = analyse(chunks=pieces(BIG), path="weights.bin", known=known)
    assert len(read) == 1  # the head only
    assert (result.size, result.sha256, result.md5) == (len(BIG), "s" * 64, "m" * 32)

    # Images (thumbnails) and MLmodel files are still read whole.
    read.clear()
    image = b"\x89PNG\r\n\x1a\n" + bytes(3 * CHUNK_SIZE)
    analyse(chunks=pieces(image), path="plot.png", known=Known(size=len(image), sha256="", md5=""))
    assert len(read) == 4


def test_oversized_upload_stops_the_hashing_thread_and_leaves_nothing(db, tenant, settings, artifacts_dir):
    settings.PACKAGE_MAX_FILE_SIZE = Checksums.THREAD_ABOVE + CHUNK_SIZE
    package = services.package_get_or_create(project=tenant.project, name="p", version="1")
    with pytest.raises(services.FileTooLargeError):
        services.package_file_upload(package=package, path="w.bin", stream=io.BytesIO(BIG))
    assert _checksum_threads() == [] and stored_objects(artifacts_dir) == []
    assert not PackageFile.objects.filter(package=package).exists()


def _gunicorn_request(body: bytes, after: bytes, *, prebuffered: bytes = b"") -> tuple[WSGIRequest, Body]:
    """A Django request whose wsgi.input is gunicorn's Body over a real socket carrying `body` then `after`."""
    sender, receiver = socket.socketpair()
    threading.Thread(target=lambda: (sender.sendall(body + after), sender.close()), daemon=True).start()
    unreader = SocketUnreader(receiver)
    wsgi_input = Body(LengthReader(unreader, len(body)))
    if prebuffered:
        wsgi_input.buf.write(prebuffered)
    request = RequestFactory().put("/x", data=b"", content_type="application/octet-stream")
    request.META["wsgi.input"] = wsgi_input
    request.META["CONTENT_LENGTH"] = str(len(body))
    return request, wsgi_input


def test_gunicorn_body_is_read_from_its_length_reader_and_keep_alive_bytes_stay_put(db, tenant):
    after = b"GET /next HTTP/1.1\r\n\r\n"  # a pipelined next request must stay for gunicorn
    request, wsgi_input = _gunicorn_request(BIG, after)
    # (the Django request's own stream is RequestFactory's empty payload: BIG can only come from gunicorn's Body)
    package = services.package_get_or_create(project=tenant.project, name="p", version="1")
    stored = services.package_file_upload(
        package=package, path="g.bin", stream=request, content_length=len(BIG)
    )
    assert (stored.sha256, stored.size) == (hashlib.sha256(BIG).hexdigest(), len(BIG))
    assert b"".join(services.storage_read(key=stored.storage_key)) == BIG
    assert request._read_started and wsgi_input.read() == b""
    assert wsgi_input.reader.unreader.read(len(after)) == after

    # Anything else is read as before: bytes already buffered in Body, a body already read, a plain stream.
    buffered, _ = _gunicorn_request(b"abc", b"", prebuffered=b"a")
    assert request_body_reader(buffered) is buffered
    assert request_body_reader(request) is request
    plain = io.BytesIO(b"x")
    assert request_body_reader(plain) is plain
    test_client_request = RequestFactory().put("/x", data=b"abc", content_type="application/octet-stream")
    assert request_body_reader(test_client_request) is test_client_request
