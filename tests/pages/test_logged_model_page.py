"""The logged model page (/<project>/-/ml/logged-models/<m-id>/) and the candidate page's Models section."""

import pytest

from model_registry.models import ModelVersion
from model_registry.services import model_create, model_version_create
from packages_registry.models import LoggedModelMetric, LoggedModelParam
from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture
from tests.pages.conftest import seed_experiment, signed_in
from tests.pages.runpage_seed import seed_logged_model

XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
pytestmark = pytest.mark.usefixtures("artifacts_dir")


@pytest.fixture
def candidate(tenant):
    _, candidates = seed_experiment(tenant.project, candidates=1)
    return candidates[0]


def _register(tenant, model, candidate, name="iris-classifier"):
    registered = model_create(project=tenant.project, name=name)
    version = model_version_create(model=registered, candidate=candidate)
    ModelVersion.objects.filter(pk=version.pk).update(logged_model_id=model.model_id)
    return registered, version


def _page(tenant, model):
    return f"/{tenant.project.path}/-/ml/logged-models/{model.model_id}/"


def test_candidate_page_models_section(owner_client, tenant, candidate):
    model = seed_logged_model(candidate, files=7)
    registered, version = _register(tenant, model, candidate)
    html = owner_client.get(f"/{tenant.project.path}/-/ml/candidates/{candidate.pk}/").content.decode()
    section = html[html.index('id="models"') : html.index('id="artifacts"')]
    assert (
        f'href="/{tenant.project.path}/-/ml/logged-models/{model.model_id}/" class="model-name">iris-model</a>'
        in section
    )
    assert "7 files" in section and ">ready</span>" in section
    assert '<span class="badge">python_function</span> <span class="badge">sklearn</span>' in section
    assert "<th>length</th><td><code>double</code></td>" in section
    assert "<th>#0</th><td><code>tensor int64 [-1]</code></td>" in section
    assert f"/ml/models/{registered.pk}/versions/{version.pk}/" in section


def test_logged_model_page_shows_params_metrics_source_and_files(
    owner_client, tenant, candidate, assert_query_count
):
    model = seed_logged_model(candidate)
    LoggedModelParam.objects.create(logged_model=model, key="C", value="0.5")
    LoggedModelMetric.objects.bulk_create(
        [LoggedModelMetric(logged_model=model, candidate=candidate, key="acc", value=v, timestamp=t, step=t)
         for t, v in enumerate([0.5, 0.9])]
    )  # fmt: skip
    _register(tenant, model, candidate)
    with assert_query_count("logged_model_detail"):
        response = owner_client.get(_page(tenant, model))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<th>C</th><td>0.5</td>" in html
    assert '<th>acc</th><td class="num">0.9</td>' in html
    assert f'id="source-candidate"><a href="/{tenant.project.path}/-/ml/candidates/{candidate.pk}/">' in html
    assert "<code>MLmodel</code>" in html and "iris-classifier" in html


def test_names_and_signature_columns_are_escaped(owner_client, tenant, candidate):
    model = seed_logged_model(candidate, name=XSS, column=XSS)
    for url in (_page(tenant, model), f"/{tenant.project.path}/-/ml/candidates/{candidate.pk}/"):
        html = owner_client.get(url).content.decode()
        assert "<img src=x" not in html and "<script>alert(2)" not in html
        assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;" in html


def test_failed_upload_is_shown_as_failed(owner_client, tenant, candidate):
    model = seed_logged_model(candidate, status="LOGGED_MODEL_UPLOAD_FAILED")
    registered, version = _register(tenant, model, candidate)
    html = owner_client.get(f"/{tenant.project.path}/-/ml/candidates/{candidate.pk}/").content.decode()
    assert ">upload failed</span>" in html and "upload failed: its files are incomplete" in html
    assert 'id="model-failed"' in owner_client.get(_page(tenant, model)).content.decode()
    html = owner_client.get(
        f"/{tenant.project.path}/-/ml/models/{registered.pk}/versions/{version.pk}/"
    ).content.decode()
    assert 'id="version-failed"' in html and 'id="load-failed"' in html
    assert "mlflow.pyfunc.load_model" not in html


def test_ready_version_keeps_its_load_snippet(owner_client, tenant, candidate):
    model = seed_logged_model(candidate)
    registered, version = _register(tenant, model, candidate)
    html = owner_client.get(
        f"/{tenant.project.path}/-/ml/models/{registered.pk}/versions/{version.pk}/"
    ).content.decode()
    assert "mlflow.pyfunc.load_model" in html and 'id="version-failed"' not in html


def test_other_tenant_and_bad_ids_get_404(client, tenant, other_tenant, candidate, owner_client):
    model = seed_logged_model(candidate)
    assert signed_in(other_tenant.owner).get(_page(tenant, model)).status_code == 404
    assert owner_client.get(f"/{tenant.project.path}/-/ml/logged-models/m-nothex/").status_code == 404
    assert owner_client.get(f"/{tenant.project.path}/-/ml/logged-models/m-{'0' * 32}/").status_code == 404
