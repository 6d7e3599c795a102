"""Images across candidates for the compare page: plain image files and MLflow's `log_image(key, step)` series.

MLflow 3's `log_image(image, key=..., step=...)` stores each step as two artifacts,
`images/<key>+step+<step>+timestamp+<ms>+<uuid>.png` and a small `...+compressed.webp` beside it (a `/` in the key
becomes `~`; MLflow 2.x used `%` instead of `+`). Anything else with a raster extension is a plain image, shown
under its path (`confusion_matrix.png`). Only raster types are listed: they are the files the download view serves
inline (see responses.py); SVG and HTML never are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from projects.models import Project

from .images import image_name_parse
from .models import PackageFile, PackageType

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")
IMAGE_FILE_CAP = 5000  # image files read for one page, whatever the number of candidates and steps


@dataclass(frozen=True)
class ImageSeriesName:
    key: str
    step: int
    timestamp: int
    compressed: bool


def image_series_name_parse(path: str) -> ImageSeriesName | None:
    """The key, step and timestamp of a `log_image(key, step)` artifact path, or None for any other path (the one
    parser of MLflow's names, images.image_name_parse)."""
    parsed = image_name_parse(path)
    if parsed is None:
        return None
    key, step, timestamp, _uuid, compressed = parsed
    return ImageSeriesName(key=key, step=step, timestamp=timestamp, compressed=compressed)


@dataclass
class CandidateImages:
    """Image download URLs by candidate iid. `files[path][iid]`; `series[key][step][iid]` = (full, preview)."""

    files: dict[str, dict[int, str]] = field(default_factory=dict)
    series: dict[str, dict[int, dict[int, tuple[str, str]]]] = field(default_factory=dict)
    truncated: bool = False


def candidate_images(*, project: Project, experiment_iid: int, candidate_iids: list[int]) -> CandidateImages:
    """The raster images the candidates logged (artifacts of `ml_experiment_<iid>`, version = candidate iid): one
    query, at most IMAGE_FILE_CAP files in path order (`truncated` says when there were more). A series step shows
    its compressed preview when there is one and links to the full image."""
    images = CandidateImages()
    if not candidate_iids:
        return images
    ext = Q()
    for suffix in IMAGE_EXTENSIONS:
        ext |= Q(path__iendswith=suffix)
    rows = list(
        PackageFile.objects.filter(
            ext,
            package__project=project,
            package__package_type=PackageType.ML_MODEL,
            package__name=f"ml_experiment_{experiment_iid}",
            package__version__in=[str(i) for i in candidate_iids],
        )
        .order_by("path", "pk")
        .values_list("pk", "path", "package_id", "package__version")[: IMAGE_FILE_CAP + 1]
    )
    images.truncated = len(rows) > IMAGE_FILE_CAP
    base = reverse("packages_registry:package_list", kwargs={"project_path": project.path})
    for pk, path, package_id, version in rows[:IMAGE_FILE_CAP]:
        url = (
            f"{base}{package_id}/files/{pk}/download?inline=1"  # the download view's URL, built once per row
        )
        iid = int(version)
        name = image_series_name_parse(path)
        if name is None:
            images.files.setdefault(path, {})[iid] = url
            continue
        steps = images.series.setdefault(name.key, {})
        full, preview = steps.setdefault(name.step, {}).get(iid, ("", ""))
        if name.compressed:
            preview = url
        else:
            full = url
        steps[name.step][iid] = (full or preview, preview or full)
    return images
