"""Real processes for the artifact-integrity tests: gunicorn and a Celery worker serving the test database, a TCP
server that accepts and never answers (a hung broker), a refused port, and raw HTTP over sockets."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_tests() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))


def process_env(media: Path, broker: str | None, **extra: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "DATABASE_CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(media),
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    env.pop("CELERY_BROKER_URL", None)
    if broker:
        env["CELERY_BROKER_URL"] = broker
    return env


def _wait_for(predicate, process: subprocess.Popen, log: Path, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(0.1)


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class Gunicorn:
    """`gunicorn config.wsgi` on a free port, one sync-style worker process with threads, in its own group."""

    def __init__(self, log_dir: Path, env: dict, *, timeout: int = 60, threads: int = 4):
        self.log = log_dir / f"gunicorn-{uuid.uuid4().hex[:6]}.log"
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--threads", str(threads), "--timeout", str(timeout), "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        _wait_for(self._answers, self.process, self.log, "gunicorn")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
                conn.sendall(b"GET /api/v4/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return conn.recv(12).startswith(b"HTTP/1.1")
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        _stop(self.process)


class Worker:
    """A Celery worker consuming `artifacts` (prefork, one child), in its own process group."""

    def __init__(self, log_dir: Path, env: dict):
        self.log_dir, self.env = log_dir, env
        self.process: subprocess.Popen | None = None
        self.started = 0

    def start(self) -> None:
        self.started += 1
        log = self.log_dir / f"worker-{self.started}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "artifacts", "-c", "1", "-P", "prefork",
             "-l", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"integrity-{uuid.uuid4().hex[:8]}@%h"],
            cwd=ROOT, env=self.env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        _wait_for(lambda: b" ready." in log.read_bytes(), self.process, log, "the Celery worker")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool child): nothing gets to ack or clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        _stop(self.process)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("worker-*.log")))


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never sends a byte: a hung broker."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self._closed = True
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def refused_port() -> int:
    """A port nothing listens on (bound, then released)."""
    return free_port()


def raw_request(
    port: int, head: str, body_parts: list[bytes], *, finish: bool = True, timeout: float = 60
) -> bytes:
    """Send `head` then each part; with `finish`, read the reply to EOF, else close the write side first."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(head.encode())
        for part in body_parts:
            conn.sendall(part)
        if not finish:
            conn.shutdown(socket.SHUT_WR)  # the client goes away mid-body
        reply = b""
        try:
            while chunk := conn.recv(65536):
                reply += chunk
                if finish and b"\r\n\r\n" in reply and _complete(reply):
                    break
        except ConnectionResetError:
            pass
    return reply


def _complete(reply: bytes) -> bool:
    head, _, body = reply.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def chunked(data: bytes, size: int = 64 * 1024, *, terminate: bool = True) -> list[bytes]:
    """`data` in Transfer-Encoding: chunked framing; without `terminate`, no final 0-length chunk."""
    parts = [
        b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size]) for i in range(0, len(data), size)
    ]
    return parts + ([b"0\r\n\r\n"] if terminate else [])


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else 0
