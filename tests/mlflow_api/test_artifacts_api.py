"""MLflow artifact endpoints directly: refusals, server-info, listing shape, and flat memory on a 20 MB file."""

import os
import tracemalloc

import pytest
import requests

from candidates.models import Candidate
from experiments.models import Experiment
from tests.conftest import Api
from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]
ROOT = "api/2.0/mlflow-artifacts/artifacts"


@pytest.fixture
def candidate(tenant):
    experiment = Experiment.objects.create(project=tenant.project, iid=4, name="exp")
    return Candidate.objects.create(experiment=experiment, project=tenant.project, iid=1)


def put(client, tenant, path, data, token):
    return client.put(
        f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/{ROOT}/{path}",
        data,
        content_type="text/plain",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_artifact_endpoints_refuse_and_answer_like_the_reference(
    client, tenant, other_tenant, candidate, api
):
    run_root = f"4/{candidate.eid_hex}/artifacts"
    assert put(client, tenant, f"{run_root}/a/b.txt", b"hello", "bad").status_code == 401
    assert put(client, tenant, f"{run_root}/a/b.txt", b"hello", other_tenant.write_token).status_code == 404
    refused = put(client, tenant, f"{run_root}/a/b.txt", b"hello", tenant.read_token)
    assert refused.status_code == 403 and refused.json()["error_code"] == "PERMISSION_DENIED"
    assert put(client, tenant, f"{run_root}/a/%2E%2E/x.txt", b"x", tenant.write_token).status_code == 400
    assert put(client, tenant, f"4/{'0' * 32}/artifacts/x.txt", b"x", tenant.write_token).status_code == 404
    assert put(client, tenant, "elsewhere/x.txt", b"x", tenant.write_token).status_code == 400
    assert put(client, tenant, f"{run_root}/a/b.txt", b"hello", tenant.write_token).status_code == 200
    assert put(client, tenant, f"{run_root}/a/empty.txt", b"", tenant.write_token).status_code == 200

    listing = api.get(ROOT, {"path": f"{run_root}/a"}).json()
    assert listing == {
        "files": [
            {"path": "b.txt", "is_dir": False, "file_size": "5"},
            {"path": "empty.txt", "is_dir": False},
        ]
    }
    assert api.get(ROOT, {"path": run_root}).json() == {"files": [{"path": "a", "is_dir": True}]}
    assert api.get(ROOT, {"path": f"{run_root}/missing"}).json() == {}
    other = Api(client, tenant.project, other_tenant.owner_token)
    assert other.get(ROOT, {"path": run_root}).status_code == 404

    got = api.get(f"{ROOT}/{run_root}/a/b.txt")
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"hello"
    assert api.get(f"{ROOT}/{run_root}/a/nope.txt").status_code == 404
    assert api.get("api/3.0/mlflow/server-info").json()["multipart_uploads_enabled"] is False
    # Local storage: MLflow's own answer, so the client falls back to a single PUT (test_multipart_upload.py).
    assert api.post(f"api/2.0/mlflow-artifacts/mpu/create/{run_root}", {"path": "/tmp/x"}).status_code == 501

    assert api.delete(f"{ROOT}/{run_root}/a").status_code == 200
    assert api.get(ROOT, {"path": run_root}).json() == {}


def test_a_20_mb_upload_and_download_stream_with_flat_memory(live_server, tenant, candidate, tmp_path):
    size = 20 * 1024 * 1024
    src = tmp_path / "big.bin"
    with src.open("wb") as fh:
        for _ in range(20):
            fh.write(os.urandom(1024 * 1024))
    url = f"{live_server.url}/api/v4/projects/{tenant.project.pk}/ml/mlflow/{ROOT}/4/{candidate.eid_hex}/artifacts/big.bin"
    headers = {"Authorization": f"Bearer {tenant.write_token}"}
    tracemalloc.start()
    try:
        with src.open("rb") as fh:
            assert requests.put(url, data=fh, headers=headers, timeout=120).status_code == 200
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        dst = tmp_path / "back.bin"
        with requests.get(url, headers=headers, stream=True, timeout=120) as response, dst.open("wb") as out:
            assert response.status_code == 200 and response.headers["Content-Length"] == str(size)
            for chunk in response.iter_content(1024 * 1024):
                out.write(chunk)
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert dst.read_bytes() == src.read_bytes()
    # Server and client share this process: the peak Python allocation stays a few 1 MB chunks, far below 20 MB.
    assert upload_peak < 8 * 1024 * 1024, upload_peak
    assert download_peak < 8 * 1024 * 1024, download_peak
