from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config import embedded_postgres


class Command(BaseCommand):
    help = (
        "Operate the embedded PostgreSQL under ASSAY_DATA_DIR (used when DATABASE_URL is unset). "
        "start: prints 'started' or 'running'; stop: 'stopped' or 'not running'; status: exit 1 when not running; "
        "uri: the connection URI (for psql/pg_dump)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop", "status", "uri"])

    def handle(self, *args, action, **options):
        data_dir = settings.DATA_DIR
        try:
            if action == "start":
                _, started = embedded_postgres.ensure(data_dir)
                self.stdout.write("started" if started else "running")
            elif action == "stop":
                self.stdout.write("stopped" if embedded_postgres.stop(data_dir) else "not running")
            else:
                server = embedded_postgres.status(data_dir)
                if server is None:
                    raise CommandError(f"the embedded PostgreSQL in {data_dir} is not running")
                self.stdout.write(server.uri() if action == "uri" else f"running (pid {server.pid})")
        except embedded_postgres.EmbeddedPostgresError as exc:
            raise CommandError(str(exc)) from exc
