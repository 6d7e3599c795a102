"""Model registry pages under /<project path>/-/ml/models/ (GitLab's URLs: models and versions by database id).

Other apps link here with reverse("model_registry:<name>", args=[project.path, ...]); the candidate page links to
the promote form as reverse("model_registry:promote", args=[project.path]) + "?candidate=<candidate id>".
"""

from django.urls import path

from . import views

app_name = "model_registry"

urlpatterns = [
    path("", views.model_list, name="model_list"),
    path("promote", views.model_version_promote, name="promote"),
    path("<int:model_id>/", views.model_detail, name="model_detail"),
    path("<int:model_id>/versions/<int:version_id>/", views.model_version_detail, name="version_detail"),
]
