import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from projects.models import AccessToken, Project, Role
from projects.services import access_token_create, membership_set, project_create, token_digest

TOKEN_FILE_NAME = "demo-token"


class Command(BaseCommand):
    help = "Idempotently create the admin user, a demo project and an API token; print what to export."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--project", default="demo")

    def handle(self, *args, host, port, project, **options):
        from django.conf import settings

        User = get_user_model()
        admin = User.objects.filter(username="admin").first()
        password_file = settings.DATA_DIR / "admin-password"
        if admin is None:
            password = os.environ.get("ASSAY_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            admin = User.objects.create_superuser("admin", "admin@localhost", password)
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password)
        password = password_file.read_text() if password_file.exists() else "(set earlier; see the admin)"
        demo = Project.objects.filter(path=project).first() or project_create(path=project, name="Demo")
        membership_set(project=demo, user=admin, role=Role.OWNER)
        # The secret is never stored in the database; the demo keeps its copy in a file beside the SQLite db.
        token_file = settings.DATA_DIR / TOKEN_FILE_NAME
        secret = token_file.read_text().strip() if token_file.exists() else ""
        if (
            not secret
            or not AccessToken.objects.filter(digest=token_digest(secret), revoked_at__isnull=True).exists()
        ):
            _, secret = access_token_create(user=admin, name="demo")
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
            token_file.write_text(secret)
        base = f"http://{host}:{port}"
        self.stdout.write(
            "\n".join(
                [
                    f"Assay is starting on {base}/  (sign in as admin / {password})",
                    "For your training scripts:",
                    f"  export MLFLOW_TRACKING_URI={base}/api/v4/projects/{demo.pk}/ml/mlflow",
                    f"  export MLFLOW_TRACKING_TOKEN={secret}",
                    "",
                ]
            )
        )
