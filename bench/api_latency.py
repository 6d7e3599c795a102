"""Server-side latency of the tracking API's hot paths, in process (Django's test client through every
middleware, no network), on a fresh PostgreSQL database, with the queries each call makes.

    .venv/bin/python bench/api_latency.py [--db assay_apilat] [--calls 200] [--history 100000] [--big 0]
        [--runs 2000] [--profile get_run|log_metric|log_batch|history|search]

Figures: get_run and log_metric p50/p95 (ms) over --calls calls, log_batch of 1,000-point requests (points/s),
get-history of a --history-point metric (s, median of 3; plus --big points once when given), search_runs
filter+order top 100 of --runs runs (ms, median of 5), queries per call, and this process's peak RSS.
For tuning only: no assertions, not part of the test suite (bench/tracking.py is the side-by-side benchmark).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def setup(db: str) -> None:
    for sql in (f"DROP DATABASE IF EXISTS {db} WITH (FORCE)", f"CREATE DATABASE {db}"):
        subprocess.run(["psql", f"{PG}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True)
    os.environ["DATABASE_URL"] = f"{PG.replace('postgresql://', 'postgres://')}/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


class Bench:
    def __init__(self, args):
        from django.test import Client

        from projects.models import Role
        from projects.services import access_token_create, membership_set, project_create, user_get_or_create

        user = user_get_or_create(username="bench")
        self.project = project_create(path="bench")
        membership_set(project=self.project, user=user, role=Role.DEVELOPER)
        _, secret = access_token_create(user=user, name="bench")
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        self.base = f"/api/v4/projects/{self.project.pk}/ml/mlflow/api/2.0/mlflow/"
        self.args = args
        self.out: dict = {}

    def call(self, method: str, path: str, body=None):
        if method == "GET":
            response = self.client.get(self.base + path, body or {}, **self.headers)
        else:
            response = self.client.post(
                self.base + path, body or {}, content_type="application/json", **self.headers
            )
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.content[:300]!r}")
        return response

    def timed(self, name: str, calls: int, make):
        """make(i) → (method, path, body); records p50/p95 ms and the queries of one more call."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        times = []
        for i in range(calls):
            method, path, body = make(i)
            start = time.perf_counter()
            self.call(method, path, body)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            self.call(*make(calls))
        self.out[name] = {"p50_ms": round(pct(times, 0.5), 2), "p95_ms": round(pct(times, 0.95), 2),
                          "queries": len(ctx.captured_queries)}  # fmt: skip
        return ctx.captured_queries

    def run_create(self, name: str) -> str:
        body = {"experiment_id": self.experiment_id, "start_time": 1, "run_name": name,
                "tags": [{"key": "kind", "value": "train"}]}  # fmt: skip
        return self.call("POST", "runs/create", body).json()["run"]["info"]["run_id"]

    def run_all(self, only: str | None = None):
        self.experiment_id = self.call("POST", "experiments/create", {"name": "bench"}).json()[
            "experiment_id"
        ]
        run_id = self.run_create("hot")
        batch = {"run_id": run_id, "params": [{"key": f"p{i}", "value": str(i)} for i in range(5)],
                 "metrics": [{"key": f"m{i}", "value": i, "timestamp": 1, "step": 0} for i in range(5)],
                 "tags": [{"key": f"t{i}", "value": "x"} for i in range(5)]}  # fmt: skip
        self.call("POST", "runs/log-batch", batch)
        calls = self.args.calls
        sections = {
            "get_run": lambda: self.timed(
                "get_run", calls, lambda i: ("GET", "runs/get", {"run_id": run_id})
            ),
            "log_metric": lambda: self.timed(
                "log_metric",
                calls,
                lambda i: (
                    "POST",
                    "runs/log-metric",
                    {
                        "run_id": run_id,
                        "key": "loss",
                        "value": 1.0 / (i + 1),
                        "timestamp": 1000 + i,
                        "step": i,
                    },
                ),
            ),  # fmt: skip
            "log_batch": lambda: self.log_batch(run_id),
            "history": lambda: self.history(run_id),
            "search": lambda: self.search(),
        }
        for name, fn in sections.items():
            if only and name not in only.split(","):
                continue
            queries = fn()
            if self.args.show_queries and queries:
                for q in queries:
                    print(f"  [{name}] {q['time']}s {q['sql'][:400]}")

    def log_batch(self, run_id):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        points = self.args.history
        start = time.perf_counter()
        for chunk in range(0, points, 1000):
            metrics = [{"key": "hist", "value": (s % 97) / 7, "timestamp": 1_700_000_000_000 + s, "step": s}
                       for s in range(chunk, min(points, chunk + 1000))]  # fmt: skip
            self.call("POST", "runs/log-batch", {"run_id": run_id, "metrics": metrics})
        elapsed = time.perf_counter() - start
        with CaptureQueriesContext(connection) as ctx:
            metrics = [{"key": "hist2", "value": 1.0, "timestamp": 1, "step": s} for s in range(1000)]
            self.call("POST", "runs/log-batch", {"run_id": run_id, "metrics": metrics})
        self.out["log_batch"] = {
            "points_per_s": round(points / elapsed),
            "queries": len(ctx.captured_queries),
        }
        return ctx.captured_queries

    def history(self, run_id):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        times = []
        for _ in range(3):
            start = time.perf_counter()
            response = self.call("GET", "metrics/get-history", {"run_id": run_id, "metric_key": "hist"})
            times.append(time.perf_counter() - start)
        count = len(json.loads(response.content)["metrics"])
        with CaptureQueriesContext(connection) as ctx:
            self.call("GET", "metrics/get-history", {"run_id": run_id, "metric_key": "m0"})
        self.out["history"] = {"s": round(statistics.median(times), 3), "points": count,
                               "queries": len(ctx.captured_queries)}  # fmt: skip
        if self.args.big:
            from candidates.models import Candidate
            from candidates.services import candidate_log_batch

            big = self.run_create("big")
            candidate = Candidate.objects.get(eid=big)
            for chunk in range(0, self.args.big, 10_000):
                rows = [("big", float(s), 1_700_000_000_000 + s, s) for s in range(chunk, chunk + 10_000)]
                candidate_log_batch(candidate=candidate, metrics=rows)
            start = time.perf_counter()
            response = self.call("GET", "metrics/get-history", {"run_id": big, "metric_key": "big"})
            self.out["history_big"] = {"s": round(time.perf_counter() - start, 3), "points": self.args.big,
                                       "bytes": len(response.content)}  # fmt: skip
        return ctx.captured_queries

    def search(self):
        from candidates.models import Candidate
        from candidates.services import candidate_log_batch

        for i in range(self.args.runs):
            run_id = self.run_create(f"s{i}")
            candidate_log_batch(
                candidate=Candidate.objects.get(eid=run_id),
                metrics=[("acc", (i % 100) / 100, 1, 0), ("loss", 1 - (i % 100) / 100, 1, 0)],
                params=[("optimizer", "adam" if i % 2 else "sgd"), ("lr", "0.01")],
                tags=[("kind", "train" if i % 3 else "eval")],
            )
        body = {"experiment_ids": [self.experiment_id], "max_results": 100, "order_by": ["metrics.acc DESC"],
                "filter": "params.optimizer = 'adam' and metrics.acc > 0.5 and tags.kind = 'train'"}  # fmt: skip
        times = []
        for _ in range(5):
            start = time.perf_counter()
            self.call("POST", "runs/search", body)
            times.append((time.perf_counter() - start) * 1000)
        self.out["search"] = {"ms": round(statistics.median(times), 1), "runs": self.args.runs}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="assay_apilat")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument(
        "--big", type=int, default=0, help="also a history of this many points (e.g. 1000000)"
    )
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument(
        "--only", help="comma-separated sections: get_run, log_metric, log_batch, history, search"
    )
    parser.add_argument("--profile", action="store_true", help="pyinstrument over the selected sections")
    parser.add_argument("--show-queries", action="store_true")
    args = parser.parse_args()
    setup(args.db)
    bench = Bench(args)
    if args.profile:
        from pyinstrument import Profiler

        with Profiler() as profiler:
            bench.run_all(args.only)
        profiler.print(show_all=False)
    else:
        bench.run_all(args.only)
    bench.out["rss_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    bench.out["load"] = os.getloadavg()
    print(json.dumps(bench.out, indent=1))


if __name__ == "__main__":
    main()
