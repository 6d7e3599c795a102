"""Packages (named, versioned bundles of files) and MLflow 3 logged models, which are stored as packages."""

import uuid

from django.conf import settings
from django.db import models

from projects.mlflow_data import logged_model_artifact_uri, logged_model_id_of
from projects.models import Project


class PackageType(models.TextChoices):
    GENERIC = "generic", "Generic"
    ML_MODEL = "ml_model", "ML model"


class PackageStatus(models.TextChoices):
    DEFAULT = "default", "Default"
    HIDDEN = "hidden", "Hidden"
    PENDING_DESTRUCTION = "pending_destruction", "Pending destruction"


class IngestionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Package(models.Model):
    """Candidate artifacts are the package `ml_experiment_<experiment iid>` at version `<candidate iid>`."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="packages")
    name = models.CharField(max_length=255)
    version = models.CharField(max_length=255)
    package_type = models.CharField(max_length=20, choices=PackageType.choices, default=PackageType.GENERIC)
    status = models.CharField(max_length=20, choices=PackageStatus.choices, default=PackageStatus.DEFAULT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "package_type", "name", "version"], name="package_unique_type_name_version"
            )
        ]
        indexes = [models.Index(fields=["project", "-created_at"], name="package_project_created")]

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


class PackageFile(models.Model):
    """One file in a package. `path` may contain '/' (nested directories); it is unique within the package.

    The object lives in the `artifacts` storage under `storage_key`, a fresh key per upload, so a replaced file
    is swapped in by one row update and a failed upload never touches the previous object.
    """

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=1024)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    md5 = models.CharField(max_length=32, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    storage_key = models.CharField(max_length=512, unique=True)
    ingestion_status = models.CharField(
        max_length=10, choices=IngestionStatus.choices, default=IngestionStatus.PENDING
    )
    ingestion_error = models.TextField(blank=True)
    ingested_at = models.DateTimeField(null=True, blank=True)
    preview_text = models.TextField(blank=True, help_text="First lines of a text/JSON/YAML/CSV file.")
    thumbnail = models.BinaryField(null=True, blank=True, help_text="PNG thumbnail of an image file.")
    metadata = models.JSONField(
        default=dict, blank=True, help_text="Parsed extras, e.g. an MLmodel's flavors."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["package", "path"], name="package_file_unique_path")]
        indexes = [models.Index(fields=["ingestion_status", "updated_at"], name="package_file_ingestion")]

    def __str__(self) -> str:
        return self.path

    @property
    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class LoggedModelStatus(models.TextChoices):
    PENDING = "LOGGED_MODEL_PENDING"
    READY = "LOGGED_MODEL_READY"
    UPLOAD_FAILED = "LOGGED_MODEL_UPLOAD_FAILED"


class LoggedModel(models.Model):
    """An MLflow 3 logged model (`m-<hex>`). Its files are the `ml_model` package
    `ml_logged_model_<experiment iid>` at version `m-<hex>`."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="logged_models")
    experiment = models.ForeignKey(
        "experiments.Experiment", on_delete=models.CASCADE, related_name="logged_models"
    )
    eid = models.UUIDField(default=uuid.uuid4, unique=True)
    name = models.CharField(max_length=500)
    model_type = models.CharField(max_length=255, blank=True)
    source_candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.SET_NULL, null=True, blank=True, related_name="logged_models"
    )
    # CASCADE: the package is the model's storage; deleting it (packages API, project deletion) deletes the model.
    package = models.OneToOneField(Package, on_delete=models.CASCADE, related_name="logged_model")
    status = models.CharField(
        max_length=40, choices=LoggedModelStatus.choices, default=LoggedModelStatus.PENDING
    )
    status_message = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["experiment", "name"], name="logged_model_experiment_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.model_id})"

    @property
    def model_id(self) -> str:
        return logged_model_id_of(self.eid)

    @property
    def artifact_uri(self) -> str:
        return logged_model_artifact_uri(self.experiment.iid, self.eid)


class LoggedModelTag(models.Model):
    logged_model = models.ForeignKey(LoggedModel, on_delete=models.CASCADE, related_name="tags")
    key = models.CharField(max_length=250)
    value = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["logged_model", "key"], name="logged_model_tag_unique_key")
        ]


class LoggedModelParam(models.Model):
    logged_model = models.ForeignKey(LoggedModel, on_delete=models.CASCADE, related_name="params")
    key = models.CharField(max_length=250)
    value = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["logged_model", "key"], name="logged_model_param_unique_key")
        ]


class LoggedModelMetric(models.Model):
    """A metric point logged with a `model_id` (MLflow 3): it belongs to the run's history and to the model's
    metrics (`LoggedModel.data.metrics`), e.g. the run's metrics that `log_model` links to the model it logged."""

    logged_model = models.ForeignKey(LoggedModel, on_delete=models.CASCADE, related_name="metrics")
    candidate = models.ForeignKey("candidates.Candidate", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=250)
    value = models.FloatField()
    timestamp = models.BigIntegerField()
    step = models.BigIntegerField(default=0)
    dataset_name = models.CharField(max_length=500, blank=True)
    dataset_digest = models.CharField(max_length=36, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["logged_model", "candidate", "key", "timestamp", "step", "value"],
                name="logged_model_metric_point",
            )
        ]


class LoggedModelOutput(models.Model):
    """A candidate's model output (MLflow `runs/outputs`): which logged model a run produced, at which step."""

    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="model_outputs"
    )
    logged_model = models.ForeignKey(LoggedModel, on_delete=models.CASCADE, related_name="outputs")
    step = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "logged_model"], name="logged_model_output_unique")
        ]


class LoggedModelInput(models.Model):
    """A candidate's model input (MLflow 3 `runs/log-inputs` with `models`): a logged model the run used."""

    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="model_inputs"
    )
    logged_model = models.ForeignKey(LoggedModel, on_delete=models.CASCADE, related_name="inputs")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "logged_model"], name="logged_model_input_unique")
        ]
