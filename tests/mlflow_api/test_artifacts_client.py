"""The real mlflow client logs, lists, downloads and deletes run artifacts through the live server."""

import os

import mlflow
import pytest

from packages_registry.models import IngestionStatus, Package, PackageFile, PackageType
from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]


def _listing(client, run_id, path=None):
    return {f.path: (f.is_dir, f.file_size) for f in client.list_artifacts(run_id, path)}


def test_client_artifact_round_trip_lands_in_the_candidate_package(mlflow_client, tmp_path, tenant):
    experiment_id = mlflow_client.create_experiment("artifacts-round-trip")
    run = mlflow_client.create_run(experiment_id)
    run_id = run.info.run_id
    src = tmp_path / "src"
    (src / "a" / "b").mkdir(parents=True)
    files = {
        "top.txt": b"top\n",
        "a/mid.json": b'{"k": [1, 2, 3]}',
        "a/b/deep.bin": os.urandom(300_000),
        "a/b/empty.txt": b"",
    }
    for rel, data in files.items():
        (src / rel).write_bytes(data)
    mlflow_client.log_artifacts(run_id, str(src), artifact_path="tree")
    mlflow_client.log_text(run_id, "hello\n", "notes/readme.txt")

    assert _listing(mlflow_client, run_id) == {"notes": (True, None), "tree": (True, None)}
    assert _listing(mlflow_client, run_id, "tree/a") == {
        "tree/a/b": (True, None),
        "tree/a/mid.json": (False, 16),
    }
    assert _listing(mlflow_client, run_id, "tree/a/b") == {
        "tree/a/b/deep.bin": (False, 300_000),
        "tree/a/b/empty.txt": (False, None),
    }
    assert mlflow_client.list_artifacts(run_id, "no/such/dir") == []

    dst = tmp_path / "dst"
    dst.mkdir()
    mlflow_client.download_artifacts(run_id, "tree", str(dst))
    for rel, data in files.items():
        assert (dst / "tree" / rel).read_bytes() == data, rel
    assert mlflow.artifacts.load_text(f"runs:/{run_id}/notes/readme.txt") == "hello\n"

    package = Package.objects.get(project=tenant.project, package_type=PackageType.ML_MODEL)
    assert package.name == f"ml_experiment_{experiment_id}"
    deep = PackageFile.objects.get(package=package, path="tree/a/b/deep.bin")
    assert deep.size == 300_000
    # No broker in tests: ingestion ran in-process right after the upload.
    assert deep.ingestion_status == IngestionStatus.READY and len(deep.sha256) == 64

    with pytest.raises(Exception, match="Failed to download|404"):
        mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path="tree/missing.txt", dst_path=str(tmp_path / "x")
        )
