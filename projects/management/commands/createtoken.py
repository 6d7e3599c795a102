from django.core.management.base import BaseCommand, CommandError

from projects.models import Project, Role, TokenScope
from projects.services import access_token_create, membership_set, user_get_or_create

ROLES = {role.label.lower(): role for role in Role}


class Command(BaseCommand):
    help = "Create a personal access token for a user with a role in a project; prints only the secret."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="project path or id")
        parser.add_argument("--user", required=True, help="username; created if missing")
        parser.add_argument("--role", default="developer", choices=sorted(ROLES))
        parser.add_argument("--scopes", default="api", choices=[s.value for s in TokenScope])
        parser.add_argument("--name", default="cli")

    def handle(self, *args, project, user, role, scopes, name, **options):
        found = Project.objects.filter(pk=int(project)).first() if project.isdigit() else None
        found = found or Project.objects.filter(path=project).first()
        if found is None:
            raise CommandError(f"project {project!r} does not exist (create it with createproject)")
        account = user_get_or_create(username=user)
        membership_set(project=found, user=account, role=ROLES[role])
        _, secret = access_token_create(user=account, name=name, scopes=scopes)
        self.stdout.write(secret)
