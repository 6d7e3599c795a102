"""GET /api/2.0/mlflow/artifacts/list (the R client's and direct REST users' listing), answered as the reference."""

import pytest

from candidates.services import candidate_create
from experiments.services import experiment_create
from tests.conftest import Api
from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]
LIST = "api/2.0/mlflow/artifacts/list"


@pytest.fixture
def run(client, tenant):
    experiment = experiment_create(project=tenant.project, name="listed", user=tenant.developer)
    candidate = candidate_create(experiment=experiment, user=tenant.developer, user_name="dev", name="r")
    for path, data in (("a.txt", b"a\n"), ("sub/b.txt", b"bb\n"), ("sub/empty.txt", b"")):
        response = client.put(
            f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/api/2.0/mlflow-artifacts/artifacts/"
            f"{experiment.iid}/{candidate.eid_hex}/artifacts/{path}",
            data,
            content_type="text/plain",
            HTTP_AUTHORIZATION=f"Bearer {tenant.write_token}",
        )
        assert response.status_code == 200
    return candidate


def test_root_listing_has_root_uri_and_files(api, run):
    body = api.get(LIST, {"run_id": run.eid_hex}).json()
    assert body == {
        "root_uri": run.artifact_uri,
        "files": [{"path": "a.txt", "is_dir": False, "file_size": 2}, {"path": "sub", "is_dir": True}],
    }
    assert api.get(LIST, {"run_uuid": run.eid_hex}).json() == body
    # The reference ignores page_token: the listing is never paged.
    assert api.get(LIST, {"run_id": run.eid_hex, "page_token": "abc"}).json() == body


def test_paths_are_joined_to_the_requested_path_as_written(api, run):
    def paths(path):
        return [
            f["path"] for f in api.get(LIST, {"run_id": run.eid_hex, "path": path}).json().get("files", [])
        ]

    assert paths("sub") == ["sub/b.txt", "sub/empty.txt"]
    assert paths("sub/") == ["sub/b.txt", "sub/empty.txt"]
    assert paths(".") == ["./a.txt", "./sub"]
    assert paths("./sub") == ["./sub/b.txt", "./sub/empty.txt"]
    files = api.get(LIST, {"run_id": run.eid_hex, "path": "sub"}).json()["files"]
    assert files[1] == {"path": "sub/empty.txt", "is_dir": False}  # proto3 leaves a 0 size out


def test_missing_folder_a_file_and_an_empty_run_list_only_the_root_uri(api, run, tenant):
    for path in ("no/such", "a.txt"):
        assert api.get(LIST, {"run_id": run.eid_hex, "path": path}).json() == {"root_uri": run.artifact_uri}
    empty = candidate_create(experiment=run.experiment, user=tenant.developer, user_name="dev", name="e")
    assert api.get(LIST, {"run_id": empty.eid_hex}).json() == {"root_uri": empty.artifact_uri}


def test_errors_match_the_reference(api, run):
    for path in ("..", "sub/../..", "/etc"):
        response = api.get(LIST, {"run_id": run.eid_hex, "path": path})
        assert response.status_code == 400
        assert response.json() == {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid path"}
    for run_id in ("0" * 32, "nope"):
        response = api.get(LIST, {"run_id": run_id})
        assert response.status_code == 404
        assert response.json() == {
            "error_code": "RESOURCE_DOES_NOT_EXIST",
            "message": f"Run with id={run_id} not found",
        }
    response = api.get(LIST)
    assert response.status_code == 400 and response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "Missing value for required parameter 'run_id'" in response.json()["message"]


def test_other_tenant_and_anonymous_get_nothing(client, run, tenant, other_tenant):
    intruder = Api(client, tenant.project, other_tenant.owner_token)
    assert intruder.get(LIST, {"run_id": run.eid_hex}).status_code == 404
    assert Api(client, tenant.project, None).get(LIST, {"run_id": run.eid_hex}).status_code == 401
    other = Api(client, other_tenant.project, other_tenant.owner_token)
    assert other.get(LIST, {"run_id": run.eid_hex}).status_code == 404


def test_reader_may_list(read_api, run):
    assert read_api.get(LIST, {"run_id": run.eid_hex}).status_code == 200
