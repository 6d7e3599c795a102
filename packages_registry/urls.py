"""Package registry pages, included at /<project_path>/-/packages/."""

from django.urls import path

from . import views

app_name = "packages_registry"

urlpatterns = [
    path("", views.package_list, name="package_list"),
    path("<int:package_id>/", views.package_detail, name="package_detail"),
    path("<int:package_id>/files/<int:file_id>/", views.package_file_detail, name="package_file_detail"),
    path(
        "<int:package_id>/files/<int:file_id>/download",
        views.package_file_download,
        name="package_file_download",
    ),
    path(
        "<int:package_id>/files/<int:file_id>/thumbnail",
        views.package_file_thumbnail,
        name="package_file_thumbnail",
    ),
]
