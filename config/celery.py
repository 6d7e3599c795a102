"""The Celery app. Queues are named by job: `artifacts` (ingestion) and `ci` (CI enrichment), plus `default`.

Workers: `celery -A config worker -Q artifacts,ci,default` (or one worker group per queue); one beat process:
`celery -A config beat`. Time limits, acks_late and the broker's visibility timeout come from settings (CELERY_*).
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("assay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_default_queue = "default"
app.conf.task_queues = (Queue("default"), Queue("artifacts"), Queue("ci"))
app.conf.task_routes = {
    "packages_registry.tasks.*": {"queue": "artifacts"},
    "ci_integration.tasks.*": {"queue": "ci"},
}


@app.on_after_finalize.connect
def _beat_schedule(sender, **kwargs):
    """Periodic sweeps, run by the one `celery -A config beat` process."""
    from django.conf import settings

    # CI records the broker never got (it was down when the tag was set), or whose message was lost.
    sender.add_periodic_task(
        float(settings.ASSAY_CI_SWEEP_INTERVAL),
        sender.signature("ci_integration.tasks.ci_build_sweep"),
        name="ci-sweep",
    )
    # Package files still pending (uploaded while the broker was down, or their message was lost).
    sender.add_periodic_task(
        300.0,
        sender.signature("packages_registry.tasks.sweep_pending_files"),
        name="artifacts-ingestion-sweep",
    )


app.autodiscover_tasks()
