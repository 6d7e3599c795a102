"""Helpers shared by the benchmark scripts: server descriptors, process-tree memory, statistics, tables.

Imported as a sibling module (`python bench/tracking.py` puts bench/ on sys.path); needs only the stdlib.
"""

import json
import os
import socket
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Server:
    """One running tracking server, as the launcher (servers.py) records it in servers.json."""

    name: str  # "mlflow-sqlite", "mlflow-postgres", "assay"
    kind: str  # "mlflow" (the reference) or "assay"
    uri: str  # MLFLOW_TRACKING_URI
    pid: int | None = None  # root of the web server's process tree (memory is summed over it)
    token: str = ""  # MLFLOW_TRACKING_TOKEN, empty for the reference
    extra: dict = field(default_factory=dict)


def load_servers(path: str, only: list[str] | None = None) -> list[Server]:
    servers = [Server(**item) for item in json.loads(Path(path).read_text())]
    if only:
        servers = [s for s in servers if s.name in only]
        missing = set(only) - {s.name for s in servers}
        if missing:
            raise SystemExit(f"no such server in {path}: {', '.join(sorted(missing))}")
    return servers


def save_servers(path: str, servers: list[Server]) -> None:
    Path(path).write_text(json.dumps([asdict(s) for s in servers], indent=2))


def parse_target(spec: str) -> Server:
    """`name=URI[@pid]` for ad-hoc runs without the launcher; the token comes from MLFLOW_TRACKING_TOKEN."""
    name, _, rest = spec.partition("=")
    uri, _, pid = rest.partition("@")
    if not name or not uri:
        raise SystemExit(f"--target wants name=URI[@pid], got {spec!r}")
    kind = "assay" if "/api/v4/projects/" in uri else "mlflow"
    return Server(
        name=name,
        kind=kind,
        uri=uri,
        pid=int(pid) if pid else None,
        token=os.environ.get("MLFLOW_TRACKING_TOKEN", "") if kind == "assay" else "",
    )


def client_env(server: Server) -> None:
    """Point the mlflow client (which reads these per request) at one server, with no hidden retries."""
    os.environ["MLFLOW_TRACKING_URI"] = server.uri
    if server.token:
        os.environ["MLFLOW_TRACKING_TOKEN"] = server.token
    else:
        os.environ.pop("MLFLOW_TRACKING_TOKEN", None)
    # Retries would hide failed requests (and their time) from the figures; a failure is counted instead.
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = os.environ.get("BENCH_MAX_RETRIES", "0")
    os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = "300"
    os.environ["MLFLOW_ENABLE_ASYNC_LOGGING"] = "false"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- memory of a process tree, from /proc ------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may itself contain spaces or parentheses.
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> list[int]:
    children = _children_map()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def _status_kb(pid: int, field_name: str, filename: str = "status") -> int:
    try:
        for line in Path(f"/proc/{pid}/{filename}").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class Memory:
    rss_mb: float  # sum of RSS over the tree (counts pages shared between forked workers once per process)
    max_process_mb: float  # RSS of the largest single process
    processes: int
    pss_mb: float | None = None  # sum of PSS (shared pages split among users): the tree's real footprint


def tree_memory(pid: int | None, *, pids: list[int] | None = None, pss: bool = False) -> Memory | None:
    """Memory of the process tree under `pid`. PSS walks page tables (~0.5 s for a 2 GB tree), so it is
    only read when asked for; RSS comes from /proc/<pid>/status and is cheap."""
    if not pid or not Path(f"/proc/{pid}").exists():
        return None
    rss = {p: _status_kb(p, "VmRSS") for p in (pids or process_tree(pid))}
    rss = {p: kb for p, kb in rss.items() if kb}
    return Memory(
        rss_mb=sum(rss.values()) / 1024,
        max_process_mb=max(rss.values(), default=0) / 1024,
        processes=len(rss),
        pss_mb=sum(_status_kb(p, "Pss", "smaps_rollup") for p in rss) / 1024 if pss else None,
    )


class MemorySampler:
    """Samples a process tree's RSS in a thread (cheaply: the tree is re-listed every few seconds only);
    `peak` holds the highest values seen, `baseline` the memory before, `end` the memory after (with PSS)."""

    def __init__(self, pid: int | None, interval: float = 0.5):
        self.pid, self.interval = pid, interval
        self.peak: Memory | None = None
        self.baseline = tree_memory(pid)
        self.end: Memory | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        pids, listed = None, 0.0
        while not self._stop.is_set():
            if time.monotonic() - listed > 3:  # gunicorn/uvicorn may replace workers
                pids, listed = process_tree(self.pid) if self.pid else None, time.monotonic()
            self._record(tree_memory(self.pid, pids=pids))
            self._stop.wait(self.interval)

    def _record(self, mem: Memory | None):
        if mem is None:
            return
        if self.peak is None:
            self.peak = mem
        else:
            self.peak = Memory(
                rss_mb=max(self.peak.rss_mb, mem.rss_mb),
                max_process_mb=max(self.peak.max_process_mb, mem.max_process_mb),
                processes=max(self.peak.processes, mem.processes),
            )

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.end = tree_memory(self.pid, pss=True)
        self._record(self.end)


# --- statistics and tables ---------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Timer:
    """Wall time (`seconds`) and this process's own CPU time over the same span (`cpu`, all threads): with a
    sequential client, `cpu` is what the client spends building requests and parsing answers, a floor no
    server can go under."""

    def __enter__(self):
        self.start = time.perf_counter()
        self.cpu_start = time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.cpu = time.process_time() - self.cpu_start


def fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 100:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"


def ratio(assay, reference) -> str:
    if not isinstance(assay, int | float) or not isinstance(reference, int | float) or not reference:
        return "—"
    return f"{assay / reference:.2f}×" if assay / reference < 10 else f"{assay / reference:.0f}×"


def render_table(rows: list[tuple], results: list[dict]) -> str:
    """rows: (key, label, unit, goal). results: one dict per server with "name", "kind" and "figures".

    Prints one column per server and one Assay/<reference> ratio column per reference server.
    """
    assay = next((r for r in results if r["kind"] == "assay"), None)
    refs = [r for r in results if r["kind"] != "assay"]
    header = ["figure", "unit", *[r["name"] for r in results]]
    if assay:
        header += [f"{assay['name']}/{r['name']}" for r in refs]
    header.append("goal")
    lines = []
    for key, label, unit, goal in rows:
        if not any(key in r["figures"] for r in results):
            continue
        line = [label, unit, *[fmt(r["figures"].get(key)) for r in results]]
        if assay:
            line += [ratio(assay["figures"].get(key), r["figures"].get(key)) for r in refs]
        line.append(goal)
        lines.append(line)
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    out = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)) + " |"]
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        out.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
    for r in results:
        for note in r.get("notes", []):
            out.append(f"  {r['name']}: {note}")
    return "\n".join(out)


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())
