"""MLflow's proxied multipart upload (`mlflow-artifacts/mpu/*`): real S3 multipart on moto_server, Assay's own
signed part URLs, and MLflow's exact 501 on local disk so the client falls back to a single PUT."""

import hashlib
import os
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from candidates.services import candidate_create
from experiments.services import experiment_create
from packages_registry.models import IngestionStatus, PackageFile
from tests.conftest import Api
from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture
from tests.packages_registry.test_s3_storage import BUCKET, keys, s3, s3_endpoint  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)
MB = 1024 * 1024
MPU = "api/2.0/mlflow-artifacts/mpu"
UNSUPPORTED = "Multipart upload is not supported for the current artifact repository"


@pytest.fixture
def bucket(request):
    """The moto bucket, emptied: the server lives for the module."""
    client = request.getfixturevalue("s3")
    for key in keys(client):
        client.delete_object(Bucket=BUCKET, Key=key)
    for upload in _in_flight(client):
        client.abort_multipart_upload(Bucket=BUCKET, Key=upload["Key"], UploadId=upload["UploadId"])
    return client


@pytest.fixture
def multipart_env(monkeypatch):
    """The client takes the multipart path for every file, in 5 MB parts (S3's smallest but the last)."""
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true")
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", "1")
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", str(5 * MB))


def _file(tmp_path, name: str, size: int) -> tuple:
    data = os.urandom(size)
    path = tmp_path / name
    path.write_bytes(data)
    return path, data


def _run_root(run) -> str:
    return f"{run.experiment.iid}/{run.eid_hex}/artifacts"


def _create(api: Api, run, folder: str, name: str, num_parts: int):
    response = api.post(
        f"{MPU}/create/{_run_root(run)}/{folder}", {"path": f"/home/me/{name}", "num_parts": num_parts}
    )
    assert response.status_code == 200, response.content
    return response.json()


def _put_part(client, url: str, data: bytes):
    return client.put(url, data, content_type="application/octet-stream")


def _in_flight(client) -> list:
    return client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])


def test_client_uploads_in_parts_on_s3_and_downloads_byte_identical(
    mlflow_client, multipart_env, bucket, tenant, tmp_path
):
    run = mlflow_client.create_run(mlflow_client.create_experiment("mpu"))
    run_id = run.info.run_id
    src, data = _file(tmp_path, "weights.bin", 12 * MB + 123)  # three parts: 5 + 5 + 2 MB

    mlflow_client.log_artifact(run_id, str(src), "model")

    stored = PackageFile.objects.get(package__project=tenant.project, path="model/weights.bin")
    assert keys(bucket) == [f"assay/{stored.storage_key}"] and _in_flight(bucket) == []
    head = bucket.head_object(Bucket=BUCKET, Key=f"assay/{stored.storage_key}")
    assert head["ContentLength"] == len(data) and head["ETag"].endswith('-3"')  # completed from three parts
    # No broker in tests: ingestion ran after commit and computed the checksums in its full pass.
    assert stored.size == len(data) and stored.ingestion_status == IngestionStatus.READY
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.md5 == hashlib.md5(data).hexdigest()

    listing = {f.path: f.file_size for f in mlflow_client.list_artifacts(run_id, "model")}
    assert listing == {"model/weights.bin": len(data)}
    dst = tmp_path / "dst"
    dst.mkdir()
    assert open(mlflow_client.download_artifacts(run_id, "model/weights.bin", str(dst)), "rb").read() == data


@pytest.mark.usefixtures("artifacts_dir")
def test_client_falls_back_to_one_put_on_local_disk(mlflow_client, multipart_env, tenant, tmp_path):
    run = mlflow_client.create_run(mlflow_client.create_experiment("mpu-local"))
    src, data = _file(tmp_path, "weights.bin", 6 * MB + 7)

    mlflow_client.log_artifact(run.info.run_id, str(src), "model")

    stored = PackageFile.objects.get(package__project=tenant.project, path="model/weights.bin")
    assert stored.size == len(data) and stored.sha256 == hashlib.sha256(data).hexdigest()
    dst = tmp_path / "dst"
    dst.mkdir()
    got = mlflow_client.download_artifacts(run.info.run_id, "model/weights.bin", str(dst))
    assert open(got, "rb").read() == data


@pytest.mark.usefixtures("artifacts_dir")
def test_local_disk_answers_mlflows_exact_unsupported_error(api, tracking_run):
    for endpoint, body in [
        ("create", {"path": "/tmp/x.bin", "num_parts": 2}),
        ("complete", {"path": "/tmp/x.bin", "upload_id": "u", "parts": [{"part_number": 1, "etag": "e"}]}),
        ("abort", {"path": "/tmp/x.bin", "upload_id": "u"}),
    ]:
        response = api.post(f"{MPU}/{endpoint}/{_run_root(tracking_run)}", body)
        assert response.status_code == 501, endpoint
        assert response.json() == {"error_code": "NOT_IMPLEMENTED", "message": UNSUPPORTED}
    # As the reference: a request without `path` is refused before the storage is asked.
    missing = api.post(f"{MPU}/create/{_run_root(tracking_run)}", {"num_parts": 2})
    assert missing.status_code == 400 and missing.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert api.get("api/3.0/mlflow/server-info").json()["multipart_uploads_enabled"] is False


def test_server_info_reports_multipart_on_s3(api, bucket):
    info = api.get("api/3.0/mlflow/server-info").json()
    assert info["multipart_uploads_enabled"] is True and info["multipart_downloads_enabled"] is False


def test_part_urls_are_assays_own_signed_urls_and_a_new_upload_replaces_the_file_only_when_complete(
    client, api, bucket, tenant, tracking_run
):
    put = client.put(
        f"{api.base}api/2.0/mlflow-artifacts/artifacts/{_run_root(tracking_run)}/m/w.bin",
        b"old",
        content_type="application/octet-stream",
        HTTP_AUTHORIZATION=f"Bearer {tenant.write_token}",
    )
    assert put.status_code == 200
    old = PackageFile.objects.get(path="m/w.bin")
    data = os.urandom(5 * MB + 10)

    created = _create(api, tracking_run, "m", "w.bin", 2)
    first, second = created["credentials"]
    assert [first["part_number"], second["part_number"]] == [1, 2]
    url = urlsplit(first["url"])
    assert (url.scheme, url.netloc) == ("http", "testserver")  # the host the client reached, never S3's
    assert (
        url.path
        == f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/{MPU}/part/{_run_root(tracking_run)}/m/w.bin"
    )
    assert set(parse_qs(url.query)) == {"upload_id", "part_number", "expires", "signature"}

    etags = []
    for credential, chunk in [(first, data[: 5 * MB]), (second, data[5 * MB :])]:
        response = _put_part(client, credential["url"], chunk)  # no token
        assert response.status_code == 200, response.content
        assert response["ETag"] == f'"{hashlib.md5(chunk).hexdigest()}"'
        etags.append(response["ETag"])
    old.refresh_from_db()
    assert old.size == 3  # nothing replaced before complete

    parts = [
        {"part_number": n, "etag": e, "url": c["url"]}
        for n, e, c in zip((1, 2), etags, created["credentials"], strict=True)
    ]
    body = {"path": "/home/me/w.bin", "upload_id": created["upload_id"], "parts": parts}
    done = api.post(f"{MPU}/complete/{_run_root(tracking_run)}/m", body)
    assert done.status_code == 200 and done.json() == {}
    new = PackageFile.objects.get(path="m/w.bin")
    assert new.pk == old.pk and new.storage_key != old.storage_key and new.size == len(data)
    assert keys(bucket) == [f"assay/{new.storage_key}"]  # the old object went after commit
    got = api.get(f"api/2.0/mlflow-artifacts/artifacts/{_run_root(tracking_run)}/m/w.bin")
    assert b"".join(got.streaming_content) == data
    # Completing again (a client retry after a lost answer) answers the same file.
    assert api.post(f"{MPU}/complete/{_run_root(tracking_run)}/m", body).status_code == 200


def _with(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return parts._replace(query=urlencode(query)).geturl()


def test_a_forged_or_altered_part_url_is_refused(client, api, bucket, tracking_run):
    created = _create(api, tracking_run, "m", "w.bin", 2)
    url = created["credentials"][0]["url"]
    for forged in [
        _with(url, signature="0" * 64),
        _with(url, part_number="2"),  # another part with part 1's signature
        _with(url, part_number="\u00b2"),  # a digit to str.isdigit, not to int()
        _with(url, expires=str(int(time.time()) + 10**6)),
        url.replace("/m/w.bin?", "/m/other.bin?"),
        url.split("?")[0],
    ]:
        response = _put_part(client, forged, b"x")
        assert response.status_code == 403, forged
        assert response.json()["error_code"] == "PERMISSION_DENIED"
    assert client.get(url).status_code == 405


def test_an_expired_part_url_is_refused(client, api, bucket, tracking_run, settings):
    settings.ASSAY_MULTIPART_URL_TTL = -1
    created = _create(api, tracking_run, "m", "w.bin", 1)
    response = _put_part(client, created["credentials"][0]["url"], b"x")
    assert response.status_code == 401 and response.json()["error_code"] == "UNAUTHENTICATED"


def test_another_tenants_upload_and_callers_are_refused(
    client, api, bucket, tenant, other_tenant, tracking_run
):
    theirs = experiment_create(project=other_tenant.project, name="theirs", user=other_tenant.developer)
    their_run = candidate_create(experiment=theirs, user=other_tenant.developer, user_name="x", name="r")
    their_api = Api(client, other_tenant.project, other_tenant.write_token)
    their_upload = _create(their_api, their_run, "m", "w.bin", 1)
    assert _put_part(client, their_upload["credentials"][0]["url"], b"theirs").status_code == 200

    # Their upload id used in our project, on our run's path: not found, nothing written.
    body = {
        "path": "/x/w.bin",
        "upload_id": their_upload["upload_id"],
        "parts": [{"part_number": 1, "etag": "e"}],
    }
    for endpoint in ("complete", "abort"):
        response = api.post(f"{MPU}/{endpoint}/{_run_root(tracking_run)}/m", body)
        assert response.status_code == 404 and response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    # Our own upload id completed under another file's path: not found either.
    ours = _create(api, tracking_run, "m", "w.bin", 1)
    wrong_path = {**body, "path": "/x/other.bin", "upload_id": ours["upload_id"]}
    assert api.post(f"{MPU}/complete/{_run_root(tracking_run)}/m", wrong_path).status_code == 404
    assert not PackageFile.objects.filter(package__project=tenant.project).exists()

    # The other tenant's token on our project, a reporter's, none: refused before anything starts.
    create = f"{MPU}/create/{_run_root(tracking_run)}/m"
    assert (
        Api(client, tenant.project, other_tenant.owner_token).post(create, {"path": "/w.bin"}).status_code
        == 404
    )
    assert Api(client, tenant.project, tenant.read_token).post(create, {"path": "/w.bin"}).status_code == 403
    assert Api(client, tenant.project, None).post(create, {"path": "/w.bin"}).status_code == 401
    assert len(_in_flight(bucket)) == 2  # theirs and ours, nothing more
    # Path validation as for a single PUT.
    assert api.post(f"{MPU}/create/{_run_root(tracking_run)}/a/../b", {"path": "/w.bin"}).status_code == 400


def test_abort_drops_the_parts_and_the_upload_cannot_complete_after(client, api, bucket, tracking_run):
    created = _create(api, tracking_run, "m", "w.bin", 1)
    response = _put_part(client, created["credentials"][0]["url"], b"part")
    body = {"path": "/x/w.bin", "upload_id": created["upload_id"]}
    assert api.post(f"{MPU}/abort/{_run_root(tracking_run)}/m", body).status_code == 200
    assert _in_flight(bucket) == [] and keys(bucket) == []
    assert api.post(f"{MPU}/abort/{_run_root(tracking_run)}/m", body).status_code == 200  # idempotent
    parts = [{"part_number": 1, "etag": response["ETag"]}]
    late = api.post(f"{MPU}/complete/{_run_root(tracking_run)}/m", {**body, "parts": parts})
    assert late.status_code == 404 and not PackageFile.objects.exists()
    # (A part PUT after the abort gets S3's NoSuchUpload, answered 404; moto_server answers 500 there instead.)


def test_size_limit_per_part_and_for_the_whole_file(client, api, bucket, tracking_run, settings):
    settings.PACKAGE_MAX_FILE_SIZE = 6 * MB
    created = _create(api, tracking_run, "m", "w.bin", 2)
    first, second = created["credentials"]
    too_big = _put_part(client, first["url"], b"x" * (6 * MB + 1))
    assert too_big.status_code == 413 and too_big.json()["error_code"] == "INVALID_PARAMETER_VALUE"

    etags = [
        _put_part(client, c["url"], b"y" * size)["ETag"] for c, size in [(first, 5 * MB), (second, 2 * MB)]
    ]
    parts = [{"part_number": n, "etag": e} for n, e in zip((1, 2), etags, strict=True)]
    body = {"path": "/x/w.bin", "upload_id": created["upload_id"], "parts": parts}
    over = api.post(f"{MPU}/complete/{_run_root(tracking_run)}/m", body)
    assert over.status_code == 413 and "limit is 6291456 bytes" in over.json()["message"]
    assert _in_flight(bucket) == [] and keys(bucket) == [] and not PackageFile.objects.exists()


def test_complete_refuses_parts_s3_does_not_have(client, api, bucket, tracking_run):
    created = _create(api, tracking_run, "m", "w.bin", 2)
    etag = _put_part(client, created["credentials"][0]["url"], b"only part")["ETag"]
    body = {"path": "/x/w.bin", "upload_id": created["upload_id"]}
    for parts in (
        [{"part_number": 1, "etag": etag}, {"part_number": 2, "etag": etag}],  # part 2 never sent
        [{"part_number": 1, "etag": '"0123"'}],  # wrong ETag
        [{"part_number": 2, "etag": etag}, {"part_number": 1, "etag": etag}],  # out of order
        [],
        [{"part_number": "1", "etag": etag}],
    ):
        response = api.post(f"{MPU}/complete/{_run_root(tracking_run)}/m", {**body, "parts": parts})
        assert response.status_code == 400, (parts, response.content)
    assert not PackageFile.objects.exists() and keys(bucket) == []
