"""The Celery app. Queues are named by job: `artifacts` (ingestion) and `ci` (CI enrichment), plus `default`.

Workers: `celery -A config worker -Q artifacts,ci,default` (or one worker group per queue); one beat process:
`celery -A config beat`. Time limits, acks_late and the broker's visibility timeout come from settings (CELERY_*).
"""

import os

from celery import Celery
from celery.signals import worker_ready
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
        float(settings.ASSAY_INGEST_SWEEP_INTERVAL),
        sender.signature("packages_registry.tasks.sweep_pending_files"),
        name="artifacts-ingestion-sweep",
    )
    # Storage objects no row points at (uploads killed mid-way) and abandoned S3 multipart uploads.
    sender.add_periodic_task(
        float(settings.ASSAY_ORPHAN_COLLECT_INTERVAL),
        sender.signature("packages_registry.tasks.collect_orphans"),
        name="artifacts-orphan-collector",
    )


@worker_ready.connect
def _sweep_on_start(sender, **kwargs):
    """A worker killed whole (kill -9, OOM, power) leaves the messages it held unacknowledged in Redis until the
    visibility timeout (an hour): a worker that consumes `artifacts` re-queues every pending file when it starts,
    beat or no beat. Ingestion is idempotent, so files whose message is still queued are ingested once and the
    duplicate is a no-op."""
    from django.conf import settings

    queues = {queue.name for queue in sender.app.amqp.queues.consume_from.values()}
    if settings.ASSAY_INGEST_SWEEP_ON_START and "artifacts" in queues:
        sender.app.send_task(
            "packages_registry.tasks.sweep_pending_files", kwargs={"older_than_seconds": 0}, queue="artifacts"
        )


app.autodiscover_tasks()
