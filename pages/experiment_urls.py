"""Experiment pages under /<project path>/-/ml/experiments/ (GitLab's URLs: experiments by project iid)."""

from django.urls import path

from . import experiment_views as views
from . import performance_views

app_name = "experiments"

urlpatterns = [
    path("", views.experiment_list, name="experiment_list"),
    path("<int:iid>/", views.experiment_detail, name="experiment_detail"),
    path("<int:iid>/candidates.csv", views.experiment_candidates_csv, name="experiment_candidates_csv"),
    path(
        "<int:iid>/candidates/delete", views.experiment_candidates_delete, name="experiment_candidates_delete"
    ),
    path("<int:iid>/performance/", performance_views.experiment_performance, name="experiment_performance"),
    path(
        "<int:iid>/performance/data.json",
        performance_views.experiment_performance_data,
        name="experiment_performance_data",
    ),
    path(
        "<int:iid>/performance/points.json",
        performance_views.experiment_performance_points,
        name="experiment_performance_points",
    ),
    path(
        "<int:iid>/performance/summary.json",
        performance_views.experiment_performance_summary,
        name="experiment_performance_summary",
    ),
    path("<int:iid>/live.json", views.experiment_live, name="experiment_live"),
    path("<int:iid>/compare/", views.experiment_compare, name="experiment_compare"),
]
