"""Candidate pages under /<project path>/-/ml/candidates/<candidate id>/ (the global id, as GitLab)."""

from django.urls import path

from . import candidate_views as views

app_name = "candidates"

urlpatterns = [
    path("<int:candidate_id>/", views.candidate_detail, name="candidate_detail"),
    path("<int:candidate_id>/delete", views.candidate_delete, name="candidate_delete"),
    path("<int:candidate_id>/live.json", views.candidate_live, name="candidate_live"),
    path("<int:candidate_id>/metrics.json", views.candidate_metrics_data, name="candidate_metrics_data"),
    path(
        "<int:candidate_id>/metric-history.<str:fmt>",
        views.candidate_metric_download,
        name="candidate_metric_download",
    ),
]

urlpatterns += [
    path(
        "<int:candidate_id>/description",
        views.candidate_description_update,
        name="candidate_description_update",
    ),
]
