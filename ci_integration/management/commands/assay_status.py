from django.core.management.base import BaseCommand

from ci_integration.selectors import assay_status


class Command(BaseCommand):
    help = "Print Celery queue depths and pending/failed ingestion and CI enrichment counts."

    def handle(self, *args, **options):
        status = assay_status()
        broker = status["broker"]
        self.stdout.write(f"broker: {broker['broker']}")
        if broker["error"]:
            self.stdout.write(f"broker error: {broker['error']}")
        for queue, depth in broker["queues"].items():
            self.stdout.write(f"queue {queue}: {depth}")
        if broker["unacked"] is not None:
            self.stdout.write(f"unacked: {broker['unacked']}")
        for name in ("enrichment", "ingestion"):
            counts = status[name]
            if counts is None:
                self.stdout.write(f"{name}: no data")
                continue
            oldest = counts["oldest_pending"].isoformat() if counts["oldest_pending"] else "-"
            self.stdout.write(
                f"{name}: pending {counts['pending']}, failed {counts['failed']}, oldest pending {oldest}"
            )
        for failure in status["enrichment"]["recent_failures"]:
            self.stdout.write(
                f"  failed CI record {failure['pk']} (candidate {failure['candidate_id']}): "
                f"{failure['enrichment_reason']}"
            )
