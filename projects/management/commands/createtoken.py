from django.core.management.base import BaseCommand, CommandError

from projects.models import Project, Role, TokenScope
from projects.selectors import project_get_by_ref
from projects.services import access_token_create, membership_grant, user_get_or_create

ROLES = {role.label.lower(): role for role in Role}


class Command(BaseCommand):
    help = "Create a personal access token for a user with a role in a project; prints only the secret."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="project path or id")
        parser.add_argument("--user", required=True, help="username; created if missing")
        parser.add_argument("--role", default="developer", choices=sorted(ROLES))
        parser.add_argument(
            "--lower-role",
            action="store_true",
            help="set --role even if the user already has a higher one (without it a higher role is kept)",
        )
        parser.add_argument("--scopes", default="api", choices=[s.value for s in TokenScope])
        parser.add_argument("--name", default="cli")

    def handle(self, *args, project, user, role, lower_role, scopes, name, **options):
        found: Project | None = project_get_by_ref(ref=project)
        if found is None:
            raise CommandError(f"project {project!r} does not exist (create it with createproject)")
        account = user_get_or_create(username=user)
        membership = membership_grant(project=found, user=account, role=ROLES[role], lower=lower_role)
        if membership.role > ROLES[role]:
            self.stderr.write(
                f"{user} keeps the {Role(membership.role).label.lower()} role in {found.path} "
                f"(asked for {role}; pass --lower-role to lower it)"
            )
        _, secret = access_token_create(user=account, name=name, scopes=scopes)
        self.stdout.write(secret)
