from django.contrib import admin
from django.urls import include, path, re_path

from packages_registry import api as packages_api
from packages_registry.openapi import openapi_schema

PROJECT = r"^(?P<project_path>[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*?)/-/"
API_PROJECT = r"^api/v4/projects/(?P<project_ref>[^/]+(?:/[^/]+)*?)/"

handler400 = "config.errors.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    re_path(API_PROJECT + "ml/mlflow/", include("mlflow_api.urls")),
    re_path(API_PROJECT + "packages/", include("packages_registry.api_urls")),
    # GitLab lists packages at .../packages (no slash); the OpenAPI schema of our own (non-MLflow) APIs.
    re_path(API_PROJECT + "packages$", packages_api.package_list),
    path("api/v4/openapi.json", openapi_schema, name="openapi_schema"),
    re_path(PROJECT + "ml/experiments/", include("experiments.urls")),
    re_path(PROJECT + "ml/candidates/", include("candidates.urls")),
    re_path(PROJECT + "ml/models/", include("model_registry.urls")),
    re_path(PROJECT + "packages/", include("packages_registry.urls")),
    path("-/ci/", include("ci_integration.urls")),
    path("", include("projects.urls")),
]
