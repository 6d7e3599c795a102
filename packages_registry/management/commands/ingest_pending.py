from django.core.management.base import BaseCommand

from packages_registry import services


class Command(BaseCommand):
    help = (
        "Ingest package files still pending (e.g. uploaded while the broker was down). Runs them in this "
        "process by default; --enqueue sends them to the `artifacts` queue instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the files instead of ingesting here"
        )
        parser.add_argument(
            "--older-than", type=int, default=0, help="only files pending for this many seconds"
        )
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, enqueue, older_than, limit, **options):
        file_ids = services.package_files_pending_ids(older_than_seconds=older_than, limit=limit)
        if enqueue:
            queued = services.ingestion_enqueue(file_ids=file_ids)
            self.stdout.write(f"queued {queued} of {len(file_ids)} pending files")
            return
        done = 0
        for file_id in file_ids:
            try:
                services.package_file_ingest(file_id=file_id)
                done += 1
            except Exception as exc:  # noqa: BLE001 - one bad file must not stop the sweep
                services.package_file_mark_failed(file_id=file_id, reason=f"{type(exc).__name__}: {exc}")
                self.stderr.write(f"file {file_id}: {type(exc).__name__}: {exc}")
        self.stdout.write(f"ingested {done} of {len(file_ids)} pending files")
