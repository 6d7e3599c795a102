"""The artifact viewer of the candidate page: the preview of one file (`?artifact=<path>` on the candidate page),
built from packages_registry's bounded previews. Images and HTML are not read here: the browser loads them from
the package registry's download URL (images inline, HTML only in an opaque-origin sandbox, responses.py)."""

from __future__ import annotations

from packages_registry.artifact_browser import artifact_file_get, artifact_preview

from .integrations import file_url

MAX_PATH = 1024


def _open_dirs(path: str) -> set[str]:
    parts = path.split("/")[:-1]
    return {"/".join(parts[: i + 1]) for i in range(len(parts))}


def artifact_context(*, project, package, path: str, as_source: bool = False) -> dict:
    """{'preview': Preview | None, 'path', 'open_dirs', 'as_source', 'inline_url', 'download_url', 'missing'} for
    the requested path: 1 query (none without a path)."""
    path = (path or "")[:MAX_PATH]
    base = {"preview": None, "path": path, "open_dirs": _open_dirs(path), "as_source": as_source}
    if not path or package is None:
        return {**base, "missing": bool(path)}
    package_file = artifact_file_get(package=package, path=path)
    if package_file is None:
        return {**base, "missing": True}
    return {
        **base,
        "preview": artifact_preview(package_file=package_file, as_source=as_source),
        "missing": False,
        "inline_url": file_url(project=project, package_id=package.pk, file_id=package_file.pk, inline=True),
        "download_url": file_url(project=project, package_id=package.pk, file_id=package_file.pk),
    }


def image_series_context(*, project, package, series: list) -> list[dict]:
    """Each image series with the URLs of its images (thumbnail: MLflow's compressed copy when present)."""
    if package is None:
        return []
    out = []
    for one in series:
        steps = []
        for item in one.steps:
            full = item.file_id or item.compressed_file_id
            thumb = item.compressed_file_id or item.file_id
            steps.append(
                {
                    "step": item.step,
                    "timestamp": item.timestamp,
                    "src": file_url(project=project, package_id=package.pk, file_id=full, inline=True),
                    "thumb": file_url(project=project, package_id=package.pk, file_id=thumb, inline=True),
                }
            )
        out.append({"key": one.key, "steps": steps})
    return out
