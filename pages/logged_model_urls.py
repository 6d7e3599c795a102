"""Logged model pages under /<project path>/-/ml/logged-models/<model id>/ (MLflow 3's `m-<hex>` id)."""

from django.urls import path

from . import logged_model_views as views

app_name = "logged_models"

urlpatterns = [
    path("<str:model_id>/", views.logged_model_detail, name="logged_model_detail"),
]
