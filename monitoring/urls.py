from django.urls import path

from . import metrics, views

urlpatterns = [
    path("-/liveness", views.liveness, name="liveness"),
    path("-/readiness", views.readiness, name="readiness"),
    path("-/metrics", metrics.metrics, name="metrics"),
]
