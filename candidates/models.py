"""Candidates (MLflow runs) and what is logged to them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Left

from experiments.models import Experiment, Lifecycle
from projects.mlflow_data import PARENT_RUN_TAG, eid_hex_of, run_artifact_uri
from projects.models import Project


class Status(models.TextChoices):
    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"


class Candidate(models.Model):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="candidates")
    # Denormalised from the experiment: every lookup goes through the project the caller may see.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="candidates")
    iid = models.PositiveBigIntegerField(help_text="Number inside the experiment.")
    eid = models.UUIDField(default=uuid.uuid4, unique=True, help_text="MLflow's run id is its 32-hex form.")
    name = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    start_time = models.BigIntegerField(null=True, blank=True, help_text="ms since the epoch")
    end_time = models.BigIntegerField(null=True, blank=True, help_text="ms since the epoch")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    user_name = models.CharField(
        max_length=255, blank=True, help_text="MLflow's user_id as the client sent it"
    )
    lifecycle = models.CharField(max_length=10, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["experiment", "iid"], name="candidate_unique_experiment_iid"),
        ]
        indexes = [
            models.Index(fields=["experiment", "lifecycle", "-start_time"], name="candidate_exp_life_start"),
            models.Index(fields=["project", "status"], name="candidate_project_status"),
            # The experiment pages' counts and last activity (pages/experiment_selectors.py): running candidates
            # are few, and updated_at changes only with status, name or lifecycle (never with a logged value).
            models.Index(
                fields=["experiment", "lifecycle"],
                condition=Q(status=Status.RUNNING),
                name="candidate_exp_running",
            ),
            models.Index(
                fields=["experiment", "lifecycle", "-updated_at"], name="candidate_exp_life_updated"
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.eid)

    @property
    def account_name(self) -> str:
        """Who created it: the account of the token (or session) that did, which the client cannot choose."""
        return self.user.username if self.user_id and self.user else ""

    @property
    def reported_user_name(self) -> str:
        """MLflow's user_id as the client sent it (`mlflow.user`), when it differs from the account: anyone can
        send any name, so pages show it only second to the account."""
        return self.user_name if self.user_name != self.account_name else ""

    @property
    def eid_hex(self) -> str:
        """The candidate's external id as 32 hex digits (what MLflow calls the run id)."""
        return eid_hex_of(self.eid)

    @property
    def package_name(self) -> str:
        return f"ml_experiment_{self.experiment.iid}"

    @property
    def artifact_uri(self) -> str:
        # Resolved by the mlflow client against the tracking URI (projects.mlflow_data.ARTIFACTS_HTTP_PATH).
        return run_artifact_uri(self.experiment.iid, self.eid)


class CandidateParam(models.Model):
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="params")
    name = models.CharField(max_length=250)
    value = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "name"], name="candidate_param_unique_name")
        ]
        indexes = [
            # By name (filters, column lists), and the table's sort by a param: walked in order, a page is read
            # instead of a sort of every candidate that has the param (candidates/table.py, TEXT_SORT_PREFIX).
            models.Index(F("name"), Left("value", 200), F("candidate"), name="candidate_param_name_value"),
        ]


class CandidateMetadata(models.Model):
    """Candidate tags (including MLflow's system tags `mlflow.*`)."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="metadata")
    name = models.CharField(max_length=250)
    value = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "name"], name="candidate_metadata_unique_name")
        ]
        indexes = [
            models.Index(fields=["name"], name="candidate_metadata_name"),
            # The table's sort by a tag walks this in order (a bounded prefix: a btree entry must stay small,
            # and tag values may be long). See candidates/table.py, TEXT_SORT_PREFIX.
            models.Index(F("name"), Left("value", 200), F("candidate"), name="candidate_metadata_name_value"),
            # Children of a parent (mlflow.parentRunId = the parent's 32-hex run id): candidates/table_nested.py.
            models.Index(
                Left("value", 64), name="candidate_metadata_parent", condition=Q(name=PARENT_RUN_TAG)
            ),
        ]


class CandidateMetric(models.Model):
    """One point of a metric's history. NaN and ±inf are stored as they came."""

    # The hottest insert path: no database FK (its per-row trigger cost ~40% of a 1,000-point batch) and no
    # separate candidate_id index (the history index leads with it). Writes check the candidate first and
    # Django's CASCADE still deletes the rows with their candidate.
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="metrics", db_constraint=False, db_index=False
    )
    name = models.CharField(max_length=250)
    value = models.FloatField()
    step = models.BigIntegerField(default=0)
    timestamp = models.BigIntegerField(help_text="ms since the epoch")

    class Meta:
        # One row per distinct point, as MLflow's primary key (key, timestamp, step, value per run): the same point
        # logged again is kept once (MLflow 3's log_model logs the run's metrics again with the model's id). It is
        # also the history index: every column a history read needs is in it, so reads (API and charts) are
        # index-only scans, and its (candidate, name, step) prefix serves step ranges.
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "name", "step", "timestamp", "value"], name="candidate_metric_point"
            )
        ]


# Rollup levels: blocks of 32, 256, 2,048 and 16,384 steps (a factor 8 apart; see candidates/metrics/charts.py
# for how a chart picks one and docs/bench.md, "Long histories", for the measurements behind the sizes).
ROLLUP_SHIFTS = (5, 8, 11, 14)


class CandidateMetricRollup(models.Model):
    """Min/max of one metric's history over a block of steps, kept on write for long-history charts.

    Block `block` at level `shift` holds the points with `step >> shift == block` (an arithmetic shift: floor
    division by 2**shift, so negative steps fall in negative blocks and every block edge fits in int64). Every
    level in ROLLUP_SHIFTS is written with each history insert, in its statement; `n` counts the points actually
    stored (a point logged again is not counted twice). min/max follow PostgreSQL's float8 order, so NaN sorts
    above +inf exactly as the history's own min()/max() do."""

    # As CandidateMetric: no database FK (an RI check per new block on the hot insert path) and no separate
    # candidate index (the unique one leads with it); Django's CASCADE deletes the rows with their candidate.
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    name = models.CharField(max_length=250)
    shift = models.PositiveSmallIntegerField(help_text="block size is 2**shift steps")
    block = models.BigIntegerField(help_text="step >> shift")
    vmin = models.FloatField()
    vmax = models.FloatField()
    smin = models.BigIntegerField()
    smax = models.BigIntegerField()
    tmin = models.BigIntegerField()
    tmax = models.BigIntegerField()
    n = models.BigIntegerField()

    class Meta:
        # Covering: a chart bucket reads a range of blocks by an index-only scan, as the history index serves
        # exact buckets.
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "name", "shift", "block"],
                include=["vmin", "vmax", "smin", "smax", "tmin", "tmax", "n"],
                name="candidate_metric_rollup_block",
            )
        ]


class CandidateLatestMetric(models.Model):
    """The latest value per (candidate, metric), kept on write by MLflow's rule: max step, then timestamp, then value."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="latest_metrics")
    name = models.CharField(max_length=250)
    value = models.FloatField()
    step = models.BigIntegerField(default=0)
    timestamp = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "name"], name="candidate_latest_metric_unique_name")
        ]
        indexes = [models.Index(fields=["name", "value"], name="candidate_latest_metric_value")]


class CandidateInput(models.Model):
    """A dataset input (MLflow log_inputs): dataset identity plus the input's tags (e.g. context=training)."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="inputs")
    name = models.CharField(max_length=500)
    digest = models.CharField(max_length=36)
    source_type = models.CharField(max_length=36, blank=True)
    source = models.TextField(blank=True)
    schema = models.TextField(blank=True)
    profile = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "name", "digest"], name="candidate_input_unique_dataset"
            )
        ]


class CandidateTablePrefs(models.Model):
    """One person's view of one experiment's candidates table: chosen columns, hidden and pinned rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="+")
    columns = models.JSONField(default=list, blank=True, help_text="`col` values; empty: the default columns")
    hidden = models.JSONField(default=list, blank=True, help_text="candidate ids")
    pinned = models.JSONField(default=list, blank=True, help_text="candidate ids")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "experiment"], name="candidate_table_prefs_unique_user")
        ]
