"""Generic packages API routes, included at /api/v4/projects/<project_ref>/packages/."""

from django.urls import path, re_path

from . import api

urlpatterns = [
    re_path(
        r"^generic/(?P<package_name>[^/]+)/(?P<package_version>[^/]+)/(?P<file_path>.+)$",
        api.generic_file,
        name="generic_file",
    ),
    path("", api.package_list_slash, name="package_list_api"),
    path("<int:package_id>", api.package_detail, name="package_api"),
    path("<int:package_id>/package_files", api.package_file_list, name="package_file_list_api"),
    path("<int:package_id>/package_files/<int:file_id>", api.package_file_delete, name="package_file_api"),
]
