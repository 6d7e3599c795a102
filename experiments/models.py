"""Experiments: named collections of comparable candidates in a project."""

from django.conf import settings
from django.db import models

from projects.mlflow_data import experiment_artifact_location
from projects.models import Project


class Lifecycle(models.TextChoices):
    ACTIVE = "active", "Active"
    DELETED = "deleted", "Deleted"


class Experiment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="experiments")
    iid = models.PositiveBigIntegerField(help_text="Number inside the project; MLflow's experiment_id.")
    name = models.CharField(max_length=500)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    lifecycle = models.CharField(max_length=10, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "iid"], name="experiment_unique_project_iid"),
            models.UniqueConstraint(fields=["project", "name"], name="experiment_unique_project_name"),
        ]
        indexes = [models.Index(fields=["project", "updated_at"], name="experiment_project_updated")]

    def __str__(self) -> str:
        return self.name

    @property
    def artifact_location(self) -> str:
        return experiment_artifact_location(self.iid)


class ExperimentMetadata(models.Model):
    """Experiment tags."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="metadata")
    name = models.CharField(max_length=250)
    value = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["experiment", "name"], name="experiment_metadata_unique_name")
        ]
