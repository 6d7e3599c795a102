"""SemVer rules of model versions: pure functions, shared by services (writes) and selectors (reads)."""

import re

# SemVer 2.0.0 (semver.org's regex, without the leading "v").
SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def _semver_key(value: str) -> tuple[int, int, int]:
    match = SEMVER_RE.match(value)
    return (int(match[1]), int(match[2]), int(match[3])) if match else (0, 0, 0)


def semver_next(*, semvers: list[str], last_version: int) -> str:
    """The SemVer a new version gets when none is given: `N.0.0` for the MLflow number N it will get, or the next
    major after the highest SemVer if a custom one (`gitlab.version`) already went past N."""
    highest = max((_semver_key(v)[0] for v in semvers), default=0)
    return f"{max(highest + 1, last_version + 1)}.0.0"
