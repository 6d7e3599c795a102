"""An absolute artifact path (`…/artifacts//abs/file`) is refused with MLflow JSON 400, not silently stored as
`abs/file`. Django hands views the %-decoded path, so `…/artifacts/%2Fabs` is the same request and is refused
too (the reference stores it as `abs`; the mlflow client never percent-encodes a slash)."""

import pytest

from candidates.models import Candidate
from experiments.models import Experiment
from packages_registry.models import PackageFile
from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]
ROOT = "api/2.0/mlflow-artifacts/artifacts"


@pytest.fixture
def run_root(tenant):
    experiment = Experiment.objects.create(project=tenant.project, iid=4, name="exp")
    candidate = Candidate.objects.create(experiment=experiment, project=tenant.project, iid=1)
    return f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/{ROOT}/4/{candidate.eid_hex}/artifacts"


@pytest.mark.parametrize("method", ["put", "get", "delete"])
def test_absolute_artifact_path_is_refused(client, tenant, run_root, method):
    kwargs = {"content_type": "text/plain", "HTTP_AUTHORIZATION": f"Bearer {tenant.write_token}"}
    args = (b"x",) if method == "put" else ()
    response = getattr(client, method)(f"{run_root}//abs/file.txt", *args, **kwargs)
    assert response.status_code == 400, response.content
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "absolute" in response.json()["message"]
    assert not PackageFile.objects.exists()


def test_absolute_path_in_a_listing_is_refused(client, tenant, run_root):
    path = run_root.split(f"{ROOT}/", 1)[1] + "//abs"
    response = client.get(
        f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/{ROOT}", {"path": path},
        HTTP_AUTHORIZATION=f"Bearer {tenant.read_token}",
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_percent_encoded_slash_is_the_same_absolute_path(client, tenant, run_root):
    response = client.put(
        f"{run_root}/%2Fabs",
        b"x",
        content_type="text/plain",
        HTTP_AUTHORIZATION=f"Bearer {tenant.write_token}",
    )
    assert response.status_code == 400
    assert not PackageFile.objects.exists()


def test_relative_paths_are_still_stored(client, tenant, run_root):
    response = client.put(
        f"{run_root}/dir/f.txt",
        b"x",
        content_type="text/plain",
        HTTP_AUTHORIZATION=f"Bearer {tenant.write_token}",
    )
    assert response.status_code == 200
    assert list(PackageFile.objects.values_list("path", flat=True)) == ["dir/f.txt"]
