"""Reads for packages and files. Every lookup goes through the project the caller may see."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse

from candidates.models import Candidate
from candidates.selectors import data_branch_columns
from projects.db import quoted_tables
from projects.errors import NotFoundError
from projects.mlflow_data import logged_model_id_sql
from projects.models import Project

from .models import LoggedModel, LoggedModelInput, LoggedModelOutput, Package, PackageFile, PackageType


def package_list(*, project: Project, name: str = "", package_type: str = "") -> QuerySet[Package]:
    """Packages with `file_count` and `total_size` annotations, newest first; `name` matches a substring."""
    packages = Package.objects.filter(project=project)
    if name:
        packages = packages.filter(name__icontains=name)
    if package_type:
        packages = packages.filter(package_type=package_type)
    return packages.annotate(file_count=Count("files"), total_size=Sum("files__size")).order_by(
        "-created_at", "-pk"
    )


def package_get_for_project(*, project: Project, package_id: int) -> Package:
    package = Package.objects.filter(project=project, pk=package_id).first()
    if package is None:
        raise NotFoundError("404 Package Not Found")
    return package


def package_find(*, project: Project, name: str, version: str, package_type: str) -> Package | None:
    return Package.objects.filter(
        project=project, name=name, version=version, package_type=package_type
    ).first()


def package_file_get(*, package: Package, path: str) -> PackageFile | None:
    return PackageFile.objects.filter(package=package, path=path).first()


def package_files(*, package: Package) -> QuerySet[PackageFile]:
    return PackageFile.objects.filter(package=package).order_by("path")


@dataclass(frozen=True)
class Entry:
    """A direct child of a directory in a package: a file (with its size) or a sub-directory."""

    name: str
    is_dir: bool
    size: int | None


def package_directory_list(*, package: Package | None, prefix: str) -> list[Entry]:
    """Direct children of directory `prefix` ('' = root). An unknown directory lists as []."""
    if package is None:
        return []
    files = PackageFile.objects.filter(package=package)
    base = prefix + "/" if prefix else ""
    if base:
        files = files.filter(path__startswith=base)
    dirs: set[str] = set()
    entries: list[Entry] = []
    for path, size in files.values_list("path", "size").iterator(chunk_size=2000):
        rest = path[len(base) :]
        if "/" in rest:
            dirs.add(rest.split("/", 1)[0])
        else:
            entries.append(Entry(name=rest, is_dir=False, size=size))
    entries.extend(Entry(name=d, is_dir=True, size=None) for d in dirs)
    return sorted(entries, key=lambda e: e.name)


def package_for_candidate(*, candidate) -> Package | None:
    """The package holding a candidate's artifacts, or None when nothing was logged yet."""
    return package_find(
        project=candidate.project,
        name=f"ml_experiment_{candidate.experiment.iid}",
        version=str(candidate.iid),
        package_type=PackageType.ML_MODEL,
    )


def package_url(*, package: Package) -> str:
    """The package page (for links from candidate and model pages)."""
    return reverse(
        "packages_registry:package_detail",
        kwargs={"project_path": package.project.path, "package_id": package.pk},
    )


def candidate_for_package(*, package: Package):
    """The candidate whose artifacts a package holds (for the link back from the package page), or None."""
    if package.package_type != PackageType.ML_MODEL or not package.name.startswith("ml_experiment_"):
        return None
    exp_iid, version = package.name.removeprefix("ml_experiment_"), package.version
    if not (exp_iid.isdigit() and version.isdigit()):
        return None
    return (
        Candidate.objects.select_related("experiment")
        .filter(project_id=package.project_id, experiment__iid=int(exp_iid), iid=int(version))
        .first()
    )


def package_files_for_page(*, package: Package) -> QuerySet[PackageFile]:
    """Files in path order without their thumbnail bytes (a flag says whether there is one)."""
    from django.db.models import BooleanField, ExpressionWrapper

    return (
        PackageFile.objects.filter(package=package)
        .defer("thumbnail", "metadata")
        .annotate(has_thumbnail=ExpressionWrapper(Q(thumbnail__isnull=False), output_field=BooleanField()))
        .order_by("path")
    )


@dataclass(frozen=True)
class TreeRow:
    depth: int
    name: str
    is_dir: bool
    file: PackageFile | None = None


def file_tree_rows(*, files: list[PackageFile]) -> list[TreeRow]:
    """Files (sorted by path) interleaved with the directory rows that open before them, for an indented tree."""
    rows: list[TreeRow] = []
    open_dirs: list[str] = []
    for package_file in files:
        parts = package_file.path.split("/")
        dirs = parts[:-1]
        common = 0
        while common < min(len(dirs), len(open_dirs)) and dirs[common] == open_dirs[common]:
            common += 1
        for depth in range(common, len(dirs)):
            rows.append(TreeRow(depth=depth, name=dirs[depth] + "/", is_dir=True))
        open_dirs = dirs
        rows.append(TreeRow(depth=len(dirs), name=parts[-1], is_dir=False, file=package_file))
    return rows


def package_file_thumbnail(*, package: Package, file_id: int) -> bytes | None:
    return PackageFile.objects.filter(package=package, pk=file_id).values_list("thumbnail", flat=True).first()


def logged_model_link_branches(where: str) -> list[str]:
    """The candidate data branches of the MLflow 3 model links (candidates.selectors.LinkBranches): kind 4, the
    logged models a candidate produced `(model id, step)`; kind 5, those it used. `where` filters `candidate_id`."""
    t = quoted_tables(LoggedModel, LoggedModelOutput, LoggedModelInput)
    model_id = logged_model_id_sql("lm.eid")
    return [
        data_branch_columns(kind=4, alias="lmo", name_sql=model_id, step_sql="lmo.step")
        + f" FROM {t[LoggedModelOutput]} lmo JOIN {t[LoggedModel]} lm ON lm.id = lmo.logged_model_id"
        + f" WHERE lmo.{where}",
        data_branch_columns(kind=5, alias="lmi", name_sql=model_id)
        + f" FROM {t[LoggedModelInput]} lmi JOIN {t[LoggedModel]} lm ON lm.id = lmi.logged_model_id"
        + f" WHERE lmi.{where}",
    ]
