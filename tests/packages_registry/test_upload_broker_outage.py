"""Uploads through a real gunicorn while the broker is hung (a TCP server that accepts and never answers) or
refused: the answer comes within seconds, the file is stored and pending, a later sweep ingests it; and a
committed file survives the worker being killed by gunicorn's timeout in the middle of publishing."""

import hashlib
import os
import shutil
import time

import pytest
from django.core.management import call_command

from packages_registry.models import IngestionStatus, PackageFile
from tests.packages_registry.live import (
    Gunicorn,
    SilentServer,
    process_env,
    raw_request,
    refused_port,
    status_of,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def silent_broker():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def media(tmp_path, settings):
    from django.core.files.storage import storages

    location = tmp_path / "packages"
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                      "OPTIONS": {"location": str(location)}},
    }  # fmt: skip
    storages._storages.pop("artifacts", None)
    yield tmp_path
    storages._storages.pop("artifacts", None)
    shutil.rmtree(location, ignore_errors=True)


def put(port: int, tenant, name: str, data: bytes, *, timeout: float = 30) -> tuple[bytes, float]:
    head = (
        f"PUT /api/v4/projects/{tenant.project.pk}/packages/generic/p/1.0/{name} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {tenant.write_token}\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    started = time.monotonic()
    reply = raw_request(port, head, [data], timeout=timeout)
    return reply, time.monotonic() - started


def download(port: int, tenant, name: str) -> bytes:
    head = (
        f"GET /api/v4/projects/{tenant.project.pk}/packages/generic/p/1.0/{name} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {tenant.read_token}\r\nConnection: close\r\n\r\n"
    )
    reply = raw_request(port, head, [])
    assert status_of(reply) == 200, reply[:300]
    return reply.partition(b"\r\n\r\n")[2]


def test_a_hung_broker_costs_one_short_timeout_and_the_files_wait_pending_for_the_sweep(
    tenant, media, silent_broker
):
    gunicorn = Gunicorn(media, process_env(media, broker=f"redis://127.0.0.1:{silent_broker.port}/0"))
    try:
        files = {f"f{i}.bin": os.urandom(200_000 + i) for i in range(3)}
        answers, connections = [], []
        for name, data in files.items():
            # Before: the publish waited forever on the silent socket, until gunicorn's 60 s timeout killed the
            # worker (the client here gives up after 30 s). The bound below is the contract ("a few seconds"),
            # several times what it takes: one 3 s socket timeout, then none while publishing is paused.
            reply, elapsed = put(gunicorn.port, tenant, name, data)
            answers.append((status_of(reply), elapsed))
            connections.append(len(silent_broker.accepted))
        assert all(status == 201 for status, _ in answers), (answers, reply[-300:])
        assert all(elapsed < 15 for _, elapsed in answers), answers
        assert (
            connections[0] >= 1 and connections[-1] == connections[0]
        )  # later uploads did not try the broker

        for name, data in files.items():
            row = PackageFile.objects.get(path=name)
            assert row.ingestion_status == IngestionStatus.PENDING and row.size == len(data)
            assert download(gunicorn.port, tenant, name) == data  # served while pending
        call_command("ingest_pending")  # the sweep, run by an operator here (beat / worker start: see below)
        for name, data in files.items():
            row = PackageFile.objects.get(path=name)
            assert (
                row.ingestion_status == IngestionStatus.READY
                and row.sha256 == hashlib.sha256(data).hexdigest()
            )
            assert download(gunicorn.port, tenant, name) == data
    finally:
        gunicorn.stop()


def test_a_refused_broker_port_costs_no_reconnect_loop(tenant, media):
    gunicorn = Gunicorn(media, process_env(media, broker=f"redis://127.0.0.1:{refused_port()}/0"))
    try:
        # Before: kombu retried the connection for its 4 s connect window (2 s + 4 s sleeps): 6.0 s per upload.
        reply, elapsed = put(gunicorn.port, tenant, "r.bin", b"refused broker\n")
        assert status_of(reply) == 201 and elapsed < 3, (reply[:200], elapsed)
        assert PackageFile.objects.get(path="r.bin").ingestion_status == IngestionStatus.PENDING
        assert download(gunicorn.port, tenant, "r.bin") == b"refused broker\n"
    finally:
        gunicorn.stop()


def test_a_worker_killed_by_the_gunicorn_timeout_while_publishing_keeps_the_committed_file(
    tenant, media, silent_broker
):
    """The reported loss: a sync worker hung in the after-commit publish, gunicorn's timeout raised SystemExit
    there, and the upload's cleanup deleted the object its committed row pointed at. The publish is made to
    outlast the timeout on purpose (60 s socket timeout, 3 s gunicorn timeout)."""
    env = process_env(
        media, broker=f"redis://127.0.0.1:{silent_broker.port}/0", CELERY_BROKER_SOCKET_TIMEOUT="60"
    )
    gunicorn = Gunicorn(media, env, timeout=3, threads=1)
    try:
        data = os.urandom(300_000)
        try:
            reply, _ = put(gunicorn.port, tenant, "kept.bin", data)
        except (TimeoutError, ConnectionResetError):
            reply = b""
        assert status_of(reply) != 201  # the worker died before answering
        row = PackageFile.objects.get(path="kept.bin")  # committed before the publish
        assert (media / "packages" / row.storage_key).read_bytes() == data
        call_command("ingest_pending")
        assert PackageFile.objects.get(path="kept.bin").ingestion_status == IngestionStatus.READY
    finally:
        gunicorn.stop()
