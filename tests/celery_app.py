"""The project's Celery app as a test's worker process runs it: its broker keys under the test's prefix
(tests/broker.py), and no remote control, so a broadcast from another session never reaches it."""

import os

from django.conf import settings

from config.celery import app

app.conf.broker_transport_options = {
    **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": os.environ["ASSAY_TEST_BROKER_PREFIX"],
}
app.conf.worker_enable_remote_control = False

__all__ = ["app"]
