"""Shared fixtures: two tenants (projects with their own users and tokens), API helpers, a live mlflow client."""

import json
import os
from dataclasses import dataclass

import pytest

from projects.models import Role, TokenScope
from projects.services import access_token_create, membership_set, project_create, user_get_or_create

from .query_counts import QueryCountBaseline

# If the suite itself runs inside GitLab CI or GitHub Actions, the installed assay-mlflow-plugin would tag every run
# the tests create; tests that assert exact tag sets must not see the host CI's variables.
for _name in [n for n in os.environ if n.startswith(("CI_", "GITLAB_", "GITHUB_"))]:
    del os.environ[_name]


@dataclass
class Tenant:
    project: object
    owner: object
    developer: object
    reporter: object
    write_token: str  # developer, api scope
    read_token: str  # reporter, read_api scope
    owner_token: str


def make_tenant(path: str) -> Tenant:
    project = project_create(path=path)
    owner = user_get_or_create(username=f"{path.replace('/', '-')}-owner")
    developer = user_get_or_create(username=f"{path.replace('/', '-')}-dev")
    reporter = user_get_or_create(username=f"{path.replace('/', '-')}-rep")
    membership_set(project=project, user=owner, role=Role.OWNER)
    membership_set(project=project, user=developer, role=Role.DEVELOPER)
    membership_set(project=project, user=reporter, role=Role.REPORTER)
    return Tenant(
        project=project,
        owner=owner,
        developer=developer,
        reporter=reporter,
        write_token=access_token_create(user=developer, name="w")[1],
        read_token=access_token_create(user=reporter, name="r", scopes=TokenScope.READ_API)[1],
        owner_token=access_token_create(user=owner, name="o")[1],
    )


@pytest.fixture(autouse=True)
def _broker_publish_resumed():
    """A test that pointed uploads at a dead broker pauses publishing in this process (packages_registry's
    `publish_pause`); the next test starts with the broker tried again."""
    from packages_registry.services import publish_pause

    publish_pause.clear()
    yield
    publish_pause.clear()


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant("acme/vision")


@pytest.fixture
def other_tenant(db) -> Tenant:
    return make_tenant("other/secret")


def _materialized(response):
    """A streamed response (the whole metric history) read to the end, so tests can call .json() on it."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
        response.streaming_content = [body]  # still readable by the test, once
        response.json = lambda **kwargs: json.loads(body, **kwargs)
    return response


class Api:
    """A Django test client bound to one token and one project's MLflow base URL."""

    def __init__(self, client, project, token):
        self.client = client
        self.base = f"/api/v4/projects/{project.pk}/ml/mlflow/"
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path, params=None):
        return _materialized(self.client.get(self.base + path, params or {}, **self.headers))

    def post(self, path, body=None):
        return self.client.post(self.base + path, body or {}, content_type="application/json", **self.headers)

    def patch(self, path, body=None):
        return self.client.patch(
            self.base + path, body or {}, content_type="application/json", **self.headers
        )

    def delete(self, path, body=None):
        return self.client.delete(
            self.base + path, body or {}, content_type="application/json", **self.headers
        )


@pytest.fixture
def api(client, tenant) -> Api:
    return Api(client, tenant.project, tenant.write_token)


@pytest.fixture
def read_api(client, tenant) -> Api:
    return Api(client, tenant.project, tenant.read_token)


@pytest.fixture
def mlflow_env(live_server, tenant, monkeypatch):
    """The real mlflow client pointed at the live server as the tenant's developer. Returns the tracking URI."""
    uri = f"{live_server.url}/api/v4/projects/{tenant.project.pk}/ml/mlflow"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", tenant.write_token)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "60")
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    import mlflow
    import mlflow.tracking.fluent

    def forget_experiment():
        # mlflow.set_experiment keeps the experiment in a module global and in MLFLOW_EXPERIMENT_ID: an id of one
        # test's project would follow the next test into another project ("No Experiment with id=1 exists").
        mlflow.tracking.fluent._active_experiment_id = None
        os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
        os.environ.pop("MLFLOW_EXPERIMENT_NAME", None)

    forget_experiment()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    yield uri
    while mlflow.active_run() is not None:
        mlflow.end_run()
    forget_experiment()


@pytest.fixture
def mlflow_client(mlflow_env):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=mlflow_env, registry_uri=mlflow_env)


@pytest.fixture
def assert_query_count(request) -> QueryCountBaseline:
    """`with assert_query_count("experiment_detail"):` asserts the exact count in this folder's query_counts.json."""
    return QueryCountBaseline(request.path.parent / "query_counts.json")


def pytest_report_header(config):
    return f"database: {os.environ.get('DATABASE_URL') or 'embedded PostgreSQL (ASSAY_DATA_DIR)'}"
