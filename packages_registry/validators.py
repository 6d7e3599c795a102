"""Names, versions and file paths accepted by the package registry (GitLab's generic-package rules, plus nested
directories in file paths)."""

import re

from projects.errors import InvalidValueError

# GitLab: generic_package_name_regex / generic_package_version_regex — word characters, '.', '+', '-', no '..'.
_NAME = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_.+\-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def validate_package_name(name: str) -> str:
    if not name or len(name) > 255 or not _NAME.match(name):
        raise InvalidValueError(
            f"package_name is invalid: {name!r} (use letters, digits, '.', '_', '-', '+')"
        )
    return name


def validate_package_version(version: str) -> str:
    if not version or len(version) > 255 or not _NAME.match(version):
        raise InvalidValueError(
            f"package_version is invalid: {version!r} (use letters, digits, '.', '_', '-', '+')"
        )
    return version


def validate_file_path(path: str) -> str:
    """A relative path with '/' between segments: no '..' or '.' segment, no leading '/', no backslash, no NUL
    or control characters, no empty segment."""
    if not path or len(path) > 1024:
        raise InvalidValueError("file path is empty or longer than 1024 characters")
    if "\\" in path:
        raise InvalidValueError("file path must not contain a backslash")
    if _CONTROL.search(path):
        raise InvalidValueError("file path must not contain NUL or control characters")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise InvalidValueError("file path must be relative")
    segments = path.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise InvalidValueError("file path must not contain empty, '.' or '..' segments")
    return path


def normalize_dir_path(path: str) -> str:
    """A directory prefix for listings: '' for the root, otherwise a validated path without slashes at the ends."""
    path = (path or "").strip("/")
    return validate_file_path(path) if path else ""
