"""Fixtures shared by the package-registry and MLflow artifact tests (import them into a test module)."""

import pytest
from django.core.files.storage import storages


@pytest.fixture
def artifacts_dir(settings, tmp_path):
    """Point the `artifacts` storage at a temporary directory for one test."""
    location = tmp_path / "packages"
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    storages._storages.pop("artifacts", None)
    yield location
    storages._storages.pop("artifacts", None)


def stored_objects(location) -> list[str]:
    return (
        sorted(str(p.relative_to(location)) for p in location.rglob("*") if p.is_file())
        if location.exists()
        else []
    )
