"""Reads of MLflow 3 logged models for pages: the models a candidate produced, one model's page, and the
state a model version inherits from the logged model it was registered from. Fixed query counts per call."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber

from projects.mlflow_data import LOGGED_MODEL_ID_PREFIX
from projects.models import Project

from .models import LoggedModel, LoggedModelMetric, LoggedModelOutput, LoggedModelStatus, PackageFile

MODELS_PER_CANDIDATE = 50
FILES_PER_MODEL = 20  # on the candidate page; the model's own page lists up to FILES_PER_MODEL_PAGE
FILES_PER_MODEL_PAGE = 500
MLMODEL_PATH = "MLmodel"


@dataclass
class SignatureColumn:
    name: str
    type: str


@dataclass
class LoggedModelSummary:
    model: LoggedModel
    file_count: int = 0
    total_size: int = 0
    files: list[PackageFile] = field(default_factory=list)
    flavors: list[str] = field(default_factory=list)
    inputs: list[SignatureColumn] = field(default_factory=list)
    outputs: list[SignatureColumn] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.model.status == LoggedModelStatus.UPLOAD_FAILED

    @property
    def status_label(self) -> str:
        return {
            LoggedModelStatus.READY: "ready",
            LoggedModelStatus.PENDING: "pending",
            LoggedModelStatus.UPLOAD_FAILED: "upload failed",
        }.get(self.model.status, self.model.status.lower())


def _columns(spec) -> list[SignatureColumn]:
    """MLflow signature inputs/outputs (a list of column or tensor specs) as (name, type) rows."""
    if not isinstance(spec, list):
        return []
    out = []
    for index, column in enumerate(spec[:200]):
        if not isinstance(column, dict):
            continue
        kind = str(column.get("type", ""))
        if kind == "tensor" and isinstance(column.get("tensor-spec"), dict):
            tensor = column["tensor-spec"]
            kind = f"tensor {tensor.get('dtype', '')} {tensor.get('shape', '')}".strip()
        out.append(SignatureColumn(name=str(column.get("name") or f"#{index}"), type=kind))
    return out


def _with_file_totals(models):
    files = PackageFile.objects.filter(package=OuterRef("package_id")).order_by().values("package")
    return models.annotate(
        file_count=Coalesce(Subquery(files.annotate(n=Count("pk")).values("n")), Value(0)),
        total_size=Coalesce(
            Subquery(files.annotate(s=Sum("size")).values("s"), output_field=IntegerField()), Value(0)
        ),
    )


def logged_model_summaries(*, models: list[LoggedModel], files_per_model: int) -> list[LoggedModelSummary]:
    """Files (the first `files_per_model` of each, by path) and MLmodel flavors/signature: 2 queries."""
    if not models:
        return []
    package_ids = [m.package_id for m in models]
    files: dict[int, list[PackageFile]] = {}
    ranked = (
        PackageFile.objects.filter(package_id__in=package_ids)
        .defer("thumbnail", "preview_text", "metadata")
        .annotate(rank=Window(RowNumber(), partition_by=[F("package_id")], order_by=F("path").asc()))
        .filter(rank__lte=files_per_model)
        .order_by("package_id", "path")
    )
    for package_file in ranked:
        files.setdefault(package_file.package_id, []).append(package_file)
    mlmodels = dict(
        PackageFile.objects.filter(package_id__in=package_ids, path=MLMODEL_PATH).values_list(
            "package_id", "metadata"
        )
    )
    out = []
    for model in models:
        parsed = (mlmodels.get(model.package_id) or {}).get("mlmodel") or {}
        signature = parsed.get("signature") or {}
        out.append(
            LoggedModelSummary(
                model=model,
                file_count=getattr(model, "file_count", 0) or 0,
                total_size=getattr(model, "total_size", 0) or 0,
                files=files.get(model.package_id, []),
                flavors=[str(f) for f in parsed.get("flavors") or []],
                inputs=_columns(signature.get("inputs")),
                outputs=_columns(signature.get("outputs")),
            )
        )
    return out


def logged_models_for_candidate(*, candidate) -> list[LoggedModelSummary]:
    """The logged models a candidate produced (its source models and its model outputs), oldest first, at most
    MODELS_PER_CANDIDATE: 3 queries."""
    outputs = LoggedModelOutput.objects.filter(candidate=candidate).values("logged_model_id")
    models = list(
        _with_file_totals(
            LoggedModel.objects.filter(project_id=candidate.project_id).filter(
                Q(source_candidate=candidate) | Q(pk__in=outputs)
            )
        )
        .select_related("package")
        .order_by("created_at", "pk")[:MODELS_PER_CANDIDATE]
    )
    return logged_model_summaries(models=models, files_per_model=FILES_PER_MODEL)


def logged_model_for_page(*, project: Project, model_id: str) -> LoggedModelSummary | None:
    """One logged model of the project with its params, tags, source candidate and files: 5 queries.
    None for an unknown id or another project's model."""
    try:
        eid = uuid.UUID(model_id.removeprefix(LOGGED_MODEL_ID_PREFIX))
    except ValueError:
        return None
    model = (
        _with_file_totals(LoggedModel.objects.filter(project=project, eid=eid))
        .select_related("experiment", "package", "source_candidate")
        .prefetch_related("params", "tags")
        .first()
    )
    if model is None:
        return None
    return logged_model_summaries(models=[model], files_per_model=FILES_PER_MODEL_PAGE)[0]


def logged_model_failed_ids(*, project: Project, model_ids: list[str]) -> set[str]:
    """Which of these logged model ids (`m-<hex>`) failed their upload: 1 query (none for no ids)."""
    eids = []
    for model_id in model_ids:
        try:
            eids.append(uuid.UUID((model_id or "").removeprefix(LOGGED_MODEL_ID_PREFIX)))
        except ValueError:
            continue
    if not eids:
        return set()
    failed = LoggedModel.objects.filter(
        project=project, eid__in=eids, status=LoggedModelStatus.UPLOAD_FAILED
    ).values_list("eid", flat=True)
    return {f"{LOGGED_MODEL_ID_PREFIX}{eid.hex}" for eid in failed}


MODEL_METRICS_MAX = 500


def logged_model_latest_metrics(*, model: LoggedModel) -> list[LoggedModelMetric]:
    """The latest point of each of the model's metrics (per metric and dataset), by name: 1 query, at most
    MODEL_METRICS_MAX rows."""
    return list(
        LoggedModelMetric.objects.filter(logged_model=model)
        .order_by("key", "dataset_name", "-timestamp", "-step", "-pk")
        .distinct("key", "dataset_name")[:MODEL_METRICS_MAX]
    )
