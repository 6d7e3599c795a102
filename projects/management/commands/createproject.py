from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models.functions import Lower

from projects.models import Project
from projects.services import project_create, user_get_or_create


class Command(BaseCommand):
    help = "Create a project (idempotent: an existing path is left as it is). Prints the project id."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--name", default="")
        parser.add_argument("--owner", default=None, help="username; created if missing")

    def handle(self, *args, path, name, owner, **options):
        # Paths are case-insensitive: `Team/Proj` is the existing `team/proj`. A numeric path is a path here.
        project = Project.objects.alias(lower_path=Lower("path")).filter(lower_path=path.lower()).first()
        if project is None:
            try:
                project = project_create(
                    path=path, name=name, owner=user_get_or_create(username=owner) if owner else None
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(str(project.pk))
