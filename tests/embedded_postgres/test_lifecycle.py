"""The embedded server starts on demand, is found running by the next caller, keeps its data across a stop and a
start, and never listens on TCP when its socket path fits."""

import contextlib
import subprocess
import sys
from pathlib import Path

import psutil
import psycopg

from config import embedded_postgres


def connect(server):
    return psycopg.connect(
        host=server.host, port=server.port, user=server.user, password=server.password, dbname=server.dbname
    )


def test_first_ensure_starts_a_server_that_takes_writes(running):
    data_dir, server = running
    assert server.host == str(data_dir.resolve() / "postgres")
    with connect(server) as conn:
        conn.execute("CREATE TABLE kept (id bigserial PRIMARY KEY, name text)")
        conn.execute("INSERT INTO kept (name) VALUES ('before restart')")
        assert conn.execute("SELECT current_database(), current_user").fetchone() == ("assay", "assay")


def test_second_ensure_finds_it_running(running):
    data_dir, server = running
    again, started = embedded_postgres.ensure(data_dir)
    assert not started
    assert again == server
    assert embedded_postgres.status(data_dir).pid == server.pid


def test_no_tcp_listener(running):
    _, server = running
    postmaster = psutil.Process(server.pid)
    listeners = [c for p in [postmaster, *postmaster.children()] for c in p.net_connections(kind="inet")]
    assert listeners == []


def test_stop_then_start_keeps_data(running):
    data_dir, server = running
    assert embedded_postgres.stop(data_dir) is True
    assert embedded_postgres.status(data_dir) is None
    with contextlib.suppress(psutil.NoSuchProcess):  # pg_ctl returns once postmaster.pid is gone
        psutil.Process(server.pid).wait(timeout=60)
    assert embedded_postgres.stop(data_dir) is False

    restarted, started = embedded_postgres.ensure(data_dir)
    assert started and restarted.pid != server.pid
    with connect(restarted) as conn:
        assert conn.execute("SELECT name FROM kept").fetchall() == [("before restart",)]


def test_concurrent_starts_share_one_server(data_dir):
    code = (
        "import sys; from config import embedded_postgres as e; "
        "s, started = e.ensure(sys.argv[1]); print(s.pid, started)"
    )
    root = Path(__file__).resolve().parents[2]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(data_dir)], cwd=root, stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    answers = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len({pid for pid, _ in answers}) == 1
    assert sorted(started for _, started in answers) == ["False", "False", "True"]


def test_a_long_socket_path_falls_back_to_localhost_with_a_password(data_dir):
    data_dir.chmod(0o755)  # the parent of the data dir must be enterable by the server's user
    deep = data_dir / ("d" * 90)
    server, _ = embedded_postgres.ensure(deep)
    try:
        assert server.host == "127.0.0.1" and server.port != 5432 and server.password
        with connect(server) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        try:
            psycopg.connect(
                host=server.host, port=server.port, user=server.user, dbname=server.dbname, password="x"
            )
        except psycopg.OperationalError as exc:
            assert "password authentication failed" in str(exc)
        else:
            raise AssertionError("TCP connections must need the password")
    finally:
        embedded_postgres.stop(deep)
