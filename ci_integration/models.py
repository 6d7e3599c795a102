"""A CI server per project, and the CI record (job, pipeline, merge request, user) of a candidate."""

from django.db import models

from candidates.models import Candidate
from projects.models import Project


class Provider(models.TextChoices):
    GITLAB = "gitlab", "GitLab"
    GITHUB = "github", "GitHub Actions"


class EnrichmentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    OK = "ok", "OK"
    NOT_FOUND = "not_found", "Not found"
    FAILED = "failed", "Failed"


class CiServer(models.Model):
    """Where a project's CI jobs can be looked up. The token is stored encrypted (see crypto.py)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="ci_server")
    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.GITLAB)
    url = models.URLField(
        help_text="GitLab instance URL (https://gitlab.example.com) or GitHub API URL (https://api.github.com)."
    )
    ci_project = models.CharField(
        max_length=255,
        blank=True,
        help_text="GitLab project id or path, or GitHub owner/repo. Empty: taken from the candidate's tags "
        "(gitlab.CI_PROJECT_ID / github.GITHUB_REPOSITORY).",
    )
    token_encrypted = models.TextField(blank=True, editable=False)
    timeout_seconds = models.PositiveSmallIntegerField(default=10, help_text="Per HTTP request.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.url} for {self.project}"

    @property
    def has_token(self) -> bool:
        return bool(self.token_encrypted)


class CiBuild(models.Model):
    """The CI job that produced a candidate. Filled from its tags at link time, then from the CI server's API."""

    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="ci_build")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ci_builds")
    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.GITLAB)
    server_url = models.CharField(max_length=2000, blank=True)
    ci_project = models.CharField(
        max_length=255, blank=True, help_text="GitLab project id/path, GitHub owner/repo"
    )

    job_id = models.BigIntegerField(null=True, blank=True)
    job_name = models.CharField(max_length=255, blank=True)
    job_stage = models.CharField(max_length=255, blank=True)
    job_status = models.CharField(max_length=32, blank=True)
    job_web_url = models.CharField(max_length=2000, blank=True)
    job_duration = models.FloatField(null=True, blank=True, help_text="seconds")

    pipeline_id = models.BigIntegerField(null=True, blank=True, help_text="GitHub: the workflow run id")
    pipeline_status = models.CharField(max_length=32, blank=True)
    pipeline_url = models.CharField(max_length=2000, blank=True)
    pipeline_ref = models.CharField(max_length=255, blank=True)
    pipeline_sha = models.CharField(max_length=64, blank=True)
    pipeline_source = models.CharField(max_length=64, blank=True)

    merge_request_iid = models.PositiveBigIntegerField(null=True, blank=True)
    merge_request_title = models.CharField(max_length=2000, blank=True)
    merge_request_url = models.CharField(max_length=2000, blank=True)

    user_name = models.CharField(max_length=255, blank=True)
    user_username = models.CharField(max_length=255, blank=True)
    user_avatar_url = models.CharField(max_length=2000, blank=True)
    user_url = models.CharField(max_length=2000, blank=True)

    enrichment_status = models.CharField(
        max_length=10, choices=EnrichmentStatus.choices, default=EnrichmentStatus.PENDING
    )
    enrichment_reason = models.TextField(blank=True)
    enrichment_attempts = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last hand-over to the broker; empty while the broker was unreachable.",
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    enriched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["enrichment_status", "enqueued_at"], name="ci_build_status_enqueued"),
            models.Index(fields=["project", "pipeline_id"], name="ci_build_project_pipeline"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} job {self.job_id or '-'} pipeline {self.pipeline_id or '-'}"

    @property
    def label(self) -> str:
        """Short text for a table cell: `#<job> <name>` on GitLab, `run <id>` on GitHub."""
        if self.provider == Provider.GITLAB:
            return f"#{self.job_id} {self.job_name}".strip()
        return f"run {self.pipeline_id} {self.job_name}".strip()
