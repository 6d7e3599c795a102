"""Request bodies under a real gunicorn: chunked uploads are stored whole (they were stored as 0 bytes and
answered 201/200), a body cut short stores nothing and replaces nothing, and a server that cannot decode a
chunked body (Django's runserver) answers 411 instead of storing an empty file."""

import hashlib
import json
import os
import shutil

import pytest

from candidates.models import Candidate
from experiments.models import Experiment
from packages_registry.models import PackageFile
from tests.packages_registry.helpers import stored_objects
from tests.packages_registry.live import Gunicorn, chunked, process_env, raw_request, status_of

pytestmark = pytest.mark.django_db(transaction=True)
DATA = os.urandom(3 * 1024 * 1024 + 17)


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    gunicorn = Gunicorn(media, process_env(media, broker=None))  # no broker: ingestion runs in the request
    yield gunicorn, media / "packages"
    gunicorn.stop()


@pytest.fixture
def storage_dir(server, settings):
    """The test process reads the same artifacts folder as the server."""
    from django.core.files.storage import storages

    _, location = server
    shutil.rmtree(location, ignore_errors=True)  # what earlier tests stored (the database was flushed)
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                      "OPTIONS": {"location": str(location)}},
    }  # fmt: skip
    storages._storages.pop("artifacts", None)
    yield location
    storages._storages.pop("artifacts", None)


def head(method: str, path: str, token: str, *, length: int | None = None) -> str:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/octet-stream\r\n{framing}\r\nConnection: close\r\n\r\n"
    )


def generic(tenant, rest: str) -> str:
    return f"/api/v4/projects/{tenant.project.pk}/packages/generic/{rest}"


def body_of(reply: bytes) -> bytes:
    return reply.partition(b"\r\n\r\n")[2]


def stored_bytes(package_file: PackageFile, location) -> bytes:
    return (location / package_file.storage_key).read_bytes()


def test_a_chunked_upload_is_stored_whole_and_a_chunked_reupload_replaces_it(server, storage_dir, tenant):
    gunicorn, _ = server
    reply = raw_request(
        gunicorn.port, head("PUT", generic(tenant, "p/1.0/f.bin"), tenant.write_token), chunked(DATA)
    )
    assert status_of(reply) == 201, reply[:500]
    answer = json.loads(body_of(reply))["package_file"]
    assert answer["size"] == len(DATA) and answer["file_sha256"] == hashlib.sha256(DATA).hexdigest()
    stored = PackageFile.objects.get(path="f.bin")
    assert stored.size == len(DATA) and stored_bytes(stored, storage_dir) == DATA

    newer = os.urandom(100_001)
    reply = raw_request(
        gunicorn.port, head("PUT", generic(tenant, "p/1.0/f.bin"), tenant.write_token), chunked(newer, 4096)
    )
    assert status_of(reply) == 201, reply[:500]
    stored = PackageFile.objects.get(path="f.bin")
    assert stored.size == len(newer) and stored_bytes(stored, storage_dir) == newer
    got = raw_request(
        gunicorn.port, head("GET", generic(tenant, "p/1.0/f.bin"), tenant.read_token, length=0), []
    )
    assert status_of(got) == 200 and body_of(got) == newer
    assert stored_objects(storage_dir) == [
        stored.storage_key
    ]  # the replaced object is gone, no temp file left


@pytest.mark.parametrize("framing", ["chunked", "content-length"])
def test_a_body_cut_short_stores_nothing_and_replaces_nothing(server, storage_dir, tenant, framing):
    gunicorn, _ = server
    path = generic(tenant, "p/1.0/keep.bin")
    assert (
        status_of(raw_request(gunicorn.port, head("PUT", path, tenant.write_token, length=len(DATA)), [DATA]))
        == 201
    )
    good = PackageFile.objects.get(path="keep.bin")

    newer = os.urandom(2 * 1024 * 1024)
    if framing == "chunked":  # two chunks of a longer body, then the client goes away (no final 0 chunk)
        request_head, parts = (
            head("PUT", path, tenant.write_token),
            chunked(newer, 1024 * 1024, terminate=False),
        )
    else:
        request_head, parts = head("PUT", path, tenant.write_token, length=len(newer) + 5000), [newer]
    raw_request(gunicorn.port, request_head, parts, finish=False)
    raw_request(
        gunicorn.port,
        head("PUT", generic(tenant, "p/1.0/new.bin"), tenant.write_token, length=len(newer) + 1),
        [newer],
        finish=False,
    )

    after = PackageFile.objects.get(path="keep.bin")
    assert (after.storage_key, after.size, after.sha256) == (good.storage_key, good.size, good.sha256)
    assert stored_bytes(after, storage_dir) == DATA
    assert not PackageFile.objects.filter(path="new.bin").exists()
    assert stored_objects(storage_dir) == [good.storage_key]


def test_an_mlflow_artifact_put_with_a_chunked_body_is_stored_whole(server, storage_dir, tenant):
    gunicorn, _ = server
    experiment = Experiment.objects.create(project=tenant.project, iid=3, name="exp")
    candidate = Candidate.objects.create(experiment=experiment, project=tenant.project, iid=1)
    path = (f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/api/2.0/mlflow-artifacts/artifacts/3/"
            f"{candidate.eid_hex}/artifacts/model/weights.bin")  # fmt: skip
    reply = raw_request(gunicorn.port, head("PUT", path, tenant.write_token), chunked(DATA, 300_000))
    assert status_of(reply) == 200 and json.loads(body_of(reply)) == {}
    stored = PackageFile.objects.get(path="model/weights.bin")
    assert stored.size == len(DATA) and stored_bytes(stored, storage_dir) == DATA

    cut = raw_request(
        gunicorn.port,
        head("PUT", path.replace("weights", "other"), tenant.write_token),
        chunked(DATA, 300_000, terminate=False),
        finish=False,
    )
    assert not PackageFile.objects.filter(path="model/other.bin").exists(), cut[:300]
    assert stored_objects(storage_dir) == [stored.storage_key]


def test_django_runserver_chunked_bodies_are_decoded_too(live_server, tenant, tmp_path, settings):
    """Django's own server passes chunked bodies through undecoded (the mlflow client sends an empty file that
    way): they are decoded, not stored as 0 bytes; one cut short stores nothing."""
    from django.core.files.storage import storages

    location = tmp_path / "packages"
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    storages._storages.pop("artifacts", None)
    port = int(live_server.url.rsplit(":", 1)[1])
    data = b"abc" * 100_000
    reply = raw_request(
        port, head("PUT", generic(tenant, "p/1.0/c.bin"), tenant.write_token), chunked(data, 7000)
    )
    assert status_of(reply) == 201 and json.loads(body_of(reply))["package_file"]["size"] == len(data)

    experiment = Experiment.objects.create(project=tenant.project, iid=5, name="exp")
    candidate = Candidate.objects.create(experiment=experiment, project=tenant.project, iid=1)
    mlflow_path = (f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/api/2.0/mlflow-artifacts/artifacts/5/"
                   f"{candidate.eid_hex}/artifacts/empty.txt")  # fmt: skip
    reply = raw_request(port, head("PUT", mlflow_path, tenant.write_token), chunked(b""))
    assert status_of(reply) == 200 and json.loads(body_of(reply)) == {}
    raw_request(
        port,
        head("PUT", generic(tenant, "p/1.0/cut.bin"), tenant.write_token),
        chunked(data, 7000, terminate=False),
        finish=False,
    )

    files = {f.path: f for f in PackageFile.objects.all()}
    assert set(files) == {"c.bin", "empty.txt"} and files["empty.txt"].size == 0
    assert (location / files["c.bin"].storage_key).read_bytes() == data
    assert stored_objects(location) == sorted(f.storage_key for f in files.values())
    storages._storages.pop("artifacts", None)


def test_a_chunked_body_no_server_decodes_is_refused_with_411_in_both_apis(tenant, tmp_path, settings):
    """A WSGI server that neither decodes chunked bodies (`wsgi.input_terminated`) nor is Django's own: 411."""
    from django.core.files.storage import storages
    from django.test import RequestFactory

    from mlflow_api.artifacts import artifact
    from packages_registry.api import generic_file

    settings.STORAGES = {**settings.STORAGES, "artifacts": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    storages._storages.pop("artifacts", None)

    def request():
        made = RequestFactory().generic("PUT", "/x", b"3\r\nabc\r\n0\r\n\r\n", HTTP_TRANSFER_ENCODING="chunked",
                                        HTTP_AUTHORIZATION=f"Bearer {tenant.write_token}")  # fmt: skip
        del made.META["CONTENT_LENGTH"]
        return made

    response = generic_file(request(), project_ref=str(tenant.project.pk), package_name="p", package_version="1.0",
                            file_path="x.bin").render()  # fmt: skip
    assert response.status_code == 411 and json.loads(response.content)["message"].startswith(
        "411 Length Required"
    )
    experiment = Experiment.objects.create(project=tenant.project, iid=7, name="exp")
    candidate = Candidate.objects.create(experiment=experiment, project=tenant.project, iid=1)
    response = artifact(
        request(), str(tenant.project.pk), artifact_path=f"7/{candidate.eid_hex}/artifacts/x.bin"
    )
    assert response.status_code == 411 and json.loads(response.content)["error_code"] == "BAD_REQUEST"
    assert not PackageFile.objects.exists() and stored_objects(tmp_path) == []
    storages._storages.pop("artifacts", None)
