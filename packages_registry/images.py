"""Image series: what `mlflow.log_image(image, key=..., step=...)` stores, read back as one series per key.

MLflow writes each image as `images/<key>+step+<step>+timestamp+<ms>+<uuid>.png` plus a `…+compressed.webp`
copy (older clients used `%` instead of `+`; a `/` in the key is stored as `~`). Pages show a series as a grid
with a step slider; the compare page reuses the same parsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .models import Package, PackageFile

IMAGES_DIR = "images/"
MAX_IMAGE_FILES = 2000  # files read per candidate; a series past this shows its first steps only
_NAME = re.compile(
    r"^(?P<key>.+?)(?P<sep>[+%])step(?P=sep)(?P<step>-?\d+)(?P=sep)timestamp(?P=sep)(?P<ts>\d+)"
    r"(?P=sep)(?P<uuid>[0-9a-fA-F-]+)(?P<compressed>(?P=sep)compressed)?\.(?P<ext>png|webp|jpe?g)$"
)


@dataclass
class ImageStep:
    step: int
    timestamp: int
    file_id: int | None = None  # the full-resolution image
    compressed_file_id: int | None = None  # MLflow's small webp copy, for the grid


@dataclass
class ImageSeries:
    key: str
    steps: list[ImageStep] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "steps": [
                {
                    "step": s.step,
                    "timestamp": s.timestamp,
                    "file_id": s.file_id,
                    "thumb_id": s.compressed_file_id,
                }
                for s in self.steps
            ],
        }


def image_name_parse(path: str) -> tuple[str, int, int, str, bool] | None:
    """`images/<key>+step+<n>+timestamp+<ms>+<uuid>[+compressed].<ext>` → (key, step, timestamp, uuid,
    compressed); None for any other path (a plain image in images/ is an ordinary artifact)."""
    if not path.startswith(IMAGES_DIR):
        return None
    match = _NAME.match(path[len(IMAGES_DIR) :])
    if match is None or "/" in match["key"]:
        return None
    key = match["key"].replace("~", "/")
    return key, int(match["step"]), int(match["ts"]), match["uuid"].lower(), bool(match["compressed"])


def image_series_from_paths(files: list[tuple[int, str]]) -> list[ImageSeries]:
    """[(file id, path)] → series sorted by key, steps by (step, timestamp). One entry per logged image."""
    images: dict[tuple[str, str], ImageStep] = {}
    keys: dict[tuple[str, str], str] = {}
    for file_id, path in files:
        parsed = image_name_parse(path)
        if parsed is None:
            continue
        key, step, timestamp, uid, compressed = parsed
        item = images.setdefault((key, uid), ImageStep(step=step, timestamp=timestamp))
        keys[(key, uid)] = key
        if compressed:
            item.compressed_file_id = file_id
        else:
            item.file_id = file_id
    by_key: dict[str, list[ImageStep]] = {}
    for ident, item in images.items():
        if item.file_id is None and item.compressed_file_id is None:
            continue
        by_key.setdefault(keys[ident], []).append(item)
    return [
        ImageSeries(key=key, steps=sorted(steps, key=lambda s: (s.step, s.timestamp)))
        for key, steps in sorted(by_key.items())
    ]


def image_series_for_candidate(*, package: Package | None) -> tuple[list[ImageSeries], bool]:
    """The candidate's image series from its artifact package (1 query, at most MAX_IMAGE_FILES files) and
    whether the list was cut at that bound."""
    if package is None:
        return [], False
    rows = list(
        PackageFile.objects.filter(package=package, path__startswith=IMAGES_DIR)
        .filter(path__contains="step")
        .order_by("path")
        .values_list("pk", "path")[: MAX_IMAGE_FILES + 1]
    )
    return image_series_from_paths(rows[:MAX_IMAGE_FILES]), len(rows) > MAX_IMAGE_FILES
