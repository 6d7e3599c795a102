"""Start and stop the servers the benchmarks compare, and record them in <state>/servers.json.

    python bench/servers.py start --state /tmp/assay-bench --targets mlflow-sqlite,mlflow-postgres,assay
    python bench/servers.py stop --state /tmp/assay-bench

Targets:
  mlflow-sqlite    reference `mlflow server` (scratch venv /tmp/refenv, installed if missing), SQLite backend,
                   --serve-artifacts, --workers 1
  mlflow-postgres  the same on PostgreSQL (database bench_mlflow, dropped and recreated; psycopg2-binary)
  assay            gunicorn config.wsgi (2 workers × 4 threads) on PostgreSQL database bench_assay (dropped,
                   recreated, migrated), project `bench`, developer token with the `api` scope, and a Celery
                   worker (1 process) on BENCH_ASSAY_BROKER (default redis://127.0.0.1:6379/9; empty = eager)

Every server runs in its own session (process group) so `stop` ends exactly the processes `start` began.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import Server, free_port, load_servers, save_servers

ROOT = Path(__file__).resolve().parent.parent
REFENV = Path(os.environ.get("BENCH_REFENV", "/tmp/refenv"))
REF_SPEC = os.environ.get("BENCH_MLFLOW_SPEC", "mlflow>=3,<4")
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
TARGETS = ("mlflow-sqlite", "mlflow-postgres", "assay")
DEFAULT_STATE = "/tmp/assay-bench"


def log(msg: str) -> None:
    print(f"[servers] {msg}", file=sys.stderr, flush=True)


def ensure_refenv(postgres: bool) -> None:
    pip = REFENV / "bin" / "pip"
    if not (REFENV / "bin" / "mlflow").exists():
        log(f"installing {REF_SPEC} into {REFENV} (one-off, a few minutes)")
        subprocess.run([sys.executable, "-m", "venv", str(REFENV)], check=True)
        subprocess.run([str(pip), "install", "-q", REF_SPEC], check=True)
    if postgres:
        probe = subprocess.run([str(REFENV / "bin" / "python"), "-c", "import psycopg2"], capture_output=True)
        if probe.returncode:
            subprocess.run([str(pip), "install", "-q", "psycopg2-binary"], check=True)


def database_name(base: str, state: Path) -> str:
    """bench_assay / bench_mlflow for the default state dir; another state dir gets its own databases, so two
    benchmark runs side by side do not drop each other's data."""
    if state == Path(DEFAULT_STATE):
        return base
    return base + "_" + re.sub(r"[^a-z0-9]+", "_", state.name.lower()).strip("_")[:30]


def database_exists(name: str) -> bool:
    sql = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
    done = subprocess.run(["psql", f"{PG}/postgres", "-tAc", sql], capture_output=True, text=True)
    return done.stdout.strip() == "1"


def recreate_database(name: str) -> None:
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{PG}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True)


def spawn(cmd: list[str], logfile: Path, env: dict | None = None, cwd: Path | None = None) -> int:
    with open(logfile, "ab") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
        )
    return proc.pid


def wait_http(url: str, pid: int, logfile: Path, timeout: float = 180) -> None:
    """Wait until the server answers anything over HTTP (an error status is an answer too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            raise SystemExit(f"server exited during start-up; see {logfile}:\n{logfile.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    stop_group(pid)
    raise SystemExit(f"server did not answer {url} within {timeout:.0f} s; see {logfile}")


def start_mlflow(state: Path, backend: str) -> Server:
    name = f"mlflow-{backend}"
    data = state / name
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    if backend == "sqlite":
        store = f"sqlite:///{data}/mlflow.db"
    else:
        db = database_name("bench_mlflow", state)
        if not (
            os.environ.get("BENCH_REF_REUSE") and database_exists(db)
        ):  # reuse: bench/pages.py --ref-reuse
            recreate_database(db)
        # Explicit driver: this is the one installed in the scratch venv.
        store = f"{PG.replace('postgresql://', 'postgresql+psycopg2://')}/{db}"
    port = free_port()
    cmd = [
        str(REFENV / "bin" / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
        "--backend-store-uri", store, "--artifacts-destination", str(data / "artifacts"),
        "--serve-artifacts", "--workers", os.environ.get("BENCH_MLFLOW_WORKERS", "1"),
    ]  # fmt: skip
    logfile = state / f"{name}.log"
    env = {**os.environ, "MLFLOW_TRACKING_URI": ""}
    pid = spawn(cmd, logfile, env=env, cwd=data)
    uri = f"http://127.0.0.1:{port}"
    wait_http(f"{uri}/health", pid, logfile)
    version = subprocess.run(
        [str(REFENV / "bin" / "python"), "-c", "import mlflow; print(mlflow.__version__)"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    log(f"{name} (mlflow {version}) on {uri}, pid {pid}")
    return Server(
        name=name,
        kind="mlflow",
        uri=uri,
        pid=pid,
        extra={"version": version, "store": store, "workers": cmd[-1]},
    )


def assay_env(state: Path, db: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{PG.replace('postgresql://', 'postgres://')}/{db}",
        "ASSAY_DATA_DIR": str(state / "assay"),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    # As deployed: ingestion (checksums, previews) runs in a Celery worker, not in the upload request.
    # Redis db 9 is the bench's own (tests use TEST_REDIS_URL, db 15 by default, and never flush it);
    # BENCH_ASSAY_BROKER= (empty) runs tasks eagerly.
    broker = os.environ.get("BENCH_ASSAY_BROKER", "redis://127.0.0.1:6379/9")
    if broker:
        env["CELERY_BROKER_URL"] = broker
    else:
        env.pop("CELERY_BROKER_URL", None)
    return env


def start_assay(state: Path) -> Server:
    data = state / "assay"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    db = database_name("bench_assay", state)
    recreate_database(db)
    env = assay_env(state, db)
    python = str(ROOT / ".venv" / "bin" / "python")

    def manage(*args: str) -> str:
        done = subprocess.run([python, "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout.strip()

    manage("migrate", "--noinput", "-v", "0")
    manage("createproject", "bench")
    token = manage(
        "createtoken", "--project", "bench", "--user", "bench", "--role", "developer", "--scopes", "api"
    )
    port = free_port()
    workers, threads = os.environ.get("BENCH_ASSAY_WORKERS", "2"), os.environ.get("BENCH_ASSAY_THREADS", "4")
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", workers, "--threads", threads, "--timeout", "600",
        # Server-side time per request (%(D)s, microseconds): tracking.py reports its p50 per endpoint.
        "--access-logfile", str(state / "assay-access.log"), "--access-logformat", "%(m)s %(U)s %(s)s %(D)s",
    ]  # fmt: skip
    logfile = state / "assay.log"
    pid = spawn(cmd, logfile, env=env, cwd=ROOT)
    uri = f"http://127.0.0.1:{port}/api/v4/projects/bench/ml/mlflow"
    wait_http(f"http://127.0.0.1:{port}/api/v4/projects/bench/ml/mlflow/api/2.0/mlflow/", pid, logfile)
    extra = {"workers": workers, "threads": threads, "database": env["DATABASE_URL"],
             "access_log": str(state / "assay-access.log")}  # fmt: skip
    if env.get("CELERY_BROKER_URL"):
        worker_pid = spawn(
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "-Q", "default,artifacts,ci",
             "-c", "1", "--loglevel", "WARNING"],
            state / "assay-worker.log", env=env, cwd=ROOT,
        )  # fmt: skip
        extra["worker_pid"] = worker_pid
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    extra["commit"] = commit.stdout.strip()
    extra["ingestion"] = "celery worker" if env.get("CELERY_BROKER_URL") else "eager (in the request)"
    log(f"assay (commit {extra['commit']}) on {uri}, pid {pid}")
    return Server(name="assay", kind="assay", uri=uri, pid=pid, token=token, extra=extra)


def stop_group(pid: int) -> None:
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        return
    if pgid != pid:  # not a session leader we started: leave it alone
        return
    os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(pgid, signal.SIGKILL)


def stop(state: Path) -> None:
    path = state / "servers.json"
    if not path.exists():
        return
    for server in load_servers(str(path)):
        for pid in (server.pid, server.extra.get("worker_pid")):
            if pid:
                stop_group(pid)
        log(f"stopped {server.name}")
    path.unlink()


def start(state: Path, targets: list[str]) -> None:
    state.mkdir(parents=True, exist_ok=True)
    stop(state)  # a previous run that was not cleaned up
    servers: list[Server] = []
    try:
        if any(t.startswith("mlflow-") for t in targets):
            ensure_refenv(postgres="mlflow-postgres" in targets)
        for target in targets:
            if target == "assay":
                servers.append(start_assay(state))
            else:
                servers.append(start_mlflow(state, target.removeprefix("mlflow-")))
            save_servers(str(state / "servers.json"), servers)
    except BaseException:
        stop(state)
        raise


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument(
        "--state", default="/tmp/assay-bench", help="scratch directory (data, logs, servers.json)"
    )
    parser.add_argument("--targets", default=",".join(TARGETS))
    args = parser.parse_args()
    targets = [t for t in args.targets.split(",") if t]
    unknown = set(targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    if args.action == "start":
        start(Path(args.state), targets)
    else:
        stop(Path(args.state))


if __name__ == "__main__":
    main()
