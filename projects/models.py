"""Projects, their members (GitLab roles) and access tokens."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models


class Role(models.IntegerChoices):
    # GitLab's access levels, so a number means the same thing in both products.
    GUEST = 10, "Guest"
    REPORTER = 20, "Reporter"
    DEVELOPER = 30, "Developer"
    MAINTAINER = 40, "Maintainer"
    OWNER = 50, "Owner"


path_validator = RegexValidator(
    r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*(/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*$",
    "Use letters, digits, '_', '-', '.' and '/' between segments.",
)


class Project(models.Model):
    name = models.CharField(max_length=255)
    path = models.CharField(max_length=255, unique=True, validators=[path_validator])
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="projects")

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.path


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.PositiveSmallIntegerField(choices=Role.choices, default=Role.DEVELOPER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique_project_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.project} ({self.get_role_display()})"


class TokenScope(models.TextChoices):
    API = "api", "api (read and write)"
    READ_API = "read_api", "read_api (read only)"


class AccessToken(models.Model):
    """A personal token (project is null: acts as its user) or a project token (its user is a bot member).

    Only a SHA-256 digest of the secret is stored; the secret is shown once, at creation.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="access_tokens"
    )
    name = models.CharField(max_length=255)
    scopes = models.CharField(max_length=20, choices=TokenScope.choices, default=TokenScope.API)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=16, editable=False, help_text="First characters, to recognise a token."
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scopes == TokenScope.API


class InternalId(models.Model):
    """Per-scope counters (GitLab's internal_ids): experiment iids per project, candidate iids per experiment."""

    scope = models.CharField(max_length=40)
    scope_id = models.BigIntegerField()
    last_value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "scope_id"], name="internal_id_unique_scope")]
