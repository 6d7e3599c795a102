import time

from django.core.management.base import BaseCommand
from django.db import OperationalError
from psycopg import errors

from candidates.metrics.services import metric_rollup_rebuild
from candidates.models import Candidate

RETRIES = 5


class Command(BaseCommand):
    help = (
        "Rebuild the metric rollup (candidates.0011 leaves large histories to this) from the history, online: a "
        "batch of candidates per transaction; their charts read the history exactly until their blocks exist."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--candidate", type=int, action="append", help="candidate id (repeatable); default all"
        )
        parser.add_argument("--after", type=int, default=0, help="resume: only candidates with a larger id")
        parser.add_argument("--batch", type=int, default=20, help="candidates per transaction")

    def handle(self, *args, candidate, after, batch, **options):
        ids = candidate or list(
            Candidate.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)
        )
        started = time.monotonic()
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            for attempt in range(1, RETRIES + 1):
                try:
                    metric_rollup_rebuild(candidate_ids=chunk)
                    break
                except OperationalError as exc:
                    # A client logged to one of these candidates meanwhile: start the batch again.
                    retry = isinstance(exc.__cause__, (errors.SerializationFailure, errors.DeadlockDetected))
                    if not retry or attempt == RETRIES:
                        raise
            self.stdout.write(
                f"{start + len(chunk)}/{len(ids)} candidates (last id {chunk[-1]}),"
                f" {time.monotonic() - started:.0f} s"
            )
