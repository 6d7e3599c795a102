from django.contrib import admin
from django.urls import include, path, re_path

from mlflow_api.tracking_root import tracking_root
from packages_registry import api as packages_api
from pages import link_views
from projects import api as projects_api
from projects import personal_api, token_urls
from projects.rest import OpenApiDocument, api_not_found

PROJECT = r"^(?P<project_path>[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*?)/-/"
API_PROJECT = r"^api/v4/projects/(?P<project_ref>[^/]+(?:/[^/]+)*?)/"

handler400 = "config.errors.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    # The tracking URI itself (no slash): the page behind the links the MLflow client prints.
    re_path(API_PROJECT + "ml/mlflow$", tracking_root),
    re_path(API_PROJECT + "ml/mlflow/", include("mlflow_api.urls")),
    re_path(API_PROJECT + "packages/", include("packages_registry.api_urls")),
    # GitLab lists packages at .../packages (no slash); the OpenAPI schema of our own (non-MLflow) APIs.
    re_path(API_PROJECT + "packages$", packages_api.package_list),
    re_path(API_PROJECT + r"access_tokens$", projects_api.access_token_list, name="access_token_list_api"),
    re_path(
        API_PROJECT + r"access_tokens/(?P<token_id>[0-9]{1,18})$",
        projects_api.access_token_detail,
        name="access_token_api",
    ),
    path("api/v4/personal_access_tokens", personal_api.personal_access_token_list_view),
    re_path(
        r"^api/v4/personal_access_tokens/(?P<token_id>[0-9]{1,18}|self)$",
        personal_api.personal_access_token_detail_view,
    ),
    path("api/v4/user/personal_access_tokens", personal_api.personal_access_token_create_view),
    path("api/v4/openapi.json", OpenApiDocument.as_view(), name="openapi_schema"),
    re_path(PROJECT + "$", link_views.project_home, name="project_home"),
    re_path(PROJECT + "ml/mlflow-link$", link_views.mlflow_link, name="mlflow_link"),
    *token_urls.project_urlpatterns(PROJECT),
    re_path(PROJECT + "ml/experiments/", include("pages.experiment_urls")),
    re_path(PROJECT + "ml/candidates/", include("pages.candidate_urls")),
    re_path(PROJECT + "ml/logged-models/", include("pages.logged_model_urls")),
    re_path(PROJECT + "ml/models/", include("model_registry.urls")),
    re_path(PROJECT + "packages/", include("packages_registry.urls")),
    path("-/ci/", include("ci_integration.urls")),
    *token_urls.personal_urlpatterns,
    path("", include("monitoring.urls")),
    path("", include("projects.urls")),
    # Last: an /api/v4/ path nothing above matched (the MLflow API has its own catch-all) is JSON, not HTML.
    re_path(r"^api/v4/", api_not_found),
]
