"""A '.' path segment means "here", as on the reference server; '..' and absolute paths stay refused."""

import http.client
import os
import subprocess
import sys
import urllib.parse

import mlflow
import pytest

from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]


@pytest.fixture
def logged_run(mlflow_client, tmp_path):
    experiment_id = mlflow_client.create_experiment("dot-paths")
    run_id = mlflow_client.create_run(experiment_id).info.run_id
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "a.txt").write_text("a\n")
    (tmp_path / "src" / "sub" / "b.txt").write_text("bb\n")
    mlflow_client.log_artifacts(run_id, str(tmp_path / "src"))
    return experiment_id, run_id


def _raw_get(tracking_uri: str, token: str, path: str) -> tuple[int, bytes]:
    """GET without the client library's dot-segment removal, so the server sees the path as written."""
    parsed = urllib.parse.urlparse(tracking_uri)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    conn.request("GET", parsed.path + path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    return response.status, response.read()


def test_listing_dot_answers_like_the_reference(mlflow_client, logged_run):
    _, run_id = logged_run
    listing = [(f.path, f.is_dir, f.file_size) for f in mlflow_client.list_artifacts(run_id, ".")]
    assert listing == [("./a.txt", False, 2), ("./sub", True, None)]
    assert [f.path for f in mlflow_client.list_artifacts(run_id, "./sub")] == ["./sub/b.txt"]
    assert [f.path for f in mlflow_client.list_artifacts(run_id, "sub/.")] == ["sub/./b.txt"]


def test_download_dot_fetches_the_whole_run(logged_run, mlflow_env, tmp_path):
    _, run_id = logged_run
    mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=".", dst_path=str(tmp_path / "all"))
    got = sorted(
        os.path.relpath(os.path.join(root, f), tmp_path / "all")
        for root, _, files in os.walk(tmp_path / "all")
        for f in files
    )
    assert got == ["a.txt", "sub/b.txt"]
    mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="./a.txt", dst_path=str(tmp_path / "one")
    )
    assert (tmp_path / "one" / "a.txt").read_text() == "a\n"


def test_cli_lists_dot(logged_run, mlflow_env):
    _, run_id = logged_run
    cli = [os.path.join(os.path.dirname(sys.executable), "mlflow"), "artifacts", "list"]
    done = subprocess.run([*cli, "--run-id", run_id, "--artifact-path", "."], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert '"path": "./a.txt"' in done.stdout and '"path": "./sub"' in done.stdout


def test_parent_and_absolute_paths_stay_refused(mlflow_client, logged_run, mlflow_env, tenant):
    experiment_id, run_id = logged_run
    for path in ("..", "sub/../..", "/etc"):
        with pytest.raises(Exception, match="400"):
            mlflow_client.list_artifacts(run_id, path)
    root = f"/api/2.0/mlflow-artifacts/artifacts/{experiment_id}/{run_id}/artifacts"
    assert _raw_get(mlflow_env, tenant.write_token, f"{root}/./a.txt") == (200, b"a\n")
    assert _raw_get(mlflow_env, tenant.write_token, f"{root}/sub/./b.txt") == (200, b"bb\n")
    status, body = _raw_get(mlflow_env, tenant.write_token, f"{root}/sub/../a.txt")
    assert status == 400 and b'"Invalid path"' in body
    listing = f"/api/2.0/mlflow-artifacts/artifacts?path={experiment_id}/{run_id}/artifacts/sub/.."
    status, body = _raw_get(mlflow_env, tenant.write_token, listing)
    assert status == 400 and b'"Invalid path"' in body
