"""Registered models, their versions, tags and aliases.

Version numbers: `version` is MLflow's integer (1, 2, 3 … per model, never reused after a delete — the client
needs integers and caches by them). `semver` is the SemVer shown on pages, GitLab's convention: the value of the
`gitlab.version` tag when one is given at creation (or the number typed in the promote form), otherwise `N.0.0`
for MLflow version N — or, if a custom SemVer already went past N, the next major after the highest one. A model
that never sets one reads `N.0.0` for version N, so the two numbers agree.
"""

from django.conf import settings
from django.db import models

from candidates.models import Candidate
from experiments.models import Experiment
from projects.models import Project

MODEL_EXPERIMENT_PREFIX = "[model]"


class Model(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ml_models")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    # GitLab's default experiment `[model]<name>`: candidates of versions created without a source run live here.
    experiment = models.OneToOneField(
        Experiment, on_delete=models.SET_NULL, null=True, blank=True, related_name="registered_model"
    )
    last_version = models.PositiveIntegerField(default=0, help_text="Counter for MLflow's integer versions.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="model_unique_project_name")]
        indexes = [models.Index(fields=["project", "-updated_at"], name="model_project_updated")]

    def __str__(self) -> str:
        return self.name


class ModelMetadata(models.Model):
    """Registered-model tags."""

    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="metadata")
    name = models.CharField(max_length=250)
    value = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "name"], name="model_metadata_unique_name")]


class VersionStatus(models.TextChoices):
    PENDING_REGISTRATION = "PENDING_REGISTRATION"
    FAILED_REGISTRATION = "FAILED_REGISTRATION"
    READY = "READY"


class Stage(models.TextChoices):
    # MLflow's deprecated stages, kept because older clients still call transition-stage.
    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"


class ModelVersion(models.Model):
    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(help_text="MLflow's integer version.")
    semver = models.CharField(max_length=255, help_text="SemVer shown on pages (see the module docstring).")
    description = models.TextField(blank=True)
    status = models.CharField(max_length=24, choices=VersionStatus.choices, default=VersionStatus.READY)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.NONE)
    # SET_NULL: deleting the candidate keeps the version; `candidate_eid_hex` and `source` still tell where it
    # came from.
    candidate = models.ForeignKey(
        Candidate, on_delete=models.SET_NULL, null=True, blank=True, related_name="model_versions"
    )
    candidate_eid_hex = models.CharField(max_length=32, blank=True)
    source = models.TextField(blank=True, help_text="The source URI as the client gave it.")
    storage_location = models.TextField(blank=True, help_text="Where the files are read from (download URI).")
    logged_model_id = models.CharField(max_length=64, blank=True, help_text="MLflow 3 model_id (m-…).")
    # The `ml_model` package holding the files, referenced, not copied: the logged model's package, or the
    # candidate's artifacts package with `package_path` the model's folder in it. SET_NULL: the version (and its
    # lineage) outlives a deleted source.
    package = models.ForeignKey(
        "packages_registry.Package",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="model_versions",
    )
    package_path = models.CharField(
        max_length=1024, blank=True, help_text="Folder of the files in the package."
    )
    run_link = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "version"], name="model_version_unique_version"),
            models.UniqueConstraint(fields=["model", "semver"], name="model_version_unique_semver"),
        ]
        indexes = [models.Index(fields=["candidate_eid_hex"], name="model_version_candidate_eid")]
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.model.name} {self.semver}"


class ModelVersionMetadata(models.Model):
    """Model-version tags."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="metadata")
    name = models.CharField(max_length=250)
    value = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="model_version_metadata_unique_name")
        ]


class ModelAlias(models.Model):
    """A named pointer (`champion`) from a model to one of its versions; moving it re-points the row."""

    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="aliases")
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "name"], name="model_alias_unique_name")]
        ordering = ["name"]
