"""Reads for registered models and versions. Every lookup goes through the caller's project."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from candidates.models import Candidate
from packages_registry.models import PackageFile
from projects.errors import InvalidValueError, NotFoundError
from projects.mlflow_data import ARTIFACTS_HTTP_PATH, artifact_uri_path
from projects.models import Project
from projects.querying import Comparison, NextPage, OrderKey, value_condition

from .models import Model, ModelAlias, ModelMetadata, ModelVersion, ModelVersionMetadata, Stage
from .semver import semver_next

# --------------------------------------------------------------------------- single objects


def model_get_for_project(*, project: Project, name: str) -> Model:
    model = Model.objects.filter(project=project, name=name or "").first()
    if model is None:
        raise NotFoundError(f"Registered Model with name={name} not found")
    return model


def model_version_get(*, model: Model, version: str | int) -> ModelVersion:
    """A version by MLflow's integer or by its SemVer."""
    text = str(version or "").strip()
    query = ModelVersion.objects.select_related("model", "candidate__experiment").filter(model=model)
    if text.isascii() and text.isdigit():  # str.isdigit() also accepts '²', which int() refuses
        found = query.filter(version=int(text)).first()
    else:
        found = query.filter(semver=text).first() if text else None
    if found is None:
        raise NotFoundError(f"Model Version (name={model.name}, version={text}) not found")
    return found


def model_version_get_by_alias(*, model: Model, alias: str) -> ModelVersion:
    row = ModelAlias.objects.select_related("version__model").filter(model=model, name=alias).first()
    if row is None:
        # The reference answers INVALID_PARAMETER_VALUE (not RESOURCE_DOES_NOT_EXIST) for a missing alias.
        raise InvalidValueError(f"Registered model alias {alias} not found.")
    return row.version


def model_version_for_candidate(*, candidate: Candidate) -> list[ModelVersion]:
    """Versions promoted from a candidate (for the candidate page's back link)."""
    return list(
        ModelVersion.objects.select_related("model").filter(candidate=candidate).order_by("-created_at")
    )


# --------------------------------------------------------------------------- search


def _tag_exists(metadata_model, parent_field: str, key: str, op: str, value) -> Q:
    if op == "!=":
        # A missing tag counts as "not equal": the 3.x client appends `tags.`mlflow.prompt.is_prompt` != 'true'`
        # to every registered-model search, and plain models do not carry that tag.
        return ~_tag_exists(metadata_model, parent_field, key, "=", value)
    subquery = metadata_model.objects.filter(Q(**{parent_field: OuterRef("pk")}), name=key).filter(
        value_condition("value", op, value)
    )
    return Q(Exists(subquery))


_MODEL_FIELDS = {"name": "name", "created_at": "created_at", "updated_at": "updated_at"}
_VERSION_FIELDS = {
    "model_name": "model__name",
    "candidate_eid_hex": "candidate_eid_hex",
    "source": "source",
    "version": "version",
    "created_at": "created_at",
    "updated_at": "updated_at",
}


def _where(comparisons: Sequence[Comparison], fields: dict[str, str], metadata_model, parent_field: str) -> Q:
    q = Q()
    for comparison in comparisons:
        if comparison.kind == "tag":
            q &= _tag_exists(metadata_model, parent_field, comparison.key, comparison.op, comparison.value)
        elif comparison.kind == "attribute" and comparison.key in fields:
            q &= value_condition(fields[comparison.key], comparison.op, comparison.value)
        else:
            raise InvalidValueError(f"Invalid attribute key '{comparison.key}' specified.")
    return q


def _ordering(order: Sequence[OrderKey], fields: dict[str, str]) -> list[str]:
    out = []
    for key in order:
        if key.kind != "attribute" or key.key not in fields:
            raise InvalidValueError(f"Invalid order by key '{key.key}' specified.")
        out.append(("" if key.ascending else "-") + fields[key.key])
    return out


def _versions_prefetch() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=ModelVersion.objects.prefetch_related("metadata", "aliases").order_by("-version"),
    )


def model_search(
    *,
    project: Project,
    comparisons: Sequence[Comparison],
    order: Sequence[OrderKey],
    limit: int,
    offset: int = 0,
) -> tuple[list[Model], NextPage | None]:
    """Models matching every comparison (attributes `name`; tags), ordered by `name`, `created_at` or
    `updated_at`, then name. One page and where the next starts; tags, aliases and versions come prefetched.
    """
    rows = list(
        Model.objects.filter(project=project)
        .filter(_where(comparisons, _MODEL_FIELDS, ModelMetadata, "model"))
        .order_by(*_ordering(order, _MODEL_FIELDS), "name", "pk")
        .prefetch_related("metadata", "aliases__version", _versions_prefetch())[offset : offset + limit + 1]
    )
    return rows[:limit], (NextPage(offset=offset + limit) if len(rows) > limit else None)


def model_version_search(
    *,
    project: Project,
    comparisons: Sequence[Comparison],
    order: Sequence[OrderKey],
    limit: int,
    offset: int = 0,
) -> tuple[list[ModelVersion], NextPage | None]:
    """Versions matching every comparison (attributes `model_name`, `candidate_eid_hex`, `source`, `version`; tags)."""
    rows = list(
        ModelVersion.objects.filter(model__project=project)
        .filter(_where(comparisons, _VERSION_FIELDS, ModelVersionMetadata, "version"))
        .select_related("model")
        .prefetch_related("metadata", "aliases")
        .order_by(*_ordering(order, _VERSION_FIELDS), "model__name", "-version")[offset : offset + limit + 1]
    )
    return rows[:limit], (NextPage(offset=offset + limit) if len(rows) > limit else None)


def model_with_details(*, model: Model) -> Model:
    """The model again with tags, aliases and versions (with their tags and aliases) prefetched."""
    return Model.objects.prefetch_related("metadata", "aliases__version", _versions_prefetch()).get(
        pk=model.pk
    )


def latest_versions(model: Model, stages: list[str] | None = None) -> list[ModelVersion]:
    """MLflow's get-latest-versions: the highest version per stage (all stages when none are given).

    Uses prefetched `versions` when present.
    """
    wanted = {s.lower() for s in stages} if stages else None
    if wanted is not None:
        valid = {s.value.lower() for s in Stage}
        bad = wanted - valid
        if bad:
            raise InvalidValueError(f"Invalid Model Version stage: {sorted(bad)[0]}.")
    best: dict[str, ModelVersion] = {}
    for version in model.versions.all():
        if wanted is not None and version.stage.lower() not in wanted:
            continue
        if version.stage not in best or version.version > best[version.stage].version:
            best[version.stage] = version
    return sorted(best.values(), key=lambda v: v.version)


# --------------------------------------------------------------------------- pages


PAGE_TAGS_LIMIT = 100  # tags listed on an edit page; more stay reachable through the API
SEARCH_MAX = 200  # characters of a list search


def model_list_for_page(*, project: Project, search: str = "") -> QuerySet[Model]:
    """Models for the list page (names containing `search`, case-insensitive, when given) with their versions
    count and latest version number, newest activity first."""
    models = Model.objects.filter(project=project)
    if search:
        models = models.filter(name__icontains=search[:SEARCH_MAX])
    return models.annotate(
        versions_count=Count("versions"), latest_version_number=Max("versions__version")
    ).order_by("-updated_at", "name")


def latest_semver_for_models(models: list[Model]) -> dict[int, ModelVersion]:
    """model pk → its highest version, in one query."""
    wanted = [(m.pk, m.latest_version_number) for m in models if getattr(m, "latest_version_number", None)]
    if not wanted:
        return {}
    q = Q()
    for pk, number in wanted:
        q |= Q(model_id=pk, version=number)
    return {v.model_id: v for v in ModelVersion.objects.filter(q)}


def model_for_page(*, project: Project, model_id: int) -> Model | None:
    return Model.objects.select_related("experiment").filter(project=project, pk=model_id).first()


def model_version_for_page(*, model: Model, version_id: int) -> ModelVersion | None:
    return (
        ModelVersion.objects.select_related("candidate__experiment", "package")
        .prefetch_related("aliases")
        .filter(model=model, pk=version_id)
        .first()
    )


def model_versions_for_page(*, model: Model) -> QuerySet[ModelVersion]:
    return (
        ModelVersion.objects.filter(model=model)
        .select_related("candidate__experiment")
        .prefetch_related("aliases")
        .order_by("-version")
    )


def model_suggest_for_candidate(*, candidate: Candidate) -> Model | None:
    """The model a candidate most likely belongs to, for the promote form to preselect, in one query: the model
    whose `[model]` experiment holds the candidate; else the model that versions from the candidate's experiment
    went to (the latest such version); else a model named like the experiment or the candidate."""
    experiment_id = candidate.experiment_id
    names = [n for n in (candidate.experiment.name, candidate.name) if n]
    rank = Case(
        When(experiment_id=experiment_id, then=Value(0)),
        When(versions__candidate__experiment_id=experiment_id, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        Model.objects.filter(project_id=candidate.project_id)
        .filter(
            Q(experiment_id=experiment_id)
            | Q(versions__candidate__experiment_id=experiment_id)
            | Q(name__in=names)
        )
        .annotate(rank=rank)
        .order_by("rank", F("versions__created_at").desc(nulls_last=True), "name")
        .first()
    )


def candidate_for_promote(*, project: Project, candidate_id: str) -> Candidate:
    """A candidate of the project by its database id or its run id (32 hex)."""
    text = (candidate_id or "").strip()
    query = Candidate.objects.select_related("experiment").filter(project=project)
    found = None
    if text.isdigit():
        found = query.filter(pk=int(text)).first()
    elif re.fullmatch(r"[0-9a-fA-F]{32}", text):
        found = query.filter(eid=text).first()
    if found is None:
        raise NotFoundError("Candidate not found")
    return found


@dataclass(frozen=True)
class VersionFile:
    path: str  # relative to the version's folder
    size: int
    download_url: str


PAGE_FILES_LIMIT = 200
PAGE_LINEAGE_LIMIT = 100


def model_version_files(*, version: ModelVersion, download_base: str) -> tuple[list[VersionFile], int]:
    """The version's files (at most PAGE_FILES_LIMIT) and their total count. `download_base` is the project's
    MLflow API root; files download through the artifacts endpoint, which also accepts a signed-in session."""
    if version.package_id is None:
        return [], 0
    prefix = f"{version.package_path}/" if version.package_path else ""
    rows = PackageFile.objects.filter(package_id=version.package_id, path__startswith=prefix).order_by("path")
    total = rows.count()
    root = artifact_uri_path(version.storage_location)
    files = []
    for path, size in rows.values_list("path", "size")[:PAGE_FILES_LIMIT]:
        relative = path[len(prefix) :]
        url = f"{download_base}/{ARTIFACTS_HTTP_PATH}/{root}/{relative}" if root else ""
        files.append(VersionFile(path=relative, size=size, download_url=url))
    return files, total


def candidate_lineage(*, candidate: Candidate | None) -> dict:
    """What a version's source candidate was run with and scored: params and latest metrics, bounded."""
    if candidate is None:
        return {"params": [], "metrics": []}
    return {
        "params": list(candidate.params.order_by("name").values_list("name", "value")[:PAGE_LINEAGE_LIMIT]),
        "metrics": list(
            candidate.latest_metrics.order_by("name").values_list("name", "value", "step")[
                :PAGE_LINEAGE_LIMIT
            ]
        ),
    }


def semver_suggestions(*, models: list[Model]) -> dict[str, str]:
    """model pk (as a string, for the form) → the SemVer its next version would get, in one query."""
    semvers: dict[int, list[str]] = {m.pk: [] for m in models}
    for model_id, semver in ModelVersion.objects.filter(model__in=models).values_list("model_id", "semver"):
        semvers[model_id].append(semver)
    return {str(m.pk): semver_next(semvers=semvers[m.pk], last_version=m.last_version) for m in models}
