"""Real embedded servers in throwaway data dirs under /tmp (as CI makes them: `mktemp -d`, mode 0700).

pytest's own tmp_path lives under /tmp/pytest-of-root (0700), which the server's system user cannot enter when we
run as root, so these fixtures make their own folders and always stop what they started.
"""

import shutil
import tempfile
from pathlib import Path

import pytest

from config import embedded_postgres


def stop_and_remove(data_dir: Path) -> None:
    try:
        embedded_postgres.stop(data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def data_dir():
    folder = Path(tempfile.mkdtemp(prefix="assay-pg-"))
    yield folder
    stop_and_remove(folder)


@pytest.fixture(scope="module")
def running():
    """One server for a module's tests: (data dir, server)."""
    folder = Path(tempfile.mkdtemp(prefix="assay-pg-"))
    try:
        server, _ = embedded_postgres.ensure(folder)
        yield folder, server
    finally:
        stop_and_remove(folder)
