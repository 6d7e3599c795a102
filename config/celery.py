"""The Celery app. Queues are named by job: `artifacts` (ingestion) and `ci` (CI enrichment)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("assay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_default_queue = "default"
app.conf.task_routes = {
    "packages_registry.tasks.*": {"queue": "artifacts"},
    "ci_integration.tasks.*": {"queue": "ci"},
}
app.autodiscover_tasks()
