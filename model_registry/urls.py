"""Model registry pages under /<project path>/-/ml/models/ (GitLab's URLs: models and versions by database id).

Other apps link here with reverse("model_registry:<name>", args=[project.path, ...]); the candidate page links to
the promote form as reverse("model_registry:promote", args=[project.path]) + "?candidate=<candidate id>".
"""

from django.urls import path

from . import edit_views, views

app_name = "model_registry"

urlpatterns = [
    path("", views.model_list, name="model_list"),
    path("promote", views.model_version_promote, name="promote"),
    path("<int:model_id>/", views.model_detail, name="model_detail"),
    path("<int:model_id>/versions/<int:version_id>/", views.model_version_detail, name="version_detail"),
    # Editing (edit_views): developer and up, as the MLflow API's registry writes.
    path("<int:model_id>/edit/", edit_views.model_edit, name="model_edit"),
    path("<int:model_id>/tags/set", edit_views.model_tag_set, name="model_tag_set"),
    path("<int:model_id>/tags/delete", edit_views.model_tag_delete, name="model_tag_delete"),
    path("<int:model_id>/aliases/set", edit_views.model_alias_set, name="model_alias_set"),
    path("<int:model_id>/aliases/delete", edit_views.model_alias_delete, name="model_alias_delete"),
    path("<int:model_id>/delete", edit_views.model_delete, name="model_delete"),
    path("<int:model_id>/versions/<int:version_id>/edit/", edit_views.version_edit, name="version_edit"),
    path(
        "<int:model_id>/versions/<int:version_id>/tags/set",
        edit_views.version_tag_set,
        name="version_tag_set",
    ),
    path(
        "<int:model_id>/versions/<int:version_id>/tags/delete",
        edit_views.version_tag_delete,
        name="version_tag_delete",
    ),
    path("<int:model_id>/versions/<int:version_id>/stage", edit_views.version_stage, name="version_stage"),
    path("<int:model_id>/versions/<int:version_id>/delete", edit_views.version_delete, name="version_delete"),
]
