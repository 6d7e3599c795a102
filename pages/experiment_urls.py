"""Experiment pages under /<project path>/-/ml/experiments/ (GitLab's URLs: experiments by project iid)."""

from django.urls import path

from . import compare_views, performance_views, table_views
from . import experiment_edit_views as edit_views
from . import experiment_views as views

app_name = "experiments"

urlpatterns = [
    path("", views.experiment_list, name="experiment_list"),
    path("<int:iid>/", views.experiment_detail, name="experiment_detail"),
    path("<int:iid>/candidates.csv", views.experiment_candidates_csv, name="experiment_candidates_csv"),
    path(
        "<int:iid>/candidates/delete", views.experiment_candidates_delete, name="experiment_candidates_delete"
    ),
    path(
        "<int:iid>/candidates/restore",
        table_views.experiment_candidates_restore,
        name="experiment_candidates_restore",
    ),
    path(
        "<int:iid>/candidates/children",
        table_views.experiment_candidate_children,
        name="experiment_candidate_children",
    ),
    path(
        "<int:iid>/candidates/table-prefs", table_views.experiment_table_prefs, name="experiment_table_prefs"
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
    path("<int:iid>/compare/", compare_views.experiment_compare, name="experiment_compare"),
    path(
        "<int:iid>/compare/data.json", compare_views.experiment_compare_data, name="experiment_compare_data"
    ),
    # Editing (experiment_edit_views): developer and up, as the MLflow API's writes.
    path("new/", edit_views.experiment_new, name="experiment_new"),
    path("deleted/", edit_views.experiment_deleted_list, name="experiment_deleted_list"),
    path("<int:iid>/edit/", edit_views.experiment_edit, name="experiment_edit"),
    path("<int:iid>/tags/set", edit_views.experiment_metadata_set, name="experiment_metadata_set"),
    path("<int:iid>/tags/delete", edit_views.experiment_metadata_delete, name="experiment_metadata_delete"),
    path("<int:iid>/delete", edit_views.experiment_delete, name="experiment_delete"),
    path("<int:iid>/restore", edit_views.experiment_restore, name="experiment_restore"),
]
