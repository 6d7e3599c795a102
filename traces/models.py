"""MLflow traces (`@mlflow.trace`): one recorded call of a traced function in an experiment.

A trace row holds what MLflow calls the trace's info (times, state, previews, metadata, tags); its spans are a
file, `traces.json`, that the client uploads through the artifact proxy into the trace's own package.
"""

from django.db import models

from packages_registry.models import Package
from projects.mlflow_data import trace_artifact_uri
from projects.models import Project


class TraceState(models.TextChoices):
    UNSPECIFIED = "STATE_UNSPECIFIED"
    OK = "OK"
    ERROR = "ERROR"
    IN_PROGRESS = "IN_PROGRESS"


class Trace(models.Model):
    """`trace_id` is the client's (`tr-<hex>`), unique in the project. Its files are the `ml_model` package
    `ml_trace_<experiment iid>` at version `<trace id>` (traces/services.py says why one per trace)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="traces")
    experiment = models.ForeignKey("experiments.Experiment", on_delete=models.CASCADE, related_name="traces")
    trace_id = models.CharField(max_length=50)
    client_request_id = models.CharField(max_length=250, blank=True)
    request_time = models.BigIntegerField(help_text="When the traced call started, ms since the epoch.")
    execution_duration = models.BigIntegerField(null=True, blank=True, help_text="Milliseconds.")
    state = models.CharField(max_length=20, choices=TraceState.choices, default=TraceState.UNSPECIFIED)
    request_preview = models.TextField(blank=True)
    response_preview = models.TextField(blank=True)
    # CASCADE, not PROTECT: deleting the trace's package (its spans) deletes the trace, whose info would point at
    # nothing; and a project's delete, which reaches both, is not refused.
    package = models.OneToOneField(Package, on_delete=models.CASCADE, related_name="trace")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "trace_id"], name="trace_unique_project_id")
        ]
        indexes = [models.Index(fields=["experiment", "-request_time"], name="trace_experiment_time")]

    def __str__(self) -> str:
        return self.trace_id

    @property
    def artifact_uri(self) -> str:
        return trace_artifact_uri(self.experiment.iid, self.trace_id)


class TraceTag(models.Model):
    trace = models.ForeignKey(Trace, on_delete=models.CASCADE, related_name="tags")
    key = models.CharField(max_length=250)
    value = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trace", "key"], name="trace_tag_unique_key")]


class TraceMetadata(models.Model):
    """MLflow's `trace_metadata` (request metadata): set once, with the trace."""

    trace = models.ForeignKey(Trace, on_delete=models.CASCADE, related_name="metadata")
    key = models.CharField(max_length=250)
    value = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trace", "key"], name="trace_metadata_unique_key")]
