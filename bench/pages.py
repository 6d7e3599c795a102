"""Dashboard page benchmark: server render time and queries per page on a large experiment.

Seeds (once, by bulk SQL on PostgreSQL) 10,000 candidates x 10 params x 5 metrics x 100 steps (5M history
rows) plus one candidate with a 1,000,000-step metric, then renders each page in-process with Django's test
client (server time only: no network, no browser) and prints p50/p95 and the query count per page. For
reference it also times the MLflow REST calls the MLflow UI makes for the same data (runs/search with the
same filter and order, metrics/get-history of the 1M metric) on this same server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assay_bench_pages .venv/bin/python bench/pages.py [--runs 30]
        [--candidates 1000000] [--seed-only]

--candidates N seeds N candidates instead (one database per size: the seed is reused); past 20k candidates each
metric keeps fewer steps (1M x 5 metrics x 2 steps) so the history stays ~10M rows. The seed is set-based SQL
(generate_series) at every size: 1M candidates took 53 min on the shared 2-core machine.

The database is created and migrated if needed and reused by later runs (--reseed to start over).

--long-candidates N (issue 13, "Long histories: 100 traces x 1M points" in docs/bench.md) seeds a second
experiment of N candidates with a --long-steps (1,000,000) point metric each, one set-based statement per
candidate, and their rollup blocks (the services' own rollup SQL over each history); then it times only the chart
data of all N overlaid (performance/data.json, compare/data.json and metric_series itself), read from the rollup
and read exactly (the rollup switched off in process), and prints the ratio. 100 x 1M is 100M history rows
(~13 GB with its index; check `df -h` first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assay_rollup_bench .venv/bin/python bench/pages.py \
        --candidates 100 --long-candidates 100 [--runs 10]

With --reference it also compares over HTTP with the reference: it serves Assay with gunicorn (2 workers x 4
threads, as deployed) on the same database and times each page there; then it starts the reference
`mlflow server` on PostgreSQL (bench/servers.py, scratch venv /tmp/refenv), seeds exactly the same runs, params,
metrics and ids by bulk SQL into its own schema (over its REST API that would take hours), and times, per view,
the calls the MLflow UI makes for it (runs/search with the same filter and order; runs/get and the charts'
ajax-api get-history-bulk-interval at the UI's 320 points; metrics/get-history of the 1M-point metric), then
prints Assay/MLflow ratios. The reference is stopped at the end.
"""

import argparse
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
COMPARED = range(4321, 4421)  # the compare views' 100 candidates (iids; one bulk insert: consecutive ids)
PROJECT = "bench/pages"


def scale(*, candidates: int, steps: int | None) -> None:
    """Set the experiment's size. Past 20k candidates the history gets fewer steps per metric (at most ~10M
    history rows: 100k x 5 x 20, 1M x 5 x 2): the pages read latest metrics and a page of histories, so the number of
    candidates is what they scale with."""
    global CANDIDATES, STEPS
    CANDIDATES = candidates
    STEPS = steps or max(2, min(100, 10_000_000 // (candidates * METRICS)))


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
                  1700000000000 + g::bigint * 60000, 1700000000000 + g::bigint * 60000 + 30000 + (g %% 17) * 1000,
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
    (
        "candidates_candidatemetadata",
        # Two tags per candidate (one that differs, one that does not) for the compare page's tag rows.
        """INSERT INTO candidates_candidatemetadata (candidate_id, name, value)
           SELECT c.id, t.name, CASE WHEN t.name = 'fold' THEN (c.iid %% 5)::text ELSE 'bench' END
           FROM candidates_candidate c CROSS JOIN (VALUES ('fold'), ('team')) t(name)
           WHERE c.experiment_id = %(exp)s""",
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
    exp, _ = Experiment.objects.get_or_create(
        project=project, iid=1, defaults={"name": f"bench-{CANDIDATES}", "user": user}
    )
    args = {
        "exp": exp.pk,
        "project": project.pk,
        "user": user.pk,
        "candidates": CANDIDATES,
        "params": PARAMS,
        "metrics": METRICS,
        "steps": STEPS,
        "long": LONG_STEPS,
    }
    t = time.perf_counter()
    seeded = False
    with connection.cursor() as cur:
        for table, sql in STEPS_SQL:
            join = (
                ""
                if table == "candidates_candidate"
                else " t JOIN candidates_candidate c ON c.id = t.candidate_id"
            )
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


def seed_long(project, user, count: int, steps: int):
    """Experiment 2: `count` candidates with a `steps`-point metric `long` each (a slow wave, a ripple every
    1,000 steps, a spike and a dip at a step of its own), their latest values and their rollup blocks.
    Resumable: a candidate whose history is there is skipped."""
    from django.db import connection

    from candidates.metrics.services import rollup_sql
    from candidates.models import Candidate
    from experiments.models import Experiment

    exp, _ = Experiment.objects.get_or_create(
        project=project, iid=2, defaults={"name": f"long-{count}", "user": user}
    )
    have = Candidate.objects.filter(experiment=exp).count()
    Candidate.objects.bulk_create(
        [
            Candidate(experiment=exp, project=project, iid=i, name=f"long-{i}", status="FINISHED",
                      start_time=1_700_000_000_000 + i * 1000, user=user, user_name="bench")
            for i in range(have + 1, count + 1)
        ]
    )  # fmt: skip
    fine, insert = rollup_sql(
        '(SELECT candidate_id, name, value, step, "timestamp" FROM candidates_candidatemetric'
        " WHERE candidate_id = %(id)s) AS h"
    )
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET work_mem = '256MB'")
        for c in Candidate.objects.filter(experiment=exp).order_by("iid"):
            cur.execute("SELECT 1 FROM candidates_candidatelatestmetric WHERE candidate_id = %s", [c.pk])
            if cur.fetchone():
                continue
            args = {"id": c.pk, "steps": steps, "spike": (c.iid * 7919) % (steps - 1)}
            cur.execute(
                """INSERT INTO candidates_candidatemetric (candidate_id, name, value, step, timestamp)
                   SELECT %(id)s, 'long', CASE WHEN s = %(spike)s THEN 100.0 WHEN s = %(spike)s + 1 THEN -100.0
                          ELSE sin(s / 50000.0) + (s %% 1000) / 5000.0 END, s, 1700000000000 + s
                   FROM generate_series(0, %(steps)s - 1) s""",
                args,
            )
            cur.execute(f"WITH rollup_fine AS ({fine}) {insert}", args)
            cur.execute(  # last: its presence marks the candidate done
                """INSERT INTO candidates_candidatelatestmetric (candidate_id, name, value, step, timestamp)
                   VALUES (%(id)s, 'long', 0.5, %(steps)s - 1, 1700000000000)""",
                args,
            )
            print(f"  long-{c.iid}: {time.perf_counter() - t:.0f}s", flush=True)
        cur.execute("VACUUM ANALYZE candidates_candidatemetric")
        cur.execute("VACUUM ANALYZE candidates_candidatemetricrollup")
    return exp


def bench_long(args, project, user):
    """Chart data of every long candidate overlaid, from the rollup and exactly (the rollup switched off)."""
    from unittest import mock

    from django.test import Client

    from candidates.metrics import charts
    from candidates.models import Candidate

    exp = seed_long(project, user, args.long_candidates, args.long_steps)
    ids = list(Candidate.objects.filter(experiment=exp).order_by("iid").values_list("pk", flat=True))
    client = Client()
    client.force_login(user)
    base = f"/{PROJECT}/-/ml/experiments/2/"
    views = [
        (f"Performance chart data ({len(ids)} traces, 500 buckets each)", base + "performance/data.json", {}),
        (
            f"compare chart data ({len(ids)} overlaid, 160 buckets each)",
            base + "compare/data.json",
            {"c": ids},
        ),
    ]
    print(f"\n{len(ids)} candidates x {args.long_steps:,} points overlaid; {args.runs} runs each, in process")
    print(f"{'chart data':52} {'path':8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    results = {}
    for path in ("rollup", "exact"):
        off = mock.patch.object(charts, "rollup_shift", lambda stat, buckets: None)
        if path == "exact":
            off.start()
        try:
            for name, url, params in views:
                # The exact path reads every point (seconds a request): fewer runs (each after two warm-ups).
                m = measure(client, url, args.runs if path == "rollup" else max(1, args.runs // 10), params)
                results[(name, path)] = m
                print(f"{name:52} {path:8} {m['p50']:8.1f} {m['p95']:8.1f} {m['queries']:8d}", flush=True)
            times = []
            for _ in range(3 if path == "rollup" else 1):
                t = time.perf_counter()
                series = charts.metric_series(candidate_ids=ids, total_points=charts.TOTAL_POINTS)
                times.append((time.perf_counter() - t) * 1000)
            points = sum(len(s.x) for s in series)
            spikes = sum(max(s.y) == 100.0 and min(s.y) == -100.0 for s in series)
            label = f"metric_series alone (best of 3 / 1), {points:,} points"
            print(
                f"{label:52} {path:8} {min(times):8.1f}   spike and dip kept in {spikes}/{len(series)} traces"
            )
        finally:
            if path == "exact":
                off.stop()
    for name, _, _ in views:
        rollup, exact = results[(name, "rollup")], results[(name, "exact")]
        print(f"{name}: exact / rollup p50 = {exact['p50'] / rollup['p50']:.1f}x;"
              f" target p95 < 1000 ms: {'met' if rollup['p95'] < 1000 else 'NOT met'}")  # fmt: skip


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


REF_SQL = [
    # The same candidates, values and ids as STEPS_SQL, in the reference mlflow server's own schema (its
    # SQLAlchemy store: runs, params, metrics, latest_metrics, tags). Seeding 10k runs and 1M points over its REST
    # API takes hours on this machine; bulk SQL takes a minute, and the server reads the rows as its own.
    """INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,
         end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
       SELECT md5('bench' || g), 'cand-' || g, 'LOCAL', '', '', 'bench',
              CASE WHEN g %% 500 = 0 THEN 'RUNNING' WHEN g %% 97 = 0 THEN 'FAILED' ELSE 'FINISHED' END,
              1700000000000 + g::bigint * 60000, 1700000000000 + g::bigint * 60000 + 30000 + (g %% 17) * 1000, '', 'active',
              %(artifacts)s || '/' || md5('bench' || g) || '/artifacts', %(exp)s
       FROM generate_series(1, %(candidates)s) g""",
    """INSERT INTO tags (key, value, run_uuid)
       SELECT 'mlflow.runName', 'cand-' || g, md5('bench' || g) FROM generate_series(1, %(candidates)s) g""",
    """INSERT INTO params (key, value, run_uuid)
       SELECT 'p' || k, CASE WHEN k < 5 THEN ((g * (k + 3)) %% (k + 4))::text ELSE 'const' || k END,
              md5('bench' || g)
       FROM generate_series(1, %(candidates)s) g CROSS JOIN generate_series(0, %(params)s - 1) k""",
    """INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)
       SELECT 'm' || k, (1.0 / (1 + s)) + ((g * (k + 1)) %% 1000) / 1000.0, 1700000000000 + s,
              md5('bench' || g), s, false
       FROM generate_series(1, %(candidates)s) g CROSS JOIN generate_series(0, %(metrics)s - 1) k
            CROSS JOIN generate_series(0, %(steps)s - 1) s""",
    """INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)
       SELECT key, value, timestamp, step, is_nan, run_uuid FROM metrics WHERE step = %(steps)s - 1""",
    """INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)
       SELECT 'long', sin(s / 5000.0) + (s %% 1000) / 5000.0, 1700000000000 + s, md5('bench' || 1), s, false
       FROM generate_series(0, %(long)s - 1) s""",
    """INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)
       VALUES ('long', 0.5, 1700000000000, %(long)s - 1, false, md5('bench' || 1))""",
]


class Http:
    """One keep-alive HTTP connection (both servers are timed the same way: loopback, sequential)."""

    def __init__(self, base: str, headers: dict | None = None):
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(base)
        self.prefix = parts.path.rstrip("/")
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=900)
        self.headers = headers or {}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        import http.client
        import json

        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.conn.request(method, self.prefix + path, body=data, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # The server closed an idle keep-alive connection (uvicorn after 5 s): reconnect once.
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def timed(self, calls: list[tuple[str, str, dict | None]], runs: int) -> dict:
        """p50/p95 (ms) of doing `calls` in sequence (one page view), after one warm-up."""
        times, status, size = [], None, 0
        for i in range(runs + 1):
            t = time.perf_counter()
            size = 0
            for method, path, body in calls:
                status, content = self.call(method, path, body)
                size += len(content)
                if status != 200:
                    raise SystemExit(f"{self.prefix}{path}: HTTP {status} {content[:300]!r}")
            if i:
                times.append((time.perf_counter() - t) * 1000)
        times.sort()
        return {
            "p50": statistics.median(times),
            "p95": times[int(round(0.95 * (len(times) - 1)))],
            "bytes": size,
        }


def reference_mlflow(args, flt: str, run_ids: dict) -> dict:
    """Start the reference mlflow server on PostgreSQL, seed the same data by bulk SQL, time the calls its UI
    makes for each of our pages (over HTTP), stop it."""
    import json
    import subprocess
    from urllib.parse import urlencode

    import psycopg

    state = Path(args.ref_state)
    servers = ROOT / "bench" / "servers.py"
    py = sys.executable
    subprocess.run(
        [py, str(servers), "start", "--state", str(state), "--targets", "mlflow-postgres"], check=True
    )
    try:
        server = json.loads((state / "servers.json").read_text())[0]
        http = Http(server["uri"])
        status, body = http.call("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=bench-10k")
        if status == 200:  # --ref-reuse: the database kept from an earlier run, seeded already
            exp = json.loads(body)["experiment"]["experiment_id"]
            print(f"reference database reused ({server['uri']})", flush=True)
        else:
            status, body = http.call("POST", "/api/2.0/mlflow/experiments/create", {"name": "bench-10k"})
            exp = json.loads(body)["experiment_id"]
            store = "postgresql://" + server["extra"]["store"].split("://", 1)[1]
            t = time.perf_counter()
            values = {"exp": int(exp), "artifacts": f"mlflow-artifacts:/{exp}", "candidates": CANDIDATES,
                      "params": PARAMS, "metrics": METRICS, "steps": STEPS, "long": LONG_STEPS}  # fmt: skip
            with psycopg.connect(store, autocommit=True) as conn:
                for sql in REF_SQL:
                    conn.execute(sql, values)
                conn.execute("VACUUM ANALYZE")
            print(f"reference seeded by SQL in {time.perf_counter() - t:.0f}s ({server['uri']})", flush=True)
        ajax = "/ajax-api/2.0/mlflow/"
        search = {"experiment_ids": [exp], "filter": flt, "order_by": ["metrics.m0 DESC"], "max_results": 50}

        def bulk(keys: list[str], metric: str) -> tuple[str, str, None]:
            query = urlencode({"run_ids": keys, "metric_key": metric, "max_results": 320}, doseq=True)
            return ("GET", f"{ajax}metrics/get-history-bulk-interval?{query}", None)

        ten = [md5_hex(i) for i in range(1, 11)]
        views = {
            "experiment page": [("POST", ajax + "runs/search", search)],
            "candidate page": [("GET", f"{ajax}runs/get?run_id={md5_hex(4321)}", None)]
            + [bulk([md5_hex(4321)], f"m{k}") for k in range(METRICS)],
            "Performance chart data": [bulk(ten, f"m{k}") for k in range(METRICS)],
            "1M-step metric chart": [bulk([md5_hex(1)], "long")],
            "runs/search API": [("POST", "/api/2.0/mlflow/runs/search", search)],
            # The UI's compare page loads each run (runs/get) and its charts the histories of the selection
            # (get-history-bulk-interval takes at most 100 runs per call).
            "compare 100": [("GET", f"{ajax}runs/get?run_id={md5_hex(g)}", None) for g in COMPARED],
            "compare chart data 100": [bulk([md5_hex(g) for g in COMPARED], f"m{k}") for k in range(METRICS)],
        }
        out = {name: http.timed(calls, args.runs) for name, calls in views.items()}
        history = (
            f"/api/2.0/mlflow/metrics/get-history?{urlencode({'run_id': md5_hex(1), 'metric_key': 'long'})}"
        )
        out["get-history 1M"] = http.timed([("GET", history, None)], 1)
        return out
    finally:
        subprocess.run([py, str(servers), "stop", "--state", str(state)], check=False)


def md5_hex(g: int) -> str:
    import hashlib

    return hashlib.md5(f"bench{g}".encode()).hexdigest()


def assay_over_http(args, flt: str, project, user, long_c, some_c, token: str) -> dict:
    """Assay's pages and API calls for the same views, through gunicorn (as deployed) over HTTP."""
    import json
    import socket
    import subprocess

    from django.test import Client

    client = Client()
    client.force_login(user)  # a session row in the database the server reads
    session = client.cookies["sessionid"].value
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "--timeout", "900"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        page = Http(base, {"Cookie": f"sessionid={session}"})
        api = Http(base, {"Authorization": f"Bearer {token}"})
        from urllib.parse import urlencode

        exp = f"/{PROJECT}/-/ml/experiments/1/"
        view = urlencode({"sort": "metrics.m0", "dir": "desc", "filter": flt})
        hundred = urlencode({"c": list(range(some_c.pk, some_c.pk + len(COMPARED)))}, doseq=True)
        mlflow = f"/api/v4/projects/{project.pk}/ml/mlflow/api/2.0/mlflow/"
        search = {"experiment_ids": ["1"], "filter": flt, "order_by": ["metrics.m0 DESC"], "max_results": 50}
        out = {
            "experiment page": page.timed([("GET", f"{exp}?{view}", None)], args.runs),
            "candidate page": page.timed(
                [("GET", f"/{PROJECT}/-/ml/candidates/{some_c.pk}/", None)], args.runs
            ),
            "Performance chart data": page.timed(
                [("GET", f"{exp}performance/data.json?{view}", None)], args.runs
            ),
            "1M-step metric chart": page.timed(
                [("GET", f"/{PROJECT}/-/ml/candidates/{long_c.pk}/metrics.json?metric=long", None)], args.runs
            ),
            "runs/search API": api.timed([("POST", mlflow + "runs/search", search)], args.runs),
            "compare 100": page.timed([("GET", f"{exp}compare/?{hundred}", None)], args.runs),
            "compare chart data 100": page.timed(
                [("GET", f"{exp}compare/data.json?{hundred}", None)], args.runs
            ),
        }
        history = f"{mlflow}metrics/get-history?{urlencode({'run_id': long_c.eid_hex, 'metric_key': 'long'})}"
        out["get-history 1M"] = api.timed([("GET", history, None)], 1)
        json.dumps(out)
        return out
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument(
        "--reference", action="store_true", help="also seed and time the reference mlflow server"
    )
    parser.add_argument("--ref-state", default="/tmp/assay-bench-pages-ref")
    parser.add_argument(
        "--ref-reuse",
        action="store_true",
        help="keep the reference's database (and seed) from an earlier run",
    )
    parser.add_argument(
        "--candidates", type=int, default=CANDIDATES, help="candidates in the experiment (10k by default)"
    )
    parser.add_argument(
        "--steps", type=int, default=None, help="steps per metric (default: 100, fewer past 20k candidates)"
    )
    parser.add_argument("--seed-only", action="store_true", help="seed the database and stop")
    parser.add_argument(
        "--long-candidates",
        type=int,
        default=0,
        help="also seed N candidates with a --long-steps metric each and time only their overlaid chart data",
    )
    parser.add_argument("--long-steps", type=int, default=LONG_STEPS, help="points per long candidate")
    args = parser.parse_args()
    if args.ref_reuse:
        os.environ["BENCH_REF_REUSE"] = "1"
    scale(candidates=args.candidates, steps=args.steps)
    ensure_database()
    import django

    django.setup()
    from django.test import Client

    from candidates.models import Candidate
    from projects.services import access_token_create

    project, user = seed(args.reseed)
    if args.long_candidates:
        if args.seed_only:
            seed_long(project, user, args.long_candidates, args.long_steps)
        else:
            bench_long(args, project, user)
        return
    if args.seed_only:
        return
    client = Client()
    client.force_login(user)
    long_c = Candidate.objects.get(project=project, experiment__iid=1, iid=1)
    some_c = Candidate.objects.get(project=project, experiment__iid=1, iid=4321)
    exp = f"/{PROJECT}/-/ml/experiments/1/"
    hundred = list(range(some_c.pk, some_c.pk + 100))  # iids 4321-4420: one bulk insert, consecutive ids
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
        ("Performance scatter points (after the page)", exp + "performance/points.json", {"filter": flt}),
        ("Performance metric summary (after the page)", exp + "performance/summary.json", {"filter": flt}),
        (
            "chart data, 1M-step metric downsampled",
            f"/{PROJECT}/-/ml/candidates/{long_c.pk}/metrics.json",
            {"metric": "long"},
        ),
        ("compare 100 candidates", exp + "compare/", {"c": hundred}),
        ("compare chart data (100 candidates overlaid)", exp + "compare/data.json", {"c": hundred}),
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
    pages[3] = (
        pages[3][0],
        exp,
        {"sort": "params.p2", "dir": "asc", "cursor": table_page(spec=spec).next_cursor},
    )

    token = access_token_create(user=user, name="bench")[1]
    api = f"/api/v4/projects/{project.pk}/ml/mlflow/api/2.0/mlflow/"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    reference = [
        ("MLflow API runs/search (same filter, order, 50)", api + "runs/search", None),
        (
            "MLflow API metrics/get-history (all 1M points)",
            api + "metrics/get-history",
            {"run_id": long_c.eid_hex, "metric_key": "long"},
        ),
    ]
    print(
        f"{CANDIDATES:,} candidates x {PARAMS} params x {METRICS} metrics x {STEPS} steps + 1 x {LONG_STEPS:,} steps;"
        f" {args.runs} runs each, server time in-process\n"
    )
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
            body = {
                "experiment_ids": ["1"],
                "filter": flt,
                "order_by": ["metrics.m0 DESC"],
                "max_results": 50,
            }
            times = []
            for i in range(args.runs + 2):
                t = time.perf_counter()
                r = client.post(url, json.dumps(body), content_type="application/json", **auth)
                if i >= 2:
                    times.append((time.perf_counter() - t) * 1000)
            times.sort()
            m = {
                "p50": statistics.median(times),
                "p95": times[int(round(0.95 * (len(times) - 1)))],
                "queries": -1,
                "status": r.status_code,
            }
        else:  # a million points per call: a few runs are enough
            m = measure(client, url, max(3, args.runs // 10), params, auth)
        results[name] = m
        print(f"{name:58} {m['p50']:8.1f} {m['p95']:8.1f} {'':>8}  HTTP {m['status']}")
    page, api_search = results["experiment page sorted by metric + filtered"], results[reference[0][0]]
    chart, api_hist = results["chart data, 1M-step metric downsampled"], results[reference[1][0]]
    print(f"\nexperiment page / runs/search p50 ratio: {page['p50'] / api_search['p50']:.2f}")
    print(f"1M chart data / get-history (all points) p50 ratio: {chart['p50'] / api_hist['p50']:.2f}")
    if args.reference:
        ours = assay_over_http(args, flt, project, user, long_c, some_c, token)
        theirs = reference_mlflow(args, flt, {})
        what = {
            "experiment page": ("experiment page, sorted + filtered (HTML)", "runs/search, same filter + order, 50"),
            "candidate page": ("candidate page (HTML)", "runs/get + 5 x get-history-bulk-interval"),
            "Performance chart data": ("performance/data.json (10 runs x 5 metrics)",
                                       "5 x get-history-bulk-interval (10 runs, 320 points)"),
            "1M-step metric chart": ("metrics.json (1M points downsampled)", "get-history-bulk-interval (320 points)"),
            "runs/search API": ("runs/search (same body)", "runs/search (same body)"),
            "compare 100": ("compare page, 100 candidates (HTML)", "100 x runs/get"),
            "compare chart data 100": ("compare/data.json, 100 overlaid",
                                       "5 x get-history-bulk-interval (100 runs, 320 points)"),
            "get-history 1M": ("metrics/get-history, all 1M points", "metrics/get-history, all 1M points"),
        }  # fmt: skip
        print(
            f"\nover HTTP, both servers on PostgreSQL with the same {CANDIDATES:,} runs and {LONG_STEPS:,} points "
            f"(Assay: gunicorn 2 x 4; MLflow: mlflow server, 1 worker); per view, the calls its UI makes, p50 ms"
        )
        print(f"{'view':24} {'Assay':44} {'p50':>8} {'MLflow UI calls':52} {'p50':>8} {'Assay/MLflow':>12}")
        for key, (ours_what, theirs_what) in what.items():
            a, m = ours[key]["p50"], theirs[key]["p50"]
            print(f"{key:24} {ours_what:44} {a:8.1f} {theirs_what:52} {m:8.1f} {a / m:12.2f}")
    targets = [
        ("experiment page (default)", 300),
        ("experiment page sorted by metric + filtered", 300),
        ("Performance tab (filtered)", 300),
        ("Performance chart data (10 traces x 5 metrics)", 1000),
        ("compare 100 candidates", 500),
        ("compare chart data (100 candidates overlaid)", 1000),
    ]
    for name, limit in targets:
        p95 = results[name]["p95"]
        print(f"target {name}: p95 {p95:.0f} ms < {limit} ms: {'met' if p95 < limit else 'NOT met'}")


if __name__ == "__main__":
    main()
