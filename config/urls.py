from django.contrib import admin
from django.urls import include, path, re_path

urlpatterns = [
    path("admin/", admin.site.urls),
    re_path(r"^api/v4/projects/(?P<project_ref>[^/]+(?:/[^/]+)*?)/ml/mlflow/", include("mlflow_api.urls")),
    path("", include("projects.urls")),
]
