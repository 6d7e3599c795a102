"""Tracking benchmark: one workload, run with the official mlflow client against each server in turn.

    python bench/tracking.py --servers /tmp/assay-bench/servers.json [--quick] [--only assay]
    python bench/tracking.py --target ref=http://127.0.0.1:5000@<pid> [--quick]
    python bench/tracking.py --table /tmp/assay-bench/results/tracking-*.json      # reprint saved results

Figures (client side, loopback): run creation with params/tags/metrics (runs/s), log_batch of a metric history
(points/s), single log_metric calls (calls/s, p50/p95), 8 concurrent writers on one run (points/s, points lost
— must be 0), get_metric_history of the long history (s), search_runs filter+order over all runs (ms) and
paging through all of them (s), get_run p50/p95, and the server's memory (process tree, from /proc).
Every loop is bounded by the sizes below; every read is checked against what was written.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import (
    MemorySampler,
    Server,
    Timer,
    client_env,
    load_average,
    load_servers,
    median,
    parse_target,
    percentile,
    render_table,
)

SIZES = {
    "full": {"runs": 5000, "run_threads": 4, "history": 100_000, "single": 500, "writers": 8,
             "writer_points": 200, "get_run": 300, "repeats": 5, "history_repeats": 1, "page": 1000},
    "quick": {"runs": 200, "run_threads": 4, "history": 5_000, "single": 50, "writers": 8,
              "writer_points": 40, "get_run": 50, "repeats": 3, "history_repeats": 3, "page": 50},
}  # fmt: skip

ROWS = [
    ("runs_per_s", "create run + 5 params, 3 tags, 2 metrics ({run_threads} threads)", "runs/s", ""),
    ("batch_points_per_s", "log_batch metric history ({history:,} points)", "points/s", "≥ 10×"),
    ("single_calls_per_s", "single log_metric", "calls/s", ""),
    ("single_p50_ms", "single log_metric p50", "ms", "≤ ¼"),
    ("single_p95_ms", "single log_metric p95", "ms", ""),
    ("concurrent_points_per_s", "{writers} writers on one run", "points/s", ""),
    ("concurrent_lost", "{writers} writers: points lost", "points", "0"),
    ("concurrent_failed", "{writers} writers: failed requests", "requests", "0"),
    ("history_s", "get_metric_history ({history:,} points)", "s", "≤ 1 s"),
    ("search_ms", "search_runs filter+order, top 100 of {runs:,}", "ms", "≤ ⅕"),
    ("search_all_s", "search_runs paging through all ({page}/page)", "s", "≤ ⅕"),
    ("get_run_p50_ms", "get_run p50", "ms", "≤ ¼"),
    ("get_run_p95_ms", "get_run p95", "ms", ""),
    ("single_server_p50_ms", "single log_metric p50, server side", "ms", "≤ 5 ms"),
    ("get_run_server_p50_ms", "get_run p50, server side", "ms", "≤ 5 ms"),
    # The mlflow client's own CPU time for the same calls: what no server can take away (see Timer).
    ("batch_client_ceiling", "log_batch: the client's own ceiling (points ÷ client CPU s)", "points/s", ""),
    ("single_client_ms", "single log_metric: client CPU per call", "ms", ""),
    ("history_client_s", "get_metric_history: client CPU", "s", ""),
    ("search_all_client_s", "search_runs paging: client CPU", "s", ""),
    ("get_run_client_ms", "get_run: client CPU per call", "ms", ""),
    ("rss_peak_mb", "server RSS, peak (sum over process tree)", "MB", ""),
    ("pss_end_mb", "server PSS at the end (shared pages split)", "MB", ""),
    ("max_process_mb", "largest server process RSS, peak", "MB", "≤ 300 MB"),
    ("processes", "server processes", "", ""),
]


def rows_for(sizes: dict) -> list[tuple]:
    return [(key, label.format(**sizes), unit, goal) for key, label, unit, goal in ROWS]


def log(msg: str) -> None:
    print(f"[tracking] {msg}", file=sys.stderr, flush=True)


class Workload:
    def __init__(self, server: Server, sizes: dict):
        from mlflow import MlflowClient

        client_env(server)
        self.server, self.sizes = server, sizes
        self.client = MlflowClient(tracking_uri=server.uri)
        self.figures: dict = {}
        self.notes: list[str] = []
        self.experiment_id = self.client.create_experiment(f"bench-{uuid.uuid4().hex[:12]}")
        self.runs: dict[str, dict] = {}  # run_id -> what was logged (for checking reads)

    # -- writes ------------------------------------------------------------------------------------------------

    def create_runs(self):
        from mlflow.entities import Metric, Param

        now = int(time.time() * 1000)

        def one(i: int):
            run = self.client.create_run(
                self.experiment_id,
                run_name=f"run-{i:05d}",
                tags={"team": ["vision", "nlp", "audio"][i % 3], "kind": "train" if i % 4 else "eval"},
            )
            acc = (i * 7919 % 10007) / 10007  # a spread of distinct values
            params = {"lr": f"{0.001 * (1 + i % 10):.3f}", "depth": str(i % 12), "optimizer": ["adam", "sgd"][i % 2],
                      "seed": str(i), "dataset": "imagenet-subset"}  # fmt: skip
            self.client.log_batch(
                run.info.run_id,
                metrics=[Metric("acc", acc, now, 0), Metric("loss", 1 - acc, now, 0)],
                params=[Param(k, v) for k, v in params.items()],
            )
            return run.info.run_id, {"acc": acc, "params": params}

        n = self.sizes["runs"]
        with Timer() as t, ThreadPoolExecutor(self.sizes["run_threads"]) as pool:
            for run_id, info in pool.map(one, range(n)):
                self.runs[run_id] = info
        self.figures["runs_per_s"] = n / t.seconds
        log(f"  created {n} runs in {t.seconds:.1f} s")

    def log_history(self):
        from mlflow.entities import Metric

        n = self.sizes["history"]
        self.history_run = self.client.create_run(self.experiment_id, run_name="history").info.run_id
        base = int(time.time() * 1000)
        metrics = [Metric("curve", math.sin(step / 100), base + step, step) for step in range(n)]
        with Timer() as t:
            self.client.log_batch(self.history_run, metrics=metrics)  # the client sends 1000 per request
        self.figures["batch_points_per_s"] = n / t.seconds
        self.figures["batch_client_ceiling"] = n / t.cpu
        log(f"  log_batch {n} points in {t.seconds:.1f} s")

    def single_log_metric(self):
        run_id = self.client.create_run(self.experiment_id, run_name="single").info.run_id
        latencies = []
        n = self.sizes["single"]
        with Timer() as t:
            for i in range(n):
                start = time.perf_counter()
                self.client.log_metric(run_id, "single", i * 0.5, step=i)
                latencies.append((time.perf_counter() - start) * 1000)
        self.figures["single_calls_per_s"] = n / t.seconds
        self.figures["single_client_ms"] = t.cpu / n * 1000
        self.figures["single_p50_ms"] = percentile(latencies, 50)
        self.figures["single_p95_ms"] = percentile(latencies, 95)
        stored = self.client.get_metric_history(run_id, "single")
        if len(stored) != n:
            self.notes.append(f"single log_metric: {len(stored)} of {n} points stored")

    def concurrent_writers(self):
        """8 writers log to one metric of one run at once (singles and batches); every acknowledged point must
        be in the history afterwards, with its own step."""
        from mlflow import MlflowClient
        from mlflow.entities import Metric

        run_id = self.client.create_run(self.experiment_id, run_name="concurrent").info.run_id
        writers, per_writer = self.sizes["writers"], self.sizes["writer_points"]
        acked: set[int] = set()
        failures: list[str] = []
        lock = threading.Lock()
        start_barrier = threading.Barrier(writers)

        def writer(w: int):
            client = MlflowClient(tracking_uri=self.server.uri)
            steps = range(w * per_writer, (w + 1) * per_writer)
            singles, batched = list(steps[: per_writer // 2]), list(steps[per_writer // 2 :])
            start_barrier.wait()
            try:
                client.log_param(run_id, f"writer_{w}", str(w))
                client.set_tag(run_id, f"writer_{w}", "done")
            except Exception as exc:  # noqa: BLE001 - counted, the figure says so
                with lock:
                    failures.append(f"param/tag: {str(exc)[:200]}")
            for step in singles:
                try:
                    client.log_metric(
                        run_id, "shared", step * 1.0, step=step, timestamp=1_700_000_000_000 + step
                    )
                    with lock:
                        acked.add(step)
                except Exception as exc:  # noqa: BLE001
                    with lock:
                        failures.append(str(exc)[:200])
            for i in range(0, len(batched), 10):
                chunk = batched[i : i + 10]
                try:
                    client.log_batch(
                        run_id, metrics=[Metric("shared", s * 1.0, 1_700_000_000_000 + s, s) for s in chunk]
                    )
                    with lock:
                        acked.update(chunk)
                except Exception as exc:  # noqa: BLE001
                    with lock:
                        failures.append(str(exc)[:200])

        with Timer() as t:
            threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        history = self.client.get_metric_history(run_id, "shared")
        stored_steps = [m.step for m in history]
        self.figures["concurrent_points_per_s"] = len(acked) / t.seconds
        self.figures["concurrent_lost"] = len(acked - set(stored_steps))
        self.figures["concurrent_failed"] = len(failures)
        if len(stored_steps) != len(set(stored_steps)):
            self.notes.append(f"concurrent: {len(stored_steps) - len(set(stored_steps))} duplicated points")
        run = self.client.get_run(run_id)
        missing_params = [w for w in range(writers) if run.data.params.get(f"writer_{w}") != str(w)]
        if missing_params:
            self.notes.append(f"concurrent: params of writers {missing_params} missing")
        top = max(acked) if acked else None
        if top is not None and run.data.metrics.get("shared") != float(top):
            self.notes.append(f"concurrent: latest value {run.data.metrics.get('shared')} != {float(top)}")
        if failures:
            self.notes.append(f"concurrent: first failure: {failures[0]}")

    def analyze(self):
        analyze_if_no_autovacuum(self.server, self.notes)

    # -- reads -------------------------------------------------------------------------------------------------

    def metric_history(self):
        times, cpu = [], []
        for _ in range(self.sizes["history_repeats"]):
            with Timer() as t:
                history = self.client.get_metric_history(self.history_run, "curve")
            times.append(t.seconds)
            cpu.append(t.cpu)
            if len(history) != self.sizes["history"]:
                self.notes.append(
                    f"get_metric_history returned {len(history)} of {self.sizes['history']} points"
                )
                break
            if sorted(m.step for m in history) != list(range(self.sizes["history"])):
                self.notes.append("get_metric_history: steps do not match what was logged")
                break
        self.figures["history_s"] = median(times)
        self.figures["history_client_s"] = median(cpu)

    def search(self):
        filter_string = "params.optimizer = 'adam' and metrics.acc > 0.5 and tags.kind = 'train'"
        expected = sorted(
            (
                (info["acc"], run_id)
                for run_id, info in self.runs.items()
                if info["params"]["optimizer"] == "adam"
                and info["acc"] > 0.5
                and int(info["params"]["seed"]) % 4
            ),
            reverse=True,
        )
        times = []
        for _ in range(self.sizes["repeats"]):
            with Timer() as t:
                found = self.client.search_runs(
                    [self.experiment_id], filter_string, order_by=["metrics.acc DESC"], max_results=100
                )
            times.append(t.seconds * 1000)
        self.figures["search_ms"] = median(times)
        if [r.info.run_id for r in found] != [run_id for _, run_id in expected[:100]]:
            self.notes.append("search_runs filter+order: results differ from what was logged")

        seen: list[str] = []
        with Timer() as t:
            token = None
            for _ in range(10_000):  # bounded: at most 10k pages
                page = self.client.search_runs(
                    [self.experiment_id], "", order_by=["metrics.acc DESC"],
                    max_results=self.sizes["page"], page_token=token,
                )  # fmt: skip
                seen.extend(r.info.run_id for r in page)
                token = page.token
                if not token:
                    break
        self.figures["search_all_s"] = t.seconds
        self.figures["search_all_client_s"] = t.cpu
        total = len(self.runs) + 3  # + history, single, concurrent
        if len(seen) != total or len(set(seen)) != total:
            self.notes.append(
                f"search_runs paging: {len(seen)} rows ({len(set(seen))} distinct), expected {total}"
            )

    def get_run(self):
        run_id = next(iter(self.runs))
        latencies = []
        with Timer() as t:
            for _ in range(self.sizes["get_run"]):
                start = time.perf_counter()
                run = self.client.get_run(run_id)
                latencies.append((time.perf_counter() - start) * 1000)
        self.figures["get_run_client_ms"] = t.cpu / self.sizes["get_run"] * 1000
        self.figures["get_run_p50_ms"] = percentile(latencies, 50)
        self.figures["get_run_p95_ms"] = percentile(latencies, 95)
        if len(run.data.params) != 5 or run.data.metrics.get("acc") != self.runs[run_id]["acc"]:
            self.notes.append("get_run: params/metrics differ from what was logged")


def server_side_p50(access_log: str, start: int, end: int, method: str, suffix: str) -> float | None:
    """p50 of the server's own request time (gunicorn's %(D)s, in microseconds) for one endpoint, over the
    access-log bytes written during one phase."""
    with open(access_log, "rb") as log_file:
        log_file.seek(start)
        lines = log_file.read(end - start).decode(errors="replace").splitlines()
    micros = []
    for line in lines:
        parts = line.split()
        if len(parts) == 4 and parts[0] == method and parts[1].endswith(suffix) and parts[3].isdigit():
            micros.append(int(parts[3]))
    return percentile(micros, 50) / 1000 if micros else None


SERVER_SIDE = {  # phase -> (figure, method, path suffix)
    "single_log_metric": ("single_server_p50_ms", "POST", "/runs/log-metric"),
    "get_run": ("get_run_server_p50_ms", "GET", "/runs/get"),
}

PHASES = ["create_runs", "log_history", "single_log_metric", "concurrent_writers", "analyze", "metric_history",
          "search", "get_run"]  # fmt: skip


def postgres_database(server: Server) -> str | None:
    url = server.extra.get("database") or server.extra.get("store") or ""
    if not url.startswith(("postgres://", "postgresql://", "postgresql+psycopg2://")):
        return None
    return "postgresql://" + url.split("://", 1)[1]


def analyze_if_no_autovacuum(server: Server, notes: list[str]) -> None:
    """PostgreSQL plans the searches from table statistics; a deployment's autovacuum refreshes them about a
    minute after a bulk load. Where autovacuum is off (this shared test machine), run the ANALYZE it would have
    run, for every PostgreSQL-backed server alike, and say so."""
    database = postgres_database(server)
    if not database:
        return
    show = subprocess.run(["psql", database, "-tAc", "SHOW autovacuum"], capture_output=True, text=True)
    if show.stdout.strip() == "off":
        subprocess.run(["psql", database, "-qc", "ANALYZE"], check=True, capture_output=True)
        notes.append(
            "autovacuum is off on this PostgreSQL: ran ANALYZE after the writes, as autovacuum would"
        )


def run_server(server: Server, sizes: dict) -> dict:
    log(f"{server.name}: {server.uri} (load average {load_average()})")
    result = {"name": server.name, "kind": server.kind, "uri": server.uri, "extra": server.extra, "sizes": sizes,
              "load_before": load_average(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}  # fmt: skip
    with MemorySampler(server.pid) as memory:
        try:
            workload = Workload(server, sizes)
        except Exception as exc:  # noqa: BLE001 - a server that cannot even create an experiment
            return {**result, "figures": {}, "notes": [f"cannot start the workload: {str(exc)[:300]}"]}
        for phase in PHASES:
            log(f"  {phase}")
            access_log = server.extra.get("access_log")
            log_start = os.path.getsize(access_log) if access_log and os.path.exists(access_log) else None
            with Timer() as t:
                try:
                    getattr(workload, phase)()
                except Exception as exc:  # noqa: BLE001 - the remaining phases still run
                    workload.notes.append(f"{phase} failed: {type(exc).__name__}: {str(exc)[:300]}")
                    log(f"  {phase} failed: {exc}")
            log(f"  {phase}: {t.seconds:.1f} s")
            if log_start is not None and phase in SERVER_SIDE:
                figure, method, suffix = SERVER_SIDE[phase]
                time.sleep(0.5)  # let the workers' log lines land
                value = server_side_p50(access_log, log_start, os.path.getsize(access_log), method, suffix)
                if value is not None:
                    workload.figures[figure] = value
    if memory.peak:
        workload.figures.update(
            rss_peak_mb=memory.peak.rss_mb,
            max_process_mb=memory.peak.max_process_mb,
            processes=memory.peak.processes,
        )
    if memory.end:
        workload.figures["pss_end_mb"] = memory.end.pss_mb
    if memory.baseline:
        workload.notes.append(f"idle memory before the workload: RSS {memory.baseline.rss_mb:.0f} MB")
    return {**result, "figures": workload.figures, "notes": workload.notes, "load_after": load_average()}


def print_table(results: list[dict]) -> None:
    sizes = results[0]["sizes"]
    print(render_table(rows_for(sizes), results))
    for r in results:
        print(f"  {r['name']}: {r['started']}, load average before {r['load_before']}, "
              f"after {r.get('load_after', '?')}; {json.dumps(r['extra'])}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--servers", help="servers.json written by servers.py")
    parser.add_argument("--only", default="", help="comma-separated server names from --servers")
    parser.add_argument("--target", action="append", default=[], help="name=URI[@pid], repeatable")
    parser.add_argument("--quick", action="store_true", help="small sizes for a fast sanity run")
    parser.add_argument("--results", help="directory to save tracking-<name>.json into")
    parser.add_argument("--table", nargs="+", help="print a table from saved result files and exit")
    args = parser.parse_args()
    if args.table:
        print_table([json.loads(Path(p).read_text()) for p in args.table])
        return
    servers = load_servers(args.servers, [o for o in args.only.split(",") if o]) if args.servers else []
    servers += [parse_target(spec) for spec in args.target]
    if not servers:
        parser.error("give --servers or --target")
    sizes = SIZES["quick" if args.quick else "full"]
    results = []
    for server in servers:
        result = run_server(server, sizes)
        results.append(result)
        if args.results:
            os.makedirs(args.results, exist_ok=True)
            Path(args.results, f"tracking-{server.name}.json").write_text(json.dumps(result, indent=2))
    print_table(results)


if __name__ == "__main__":
    main()
