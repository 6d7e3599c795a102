"""Dashboard page benchmark: server render time and queries per page on a large experiment.

Seeds (once, by bulk SQL on PostgreSQL) 10,000 candidates x 10 params x 5 metrics x 100 steps (5M history
rows) plus one candidate with a 1,000,000-step metric, then renders each page in-process with Django's test
client (server time only: no network, no browser) and prints p50/p95 and the query count per page. For
reference it also times the MLflow REST calls the MLflow UI makes for the same data (runs/search with the
same filter and order, metrics/get-history of the 1M metric) on this same server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assay_bench_pages .venv/bin/python bench/pages.py [--runs 30]

The database is created and migrated if needed and reused by later runs (--reseed to start over).

With --reference it also starts the reference `mlflow server` on PostgreSQL (bench/servers.py, scratch venv
/tmp/refenv), seeds the same shape through its REST API at a smaller scale (--ref-runs, default 1,000 runs,
and one --ref-long-point metric, default 100,000 points: seeding 10k runs and 1M points over REST takes too
long for one sitting), times the calls its UI makes for the same data (runs/search with the same filter and
order; metrics/get-history; the charts' ajax-api get-history-bulk-interval) and prints Assay/MLflow ratios.
The reference is stopped at the end.
"""

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/assay_bench_pages")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")

CANDIDATES, PARAMS, METRICS, STEPS, LONG_STEPS = 10_000, 10, 5, 100, 1_000_000
PROJECT = "bench/pages"


def ensure_database():
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


STEPS_SQL = [
    # (table that a finished step left rows in, SQL); %(exp)s etc. are bound parameters.
    (
        "candidates_candidate",
        """INSERT INTO candidates_candidate (experiment_id, project_id, iid, eid, name, status, start_time,
             end_time, user_name, lifecycle, created_at, updated_at, user_id)
           SELECT %(exp)s, %(project)s, g, md5('bench' || g)::uuid, 'cand-' || g,
                  CASE WHEN g %% 500 = 0 THEN 'RUNNING' WHEN g %% 97 = 0 THEN 'FAILED' ELSE 'FINISHED' END,
                  1700000000000 + g * 60000, 1700000000000 + g * 60000 + 30000 + (g %% 17) * 1000,
                  'bench', 'active', now(), now(), %(user)s
           FROM generate_series(1, %(candidates)s) g""",
    ),
    (
        "candidates_candidateparam",
        """INSERT INTO candidates_candidateparam (candidate_id, name, value)
           SELECT c.id, 'p' || k, CASE WHEN k < 5 THEN ((c.iid * (k + 3)) %% (k + 4))::text ELSE 'const' || k END
           FROM candidates_candidate c CROSS JOIN generate_series(0, %(params)s - 1) k
           WHERE c.experiment_id = %(exp)s""",
    ),
    (
        "candidates_candidatemetric",
        """INSERT INTO candidates_candidatemetric (candidate_id, name, value, step, timestamp)
           SELECT c.id, 'm' || k, (1.0 / (1 + s)) + ((c.iid * (k + 1)) %% 1000) / 1000.0, s, 1700000000000 + s
           FROM candidates_candidate c CROSS JOIN generate_series(0, %(metrics)s - 1) k
                CROSS JOIN generate_series(0, %(steps)s - 1) s
           WHERE c.experiment_id = %(exp)s""",
    ),
    (
        "candidates_candidatelatestmetric",
        """INSERT INTO candidates_candidatelatestmetric (candidate_id, name, value, step, timestamp)
           SELECT m.candidate_id, m.name, m.value, m.step, m.timestamp FROM candidates_candidatemetric m
           JOIN candidates_candidate c ON c.id = m.candidate_id
           WHERE c.experiment_id = %(exp)s AND m.step = %(steps)s - 1;
           INSERT INTO candidates_candidatemetric (candidate_id, name, value, step, timestamp)
           SELECT c.id, 'long', sin(s / 5000.0) + (s %% 1000) / 5000.0, s, 1700000000000 + s
           FROM candidates_candidate c CROSS JOIN generate_series(0, %(long)s - 1) s
           WHERE c.experiment_id = %(exp)s AND c.iid = 1;
           INSERT INTO candidates_candidatelatestmetric (candidate_id, name, value, step, timestamp)
           SELECT c.id, 'long', 0.5, %(long)s - 1, 1700000000000 FROM candidates_candidate c
           WHERE c.experiment_id = %(exp)s AND c.iid = 1""",
    ),
]


def seed(reseed: bool):
    """Bulk SQL, one autocommitted step at a time; a rerun skips the steps whose rows are already there."""
    from django.core.management import call_command
    from django.db import connection

    from experiments.models import Experiment
    from projects.models import Project, Role
    from projects.services import membership_set, project_create, user_get_or_create

    call_command("migrate", verbosity=0)
    user = user_get_or_create(username="bench-owner")
    project = Project.objects.filter(path=PROJECT).first()
    if project and reseed:
        with connection.cursor() as cur:  # TRUNCATE: the ORM's cascade would walk millions of rows
            cur.execute("TRUNCATE candidates_candidate CASCADE")
        project.delete()
        project = None
    project = project or project_create(path=PROJECT)
    membership_set(project=project, user=user, role=Role.OWNER)
    exp, _ = Experiment.objects.get_or_create(project=project, iid=1, defaults={"name": "bench-10k", "user": user})
    args = {"exp": exp.pk, "project": project.pk, "user": user.pk, "candidates": CANDIDATES, "params": PARAMS,
            "metrics": METRICS, "steps": STEPS, "long": LONG_STEPS}
    t = time.perf_counter()
    seeded = False
    with connection.cursor() as cur:
        for table, sql in STEPS_SQL:
            join = "" if table == "candidates_candidate" else " t JOIN candidates_candidate c ON c.id = t.candidate_id"
            where = "experiment_id" if table == "candidates_candidate" else "c.experiment_id"
            cur.execute(f"SELECT 1 FROM {table}{join} WHERE {where} = %s LIMIT 1", [exp.pk])
            if cur.fetchone():
                continue
            for statement in sql.split(";"):
                cur.execute(statement, args)
            seeded = True
            print(f"  {table}: {time.perf_counter() - t:.0f}s", flush=True)
        if seeded:
            cur.execute("VACUUM ANALYZE")
    if seeded:
        print(f"seeded in {time.perf_counter() - t:.1f}s")
    return project, user


def measure(client, url, runs, params=None, headers=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, status = [], 0, None
    for i in range(runs + 2):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            r = client.get(url, params or {}, **(headers or {}))
            if getattr(r, "streaming", False):
                b"".join(r.streaming_content)
            else:
                r.content  # noqa: B018 - force the render
            elapsed = time.perf_counter() - t
        status = r.status_code
        if i >= 2:  # two warm-up requests
            times.append(elapsed * 1000)
            queries = len(ctx.captured_queries)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"p50": statistics.median(times), "p95": p95, "queries": queries, "status": status}


def _post(url: str, body: dict) -> dict:
    import json
    import urllib.request

    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read() or b"{}")


def _timed_get(url: str, runs: int) -> dict:
    import urllib.request

    times = []
    for i in range(runs + 2):
        t = time.perf_counter()
        with urllib.request.urlopen(url, timeout=600) as r:
            r.read()
        if i >= 2:
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(round(0.95 * (len(times) - 1)))]}


def reference_mlflow(args, flt: str) -> dict:
    """Seed the reference mlflow server (PostgreSQL backend) over REST and time its UI's calls."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlencode

    state = Path(args.ref_state)
    servers = ROOT / "bench" / "servers.py"
    py = sys.executable
    subprocess.run([py, str(servers), "start", "--state", str(state), "--targets", "mlflow-postgres"], check=True)
    try:
        import json

        uri = json.loads((state / "servers.json").read_text())[0]["uri"]
        api = f"{uri}/api/2.0/mlflow/"
        exp = _post(api + "experiments/create", {"name": "bench-pages"})["experiment_id"]
        t = time.perf_counter()

        def one(i: int) -> str:
            run = _post(api + "runs/create", {"experiment_id": exp, "run_name": f"cand-{i}",
                                              "start_time": 1700000000000 + i * 60000})["run"]["info"]["run_id"]
            params = [{"key": f"p{k}", "value": str((i * (k + 3)) % (k + 4)) if k < 5 else f"const{k}"}
                      for k in range(PARAMS)]
            metrics = [{"key": f"m{k}", "value": 1.0 / (1 + s) + ((i * (k + 1)) % 1000) / 1000.0,
                        "timestamp": 1700000000000 + s, "step": s} for k in range(METRICS) for s in range(STEPS)]
            _post(api + "runs/log-batch", {"run_id": run, "params": params, "metrics": metrics})
            _post(api + "runs/update", {"run_id": run, "status": "FINISHED", "end_time": 1700000000000 + i * 60000 + 30000})
            return run

        with ThreadPoolExecutor(4) as pool:
            run_ids = list(pool.map(one, range(1, args.ref_runs + 1)))
        long_run = run_ids[0]

        def long_chunk(start: int) -> None:
            pts = [{"key": "long", "value": math.sin(s / 5000.0) + (s % 1000) / 5000.0,
                    "timestamp": 1700000000000 + s, "step": s} for s in range(start, min(start + 1000, args.ref_long))]
            _post(api + "runs/log-batch", {"run_id": long_run, "metrics": pts})

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(long_chunk, range(0, args.ref_long, 1000)))
        print(f"reference seeded: {args.ref_runs} runs + 1 x {args.ref_long:,} points in "
              f"{time.perf_counter() - t:.0f}s ({uri})")
        body = {"experiment_ids": [exp], "filter": flt, "order_by": ["metrics.m0 DESC"], "max_results": 50}
        times = []
        for i in range(args.runs + 2):
            t0 = time.perf_counter()
            found = _post(api + "runs/search", body)
            if i >= 2:
                times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        out = {"search": {"p50": statistics.median(times), "p95": times[int(round(0.95 * (len(times) - 1)))],
                          "n": len(found.get("runs", []))}}
        hist = urlencode({"run_id": long_run, "metric_key": "long"})
        out["history"] = _timed_get(f"{api}metrics/get-history?{hist}", max(3, args.runs // 10))
        bulk = urlencode({"run_ids": long_run, "metric_key": "long", "max_results": 1000})
        out["bulk"] = _timed_get(f"{uri}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?{bulk}", args.runs)
        return out
    finally:
        subprocess.run([py, str(servers), "stop", "--state", str(state)], check=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--reference", action="store_true", help="also seed and time the reference mlflow server")
    parser.add_argument("--ref-runs", type=int, default=1000)
    parser.add_argument("--ref-long", type=int, default=100_000)
    parser.add_argument("--ref-state", default="/tmp/assay-bench-pages-ref")
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.test import Client

    from candidates.models import Candidate
    from projects.services import access_token_create

    project, user = seed(args.reseed)
    client = Client()
    client.force_login(user)
    long_c = Candidate.objects.get(project=project, experiment__iid=1, iid=1)
    some_c = Candidate.objects.get(project=project, experiment__iid=1, iid=4321)
    exp = f"/{PROJECT}/-/ml/experiments/1/"
    flt = "metrics.m1 > 0.5 AND params.p0 = '1'"
    view = {"sort": "metrics.m0", "dir": "desc", "filter": flt}
    pages = [
        ("experiments list", f"/{PROJECT}/-/ml/experiments/", {}),
        ("experiment page (default)", exp, {}),
        ("experiment page sorted by metric + filtered", exp, view),
        ("experiment page sorted by param, page 2", exp, None),
        ("candidate page", f"/{PROJECT}/-/ml/candidates/{some_c.pk}/", {}),
        ("candidate page (1M-step metric)", f"/{PROJECT}/-/ml/candidates/{long_c.pk}/", {}),
        ("Performance tab (filtered)", exp + "performance/", {"filter": flt}),
        ("Performance chart data (10 traces x 5 metrics)", exp + "performance/data.json", view),
        ("chart data, 1M-step metric downsampled", f"/{PROJECT}/-/ml/candidates/{long_c.pk}/metrics.json",
         {"metric": "long"}),
        ("compare 10 candidates", exp + "compare/", {"c": list(range(long_c.pk, long_c.pk + 10))}),
    ]
    # Page 2 of a param sort needs the cursor from page 1.
    from candidates.table import table_page, table_spec_from_query
    from experiments.models import Experiment

    class Q(dict):
        def getlist(self, key):
            v = self.get(key)
            return v if isinstance(v, list) else ([v] if v else [])

    spec = table_spec_from_query(
        experiment=Experiment.objects.get(project=project, iid=1), query=Q(sort="params.p2", dir="asc")
    )
    pages[3] = (pages[3][0], exp, {"sort": "params.p2", "dir": "asc", "cursor": table_page(spec=spec).next_cursor})

    token = access_token_create(user=user, name="bench")[1]
    api = f"/api/v4/projects/{project.pk}/ml/mlflow/api/2.0/mlflow/"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    reference = [
        ("MLflow API runs/search (same filter, order, 50)", api + "runs/search", None),
        ("MLflow API metrics/get-history (1M points, 1st page)", api + "metrics/get-history",
         {"run_id": long_c.run_id, "metric_key": "long"}),
    ]
    print(f"{CANDIDATES} candidates x {PARAMS} params x {METRICS} metrics x {STEPS} steps + 1 x {LONG_STEPS:,} steps;"
          f" {args.runs} runs each, server time in-process\n")
    print(f"{'page':58} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    results = {}
    for name, url, params in pages:
        m = measure(client, url, args.runs, params)
        results[name] = m
        flag = "" if m["status"] == 200 else f"  HTTP {m['status']}"
        print(f"{name:58} {m['p50']:8.1f} {m['p95']:8.1f} {m['queries']:8d}{flag}")
    import json

    for name, url, params in reference:
        if params is None:
            body = {"experiment_ids": ["1"], "filter": flt, "order_by": ["metrics.m0 DESC"], "max_results": 50}
            times = []
            for i in range(args.runs + 2):
                t = time.perf_counter()
                r = client.post(url, json.dumps(body), content_type="application/json", **auth)
                if i >= 2:
                    times.append((time.perf_counter() - t) * 1000)
            times.sort()
            m = {"p50": statistics.median(times), "p95": times[int(round(0.95 * (len(times) - 1)))], "queries": -1,
                 "status": r.status_code}
        else:  # a million points per call: a few runs are enough
            m = measure(client, url, max(3, args.runs // 10), params, auth)
        results[name] = m
        print(f"{name:58} {m['p50']:8.1f} {m['p95']:8.1f} {'':>8}  HTTP {m['status']}")
    page, api_search = results["experiment page sorted by metric + filtered"], results[reference[0][0]]
    chart, api_hist = results["chart data, 1M-step metric downsampled"], results[reference[1][0]]
    print(f"\nexperiment page / runs/search p50 ratio: {page['p50'] / api_search['p50']:.2f}")
    print(f"1M chart data / get-history (first page only) p50 ratio: {chart['p50'] / api_hist['p50']:.2f}")
    if args.reference:
        ref = reference_mlflow(args, flt)
        print(f"\nreference mlflow server (PostgreSQL, 1 worker), {args.ref_runs} runs, 1 x {args.ref_long:,} points; "
              f"Assay figures above are at {CANDIDATES} candidates and {LONG_STEPS:,} points")
        rows = [
            ("runs/search, same filter + order, 50", ref["search"], api_search),
            ("experiment page vs MLflow runs/search", ref["search"], page),
            ("metrics/get-history (whole metric)", ref["history"], api_hist),
            ("chart data: get-history-bulk-interval vs ours", ref["bulk"], chart),
        ]
        print(f"{'call':48} {'MLflow p50':>11} {'Assay p50':>10} {'Assay/MLflow':>13}")
        for name, theirs, ours in rows:
            print(f"{name:48} {theirs['p50']:11.1f} {ours['p50']:10.1f} {ours['p50'] / theirs['p50']:13.2f}")
        print(f"(reference search returned {ref['search']['n']} runs)")
    target = page["p95"] < 300 and results["Performance chart data (10 traces x 5 metrics)"]["p95"] < 1000
    print(f"targets (experiment page p95 < 300 ms, Performance data < 1 s): {'met' if target else 'NOT met'}")


if __name__ == "__main__":
    main()
