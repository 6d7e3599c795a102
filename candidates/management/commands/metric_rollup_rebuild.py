import time

from django.core.management.base import BaseCommand
from django.db import OperationalError
from psycopg import errors

from candidates.metrics.services import metric_rollup_rebuild
from candidates.models import Candidate

RETRIES = 8


def _busy(exc: OperationalError) -> bool:
    return isinstance(exc.__cause__, (errors.SerializationFailure, errors.DeadlockDetected))


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
        started, skipped = time.monotonic(), []
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            if not self._rebuild(chunk):  # a client kept logging into the batch: one candidate at a time
                skipped += [one for one in chunk if not self._rebuild([one])]
            self.stdout.write(
                f"{start + len(chunk)}/{len(ids)} candidates (last id {chunk[-1]}),"
                f" {time.monotonic() - started:.0f} s"
            )
        if skipped:
            # Still correct: their charts read the history exactly until a later run rebuilds them.
            self.stderr.write(
                f"busy, not rebuilt (run again with --candidate): {' '.join(map(str, skipped))}"
            )

    def _rebuild(self, ids: list[int]) -> bool:
        for attempt in range(RETRIES):
            try:
                metric_rollup_rebuild(candidate_ids=ids)
                return True
            except OperationalError as exc:
                # A client logged into these candidates meanwhile (PostgreSQL refused to count it wrong): again,
                # after a pause that grows, so a run logging steadily leaves a gap.
                if not _busy(exc):
                    raise
                time.sleep(0.05 * 2**attempt)
        return False
