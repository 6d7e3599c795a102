from django.conf import settings
from django.core.management.base import BaseCommand

from packages_registry import services


class Command(BaseCommand):
    help = (
        "Remove objects in artifact storage that no package file points at (uploads killed mid-way, rows deleted "
        "by a cascade) and abandoned S3 multipart uploads, older than --min-age-hours. Beat runs it periodically."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age-hours",
            type=int,
            default=settings.ASSAY_ORPHAN_MIN_AGE_HOURS,
            help="only objects older than this (default: ASSAY_ORPHAN_MIN_AGE_HOURS)",
        )

    def handle(self, *args, min_age_hours, **options):
        result = services.storage_orphans_collect(min_age_hours=min_age_hours)
        self.stdout.write(
            f"deleted {result.deleted} orphan objects, aborted {result.aborted_uploads} multipart uploads"
        )
