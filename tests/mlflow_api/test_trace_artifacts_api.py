"""A trace's span file (`traces.json`) through the artifact proxy: `<exp>/traces/<trace id>/artifacts/...`, stored in
the trace's own package with the project's size limit, and read back."""

from packages_registry.models import PackageFile

from .trace_bodies import new_trace_id, trace_start


def _path(exp_iid, trace_id, name="traces.json") -> str:
    return f"api/2.0/mlflow-artifacts/artifacts/{exp_iid}/traces/{trace_id}/artifacts/{name}"


def _put(api, path, body: bytes):
    return api.client.put(api.base + path, body, content_type="application/octet-stream", **api.headers)


def test_span_file_is_stored_in_the_traces_package_and_read_back(api, read_api, tracking_exp):
    trace_id = new_trace_id()
    trace_start(api, tracking_exp.iid, trace_id=trace_id)
    body = b'{"spans": [{"name": "add"}]}'
    assert _put(api, _path(tracking_exp.iid, trace_id), body).status_code == 200
    stored = PackageFile.objects.select_related("package").get()
    assert (stored.package.name, stored.package.version, stored.path) == (
        f"ml_trace_{tracking_exp.iid}",
        trace_id,
        "traces.json",
    )
    response = read_api.client.get(read_api.base + _path(tracking_exp.iid, trace_id), **read_api.headers)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == body
    listing = read_api.get(
        "api/2.0/mlflow-artifacts/artifacts", {"path": f"{tracking_exp.iid}/traces/{trace_id}/artifacts"}
    )
    assert listing.json() == {
        "files": [{"path": "traces.json", "is_dir": False, "file_size": str(len(body))}]
    }


def test_uploads_need_write_access_a_known_trace_and_the_right_experiment(
    api, read_api, tenant, tracking_exp
):
    from experiments.services import experiment_create

    trace_id = new_trace_id()
    trace_start(api, tracking_exp.iid, trace_id=trace_id)
    assert _put(read_api, _path(tracking_exp.iid, trace_id), b"{}").status_code == 403
    unknown = _put(api, _path(tracking_exp.iid, new_trace_id()), b"{}")
    assert (unknown.status_code, unknown.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    other = experiment_create(project=tenant.project, name="other", user=tenant.developer)
    assert _put(api, _path(other.iid, trace_id), b"{}").status_code == 404
    assert not PackageFile.objects.exists()
    missing = read_api.client.get(read_api.base + _path(tracking_exp.iid, trace_id), **read_api.headers)
    assert missing.status_code == 404


def test_a_span_file_over_the_projects_limit_is_refused(api, tracking_exp, settings):
    settings.PACKAGE_MAX_FILE_SIZE = 10
    trace_id = new_trace_id()
    trace_start(api, tracking_exp.iid, trace_id=trace_id)
    response = _put(api, _path(tracking_exp.iid, trace_id), b"x" * 11)
    assert response.status_code == 413
    assert not PackageFile.objects.exists()
