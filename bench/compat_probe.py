"""Side-by-side compatibility probe for issue 12: the reference `mlflow server` vs Assay, same scenarios.

    .venv/bin/python bench/compat_probe.py [--state /tmp/assay-compat-state]

Starts the reference (SQLite, --serve-artifacts, from the scratch venv /tmp/refenv) and Assay (gunicorn on the
PostgreSQL database `assay_compat`, artifact ingestion eager, no Celery worker) through bench/servers.py, runs
every scenario once per server in its own subprocess (`--scenario NAME`, environment pointing the official mlflow
client at that server only, so no client state leaks from one server to the other), prints one Markdown table
(item | what was done | reference | Assay | same?) of what each server actually answered, saves the raw
observations as <state>/compat.json, and stops both servers on exit, error or Ctrl-C.

A cell shows the observation; "same?" compares its comparable part (status, error code, listed paths, ids as
roles, tag values with ids masked) and says "wording" when only the message text differs.
Client settings for every scenario: MLFLOW_HTTP_REQUEST_MAX_RETRIES=2, backoff factor 1 (so a retrying client
shows up as retries within seconds instead of minutes), synchronous logging.
"""

import argparse
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STATE = "/tmp/assay-compat-state"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
MLFLOW_CLI = str(ROOT / ".venv" / "bin" / "mlflow")

# ------------------------------------------------------------------------------------------------------------------
# Scenario side (runs in a subprocess whose environment points the client at one server)
# ------------------------------------------------------------------------------------------------------------------

REQUESTS: list[dict] = []  # every HTTP exchange the client made (after urllib3's retries)
RETRIES: list[str] = []  # every retry urllib3 decided on
ROWS: list[dict] = []  # the observations of this scenario, in table order


def instrument() -> None:
    """Record each request the client sends (method, path under the tracking URI, status, error body) and each
    retry urllib3 makes, without changing what is sent."""
    import requests
    import urllib3.util.retry

    send = requests.Session.send

    def logged_send(self, request, **kwargs):
        response = send(self, request, **kwargs)
        entry = {"method": request.method, "path": api_path(request.url), "status": response.status_code}
        if response.status_code >= 400:
            entry["body"] = response.text[:400]
        REQUESTS.append(entry)
        return response

    requests.Session.send = logged_send
    increment = urllib3.util.retry.Retry.increment

    def counted_increment(self, method=None, url=None, response=None, error=None, *args, **kwargs):
        status = getattr(response, "status", None)
        RETRIES.append(f"{method} {api_path(url or '')} {status or type(error).__name__}")
        return increment(self, method, url, response, error, *args, **kwargs)

    urllib3.util.retry.Retry.increment = counted_increment


def api_path(url: str) -> str:
    """The path under the tracking URI (Assay's `/api/v4/projects/<p>/ml/mlflow` prefix removed)."""
    path = urlsplit(url).path
    return path.split("/ml/mlflow", 1)[1] if "/ml/mlflow" in path else path


def mask(text: str) -> str:
    """Ids and ports differ between servers by nature: replace them by their role."""
    text = re.sub(r"m-[0-9a-f]{32}", "<model_id>", text)
    text = re.sub(r"tr-[0-9a-f]{32}", "<trace_id>", text)
    text = re.sub(r"[0-9a-f]{32}", "<run_id>", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "<host>", text)
    text = re.sub(r"/api/v4/projects/[^/]+/ml/mlflow", "", text)
    text = re.sub(r"/tmp/\S+?/(big\.bin|a\.txt)", r"<tmp>/\1", text)
    return text


def row(key: str, what: str, show: str, cmp: str | None = None) -> None:
    ROWS.append({"key": key, "what": what, "show": mask(show), "cmp": mask(cmp if cmp is not None else show)})


def base_url() -> str:
    return os.environ["MLFLOW_TRACKING_URI"].rstrip("/")


def http(method: str, path: str, **kwargs):
    import requests

    headers = kwargs.pop("headers", {})
    if os.environ.get("MLFLOW_TRACKING_TOKEN"):
        headers["Authorization"] = f"Bearer {os.environ['MLFLOW_TRACKING_TOKEN']}"
    return requests.request(method, base_url() + path, headers=headers, timeout=60, **kwargs)


def answer(response) -> tuple[str, str]:
    """(shown, compared) for an HTTP answer: status, body kind, error code and the start of the message."""
    ctype = response.headers.get("Content-Type", "").split(";")[0]
    kind = {"application/json": "JSON", "text/html": "HTML", "text/plain": "text"}.get(ctype, ctype or "-")
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "error_code" in body:
        message = str(body.get("message", ""))
        return (
            f"{response.status_code} {kind} {body['error_code']}: “{message[:70]}”",
            f"{response.status_code} {kind} {body['error_code']}",
        )
    text = response.text.strip().replace("\n", " ")
    shown = f"{response.status_code} {kind} “{text[:70]}”"
    return shown, shown if response.status_code < 400 else f"{response.status_code} {kind}"


def attempt(fn):
    """(ok, value or "ExceptionType: message start")."""
    try:
        return True, fn()
    except Exception as exc:  # noqa: BLE001 - the exception is the observation
        message = " ".join(str(exc).split())
        return False, f"{type(exc).__name__}: {message[:110]}"


def error_code_of(text: str) -> str:
    """The comparable part of a client exception: its type and MLflow error code (or HTTP status)."""
    kind = text.split(":", 1)[0]
    code = re.search(r"\b([A-Z][A-Z_]{5,})\b", text)
    status = re.search(r"\b([45]\d\d)\b", text)
    return " ".join(x for x in (kind, code and code[1], status and status[1]) if x)


def new_run(experiment: str):
    import mlflow

    mlflow.set_experiment(experiment)
    return mlflow.start_run()


def echo_model():
    import mlflow.pyfunc

    class EchoModel(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return model_input

    return EchoModel()


def scenario_dot_path() -> None:
    """1. `.` as an artifact path; `..` and absolute paths refused."""
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient()
    tmp = Path(tempfile.mkdtemp())
    (tmp / "a.txt").write_text("a\n")
    (tmp / "b.txt").write_text("b\n")
    with new_run("compat-dot") as run:
        mlflow.log_artifact(str(tmp / "a.txt"))
        mlflow.log_artifact(str(tmp / "b.txt"), artifact_path="sub")
    run_id = run.info.run_id

    dst = tmp / "dl"
    dst.mkdir()
    ok, value = attempt(
        lambda: mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=".", dst_path=str(dst))
    )
    if ok:
        files = sorted(str(p.relative_to(dst)) for p in dst.rglob("*") if p.is_file())
        value = "downloaded " + ", ".join(files)
    row("1a", '`mlflow.artifacts.download_artifacts(run_id, artifact_path=".")`', value, value if ok else
        error_code_of(value))  # fmt: skip

    ok, value = attempt(lambda: client.list_artifacts(run_id, "."))
    shown = ", ".join(f"{f.path}{'/' if f.is_dir else ''}" for f in value) if ok else value
    row(
        "1b",
        '`client.list_artifacts(run_id, ".")`',
        shown or "(empty)",
        shown if ok else error_code_of(value),
    )

    env = dict(os.environ)
    cli = subprocess.run(
        [MLFLOW_CLI, "artifacts", "list", "--run-id", run_id, "--artifact-path", "."],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    if cli.returncode == 0:
        try:
            listed = json.loads(cli.stdout)
            shown = "exit 0: " + ", ".join(f"{f['path']}{'/' if f['is_dir'] else ''}" for f in listed)
        except ValueError:
            shown = "exit 0: " + cli.stdout.strip()[:100]
        cmp = shown
    else:
        last = (cli.stderr.strip().splitlines() or [""])[-1]
        shown = f"exit {cli.returncode}: {last[:110]}"
        cmp = f"exit {cli.returncode} " + error_code_of(last)
    row("1c", "`mlflow artifacts list --run-id … --artifact-path .`", shown, cmp)

    for key, what, path in (
        ("1d", '`client.list_artifacts(run_id, "..")`', ".."),
        ("1e", '`client.list_artifacts(run_id, "sub/../..")`', "sub/../.."),
    ):
        REQUESTS.clear()
        ok, value = attempt(lambda p=path: client.list_artifacts(run_id, p))
        sent = (
            "; ".join(f"GET {r['status']}" for r in REQUESTS if "mlflow-artifacts" in r["path"])
            or "no request"
        )
        refused = [r for r in REQUESTS if r["status"] >= 400 and "body" in r]
        if ok:
            shown = cmp = "listed: " + (", ".join(f.path for f in value) or "(empty)")
        elif refused:
            try:
                body = json.loads(refused[0]["body"])
                cmp = f"{value.split(':')[0]}, server {refused[0]['status']} {body.get('error_code')}"
                shown = f"{cmp}: “{str(body.get('message'))[:60]}”"
            except ValueError:
                shown = cmp = f"{value.split(':')[0]}, server {refused[0]['status']} (not JSON)"
        else:
            shown, cmp = value, error_code_of(value)
        row(key, what + " (artifact-proxy listing requests)", f"{shown} [{sent}]", f"{cmp} [{sent}]")

    # The artifact proxy's own listing with a '..' and an absolute path, as a hand-made client would send them.
    experiment_id = run.info.experiment_id
    for key, what, path in (
        ("1f", "`GET mlflow-artifacts/artifacts?path=<exp>/<run>/artifacts/..`",
         f"{experiment_id}/{run_id}/artifacts/.."),
        ("1g", "`GET mlflow-artifacts/artifacts?path=/etc`", "/etc"),
    ):  # fmt: skip
        shown, cmp = answer(http("GET", "/api/2.0/mlflow-artifacts/artifacts", params={"path": path}))
        row(key, what, shown, cmp)


def scenario_default_experiment() -> None:
    """2. Experiment 0 for logged models, in a fresh project (Assay) / fresh server (reference)."""
    import mlflow
    from mlflow import MlflowClient

    uri_a, token_a = os.environ["COMPAT_FRESH_A"].split(" ")
    uri_b, token_b = os.environ["COMPAT_FRESH_B"].split(" ")

    def use(uri: str, token: str) -> None:
        os.environ["MLFLOW_TRACKING_URI"] = uri
        if token != "-":
            os.environ["MLFLOW_TRACKING_TOKEN"] = token
        mlflow.set_tracking_uri(uri)

    use(uri_a, token_a)
    client = MlflowClient(uri_a)
    ok, value = attempt(lambda: mlflow.initialize_logged_model(name="m0"))
    if ok:
        experiment = client.get_experiment(value.experiment_id)
        shown = f"model in experiment {value.experiment_id} “{experiment.name}”, status {value.status}"
    else:
        shown = value
    row("2a", "fresh: `mlflow.initialize_logged_model(name=…)`, no experiment set", shown,
        shown if ok else error_code_of(value))  # fmt: skip

    use(uri_b, token_b)
    client = MlflowClient(uri_b)
    ok, value = attempt(
        lambda: mlflow.pyfunc.log_model(name="m1", python_model=echo_model(), pip_requirements=["mlflow"])
    )
    if ok:
        model = client.get_logged_model(value.model_id)
        experiment = client.get_experiment(model.experiment_id)
        shown = (f"model in experiment {model.experiment_id} “{experiment.name}”, status {model.status}, "
                 f"source run {model.source_run_id or 'none'}")  # fmt: skip
    else:
        shown = value
    row("2b", "fresh: `mlflow.pyfunc.log_model(name=…)` outside a run", shown,
        shown if ok else error_code_of(value))  # fmt: skip


def scenario_run_outputs() -> None:
    """3. runs/get returns the run's model outputs after log_model inside a run."""
    import mlflow
    from mlflow import MlflowClient

    with new_run("compat-outputs") as run:
        info = mlflow.pyfunc.log_model(
            name="model", python_model=echo_model(), pip_requirements=["mlflow"], step=3
        )
    fetched = MlflowClient().get_run(run.info.run_id)
    outputs = fetched.outputs.model_outputs if fetched.outputs else []
    shown = "model_outputs: " + (
        ", ".join(
            f"({'the logged model' if o.model_id == info.model_id else o.model_id}, step {o.step})"
            for o in outputs
        )
        or "(none)"
    )
    raw = http("GET", "/api/2.0/mlflow/runs/get", params={"run_id": run.info.run_id}).json()
    shown += f"; JSON `run.outputs`: {json.dumps(raw['run'].get('outputs'))[:150]}"
    row("3", "`log_model(…, step=3)` in a run, then `client.get_run(run_id).outputs`", shown)


def scenario_multipart() -> None:
    """4. Proxy multipart upload above the threshold (env set by the driver): create answer, fallback, bytes."""
    import mlflow

    tmp = Path(tempfile.mkdtemp())
    big = tmp / "big.bin"
    big.write_bytes(os.urandom(300 * 1024))
    with new_run("compat-multipart") as run:
        REQUESTS.clear()
        ok, value = attempt(lambda: mlflow.log_artifact(str(big)))
    creates = [r for r in REQUESTS if "/mpu/create" in r["path"]]
    if creates:
        create = creates[0]
        try:
            body = json.loads(create.get("body", "{}"))
            detail = f"{body.get('error_code')}: “{str(body.get('message', ''))[:70]}”"
            # The client falls back to one PUT only on a message starting with its own sentence.
            from mlflow.exceptions import _UnsupportedMultipartUploadException as Unsupported

            fallback = str(body.get("message", "")).startswith(Unsupported.MESSAGE)
            detail += f" (client's fallback sentence: {'yes' if fallback else 'no'})"
            detail_cmp = f"{body.get('error_code')} fallback={fallback}"
        except ValueError:
            detail = detail_cmp = "(not JSON) " + create.get("body", "")[:60]
        row("4a", "`mpu/create` answer (client with `MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD=true`, 300 KiB file, "
            "threshold and chunk 64 KiB)", f"{create['status']} {detail}", f"{create['status']} {detail_cmp}")  # fmt: skip
    else:
        row("4a", "`mpu/create` answer", "no mpu/create request sent")
    sequence = " → ".join(f"{r['method']} {r['path'].split('/api/2.0/')[-1].split('/')[0:2][-1]} {r['status']}"
                          for r in REQUESTS)  # fmt: skip
    if ok:
        dst = Path(tempfile.mkdtemp())
        got = Path(mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="big.bin",
                                                       dst_path=str(dst)))  # fmt: skip
        same = hashlib.sha256(got.read_bytes()).digest() == hashlib.sha256(big.read_bytes()).digest()
        result = f"uploaded, download {'byte-identical' if same else 'DIFFERS'}"
        result_cmp = result
    else:
        result, result_cmp = f"upload failed: {value}", "upload failed: " + error_code_of(value)
    row("4b", "`mlflow.log_artifact(<300 KiB file>)` with that setting: requests sent, result",
        f"{sequence}; {result}", f"{sequence}; {result_cmp}")  # fmt: skip


def scenario_artifacts_list_rest() -> None:
    """5. GET /api/2.0/mlflow/artifacts/list with run_id and path."""
    import mlflow

    tmp = Path(tempfile.mkdtemp())
    (tmp / "a.txt").write_text("a\n")
    with new_run("compat-list") as run:
        mlflow.log_artifact(str(tmp / "a.txt"))
        mlflow.log_artifact(str(tmp / "a.txt"), artifact_path="sub")
    for key, path in (("5a", None), ("5b", "sub")):
        params = {"run_id": run.info.run_id}
        if path is not None:
            params["path"] = path
        response = http("GET", "/api/2.0/mlflow/artifacts/list", params=params)
        if response.status_code == 200:
            body = response.json()
            files = ", ".join(
                f"{f['path']}{'/' if f.get('is_dir') else ''}"
                + (f" ({f['file_size']} B)" if "file_size" in f else "")
                for f in body.get("files", [])
            )
            root = body.get("root_uri", "(no root_uri)")
            root = root.replace(run.info.experiment_id + "/", "<exp>/", 1)
            shown = f"200 root_uri {root}; files {files}"
        else:
            shown, _ = answer(response)
        what = f"`GET /api/2.0/mlflow/artifacts/list?run_id=…{'&path=' + path if path else ''}`"
        row(key, what, shown)


def scenario_model_links() -> None:
    """6. runs/log-inputs with models; a model version with model_id tags the logged model."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import LoggedModelInput

    client = MlflowClient()
    with new_run("compat-links") as run:
        pass
    model = mlflow.initialize_logged_model(name="linked", experiment_id=run.info.experiment_id)
    REQUESTS.clear()
    ok, value = attempt(lambda: client.log_inputs(run.info.run_id, models=[LoggedModelInput(model.model_id)]))
    sent = "; ".join(f"{r['method']} {r['path'].split('/mlflow/')[-1]} {r['status']}" for r in REQUESTS)
    if ok:
        inputs = client.get_run(run.info.run_id).inputs
        ids = [m.model_id for m in (inputs.model_inputs or [])] if inputs else []
        shown = f"[{sent}] run.inputs.model_inputs: " + (
            ", ".join("the logged model" if i == model.model_id else i for i in ids) or "(none)"
        )
        cmp = shown
    else:
        shown, cmp = f"[{sent}] {value}", f"[{sent}] {error_code_of(value)}"
    row("6a", "`client.log_inputs(run_id, models=[LoggedModelInput(model_id)])`, then `get_run`", shown, cmp)

    ok, value = attempt(lambda: client.create_registered_model("compat-linked"))
    if ok:
        ok, value = attempt(
            lambda: client.create_model_version(
                "compat-linked",
                source=model.artifact_location,
                run_id=run.info.run_id,
                model_id=model.model_id,
            )
        )
    if ok:
        tag = client.get_logged_model(model.model_id).tags.get("mlflow.modelVersions")
        shown = f"version {value.version}, mv.model_id {'= the model' if value.model_id == model.model_id else value.model_id}; tag `mlflow.modelVersions` = {tag}"
        cmp = shown
    else:
        shown, cmp = value, error_code_of(value)
    row("6b", "`client.create_model_version(name, source, run_id, model_id=…)`, then the logged model's tags",
        shown, cmp)  # fmt: skip


def scenario_health_trace() -> None:
    """7. /health, /version, @mlflow.trace."""
    import logging
    import warnings

    import mlflow

    for key, path in (("7a", "/health"), ("7b", "/version")):
        shown, cmp = answer(http("GET", path))
        row(key, f"`GET <tracking URI>{path}`", shown, cmp if key == "7a" else cmp.split(" “")[0])

    mlflow.set_experiment("compat-trace")
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(f"{record.name}: {record.getMessage()[:100]}")

    handler = Collect(level=logging.WARNING)
    for name in ("", "mlflow"):
        logging.getLogger(name).addHandler(handler)

    @mlflow.trace
    def add(a, b):
        return a + b

    REQUESTS.clear()
    RETRIES.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.monotonic()
        result = add(1, 2)
        call = time.monotonic() - started
        started = time.monotonic()
        mlflow.flush_trace_async_logging()
        flush = time.monotonic() - started
    records.extend(f"warnings: {w.message}"[:110] for w in caught)
    trace_id = mlflow.get_last_active_trace_id()
    ok, value = attempt(lambda: mlflow.get_trace(trace_id))
    stored = ("trace readable" if value is not None else "trace not found") if ok else "get_trace " + value
    sent = "; ".join(f"{r['method']} {r['path']} {r['status']}" for r in REQUESTS) or "none"
    shown = (
        f"returned {result} in {call:.2f} s (flush {flush:.2f} s); {len(records)} warning(s)"
        + (" (" + "; ".join(records) + ")" if records else "")
        + f"; {len(RETRIES)} retries; requests: {sent}; {stored}"
    )
    cmp = (f"prompt={call < 2}; warnings={len(records)}; retries={len(RETRIES)}; requests: {sent}; "
           f"{stored.split(':')[0]}")  # fmt: skip
    row("7c", "`@mlflow.trace` function called once, then `flush_trace_async_logging()`", shown, cmp)


def scenario_validation() -> None:
    """8. Malformed bodies and an over-long GET."""
    from mlflow import MlflowClient

    run = MlflowClient().create_run(MlflowClient().create_experiment("compat-validation"))
    cases = [
        ("8a", '`POST experiments/create {"name": 123}`', "POST", "/api/2.0/mlflow/experiments/create",
         {"json": {"name": 123}}),
        ("8b", '`POST runs/set-tag {"run_id": 123, "key": "k", "value": "v"}`', "POST",
         "/api/2.0/mlflow/runs/set-tag", {"json": {"run_id": 123, "key": "k", "value": "v"}}),
        ("8c", '`POST runs/log-metric` with `"run_id": <int>` (digits of nothing real)', "POST",
         "/api/2.0/mlflow/runs/log-metric", {"json": {"run_id": 12345, "key": "m", "value": 1.0,
                                                      "timestamp": 0, "step": 0}}),
        ("8d", "`GET metrics/get-history?run_id=<real>&metric_key=<9,000 chars>` (URL > 8,190 B)", "GET",
         "/api/2.0/mlflow/metrics/get-history", {"params": {"run_id": run.info.run_id, "metric_key": "m" * 9000}}),
        ("8e", "`GET runs/search?experiment_ids=…&filter=tags.note = '<9,000 chars>'` (URL > 8,190 B)", "GET",
         "/api/2.0/mlflow/runs/search", {"params": {"experiment_ids": run.info.experiment_id,
                                                    "filter": "tags.note = '" + "x" * 9000 + "'"}}),
        ("8f", "`GET experiments/search?filter=name = '<9,000 chars>'` (URL > 8,190 B)", "GET",
         "/api/2.0/mlflow/experiments/search", {"params": {"filter": "name = '" + "x" * 9000 + "'",
                                                           "max_results": 10}}),
        ("8g", "`GET experiments/search?filter=name = '<200,000 chars>'` (URL > 128 KiB)", "GET",
         "/api/2.0/mlflow/experiments/search", {"params": {"filter": "name = '" + "x" * 200_000 + "'",
                                                           "max_results": 10}}),
    ]  # fmt: skip
    for key, what, method, path, kwargs in cases:
        ok, value = attempt(lambda m=method, p=path, k=kwargs: http(m, p, **k))
        shown, cmp = (
            answer(value) if ok else ("no HTTP answer: " + value, "no HTTP answer: " + value.split(":")[0])
        )
        row(key, what, shown, cmp)


SCENARIOS = {
    "default_experiment": scenario_default_experiment,
    "dot_path": scenario_dot_path,
    "run_outputs": scenario_run_outputs,
    "multipart": scenario_multipart,
    "artifacts_list_rest": scenario_artifacts_list_rest,
    "model_links": scenario_model_links,
    "health_trace": scenario_health_trace,
    "validation": scenario_validation,
}


def run_scenario(name: str) -> None:
    instrument()
    try:
        SCENARIOS[name]()
    except Exception:  # noqa: BLE001 - a crash is an observation too, shown in the table
        last = traceback.format_exc().strip().splitlines()[-1]
        ROWS.append({"key": f"{name}!", "what": f"scenario `{name}` crashed", "show": mask(last[:200]),
                     "cmp": "crash"})  # fmt: skip
    print("COMPAT-ROWS " + json.dumps(ROWS), flush=True)


# ------------------------------------------------------------------------------------------------------------------
# Driver side
# ------------------------------------------------------------------------------------------------------------------


def client_environment(uri: str, token: str, extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update({
        "MLFLOW_TRACKING_URI": uri,
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
        "MLFLOW_ENABLE_ASYNC_LOGGING": "false",
        "PYTHONWARNINGS": "ignore",  # the scenario counts warnings itself, where they matter (item 7)
    })  # fmt: skip
    if token:
        env["MLFLOW_TRACKING_TOKEN"] = token
    env.update(extra or {})
    return env


MULTIPART_ENV = {
    "MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD": "true",
    "MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE": str(64 * 1024),
    "MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE": str(64 * 1024),
}


def run_in_subprocess(name: str, env: dict) -> list[dict]:
    done = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--scenario", name],
        capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=600,
    )  # fmt: skip
    for line in done.stdout.splitlines():
        if line.startswith("COMPAT-ROWS "):
            return json.loads(line.removeprefix("COMPAT-ROWS "))
    tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
    return [{"key": f"{name}!", "what": f"scenario `{name}`", "show": f"exit {done.returncode}: {tail[:200]}",
             "cmp": "crash"}]  # fmt: skip


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(results: dict[str, dict[str, list[dict]]]) -> str:
    """One table: rows in the order the scenarios produced them, reference's and Assay's cells side by side."""
    lines = ["| item | what was done | reference | Assay | same? |", "|---|---|---|---|---|"]
    ref = {r["key"]: r for rows in results["reference"].values() for r in rows}
    assay = {r["key"]: r for rows in results["assay"].values() for r in rows}
    keys = list(ref) + [k for k in assay if k not in ref]
    for key in sorted(keys, key=lambda k: (k.endswith("!"), k)):
        a, b = ref.get(key), assay.get(key)
        what = (a or b)["what"]
        if a and b and a["cmp"] == b["cmp"]:
            same = "yes" if a["show"] == b["show"] else "yes (wording)"
        else:
            same = "**no**"
        lines.append(
            f"| {key} | {cell(what)} | {cell(a['show'] if a else '(not run)')} | "
            f"{cell(b['show'] if b else '(not run)')} | {same} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--state", default=DEFAULT_STATE, help="scratch directory (data, logs, servers.json)")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help=argparse.SUPPRESS)
    parser.add_argument("--only", default="", help="comma-separated scenario names (default: all)")
    args = parser.parse_args()
    if args.scenario:
        run_scenario(args.scenario)
        return

    sys.path.insert(0, str(ROOT / "bench"))
    import servers
    from common import load_servers

    # Our own databases and broker, whatever the bench defaults are: PostgreSQL `assay_compat` (the reference runs
    # on SQLite), artifact ingestion eager (no Celery worker, no Redis).
    servers.database_name = lambda base, state: {
        "bench_assay": "assay_compat",
        "bench_mlflow": "mlflow_compat",
    }[base]
    os.environ["BENCH_ASSAY_BROKER"] = ""
    state = Path(args.state)

    def terminate(signum, frame):
        raise SystemExit(f"signal {signum}")

    signal.signal(signal.SIGTERM, terminate)
    names = [n for n in (args.only.split(",") if args.only else SCENARIOS) if n]
    try:
        servers.start(state, ["mlflow-sqlite", "assay"])
        ref, assay = load_servers(str(state / "servers.json"))
        env = servers.assay_env(state, servers.database_name("bench_assay", state))
        base = assay.uri.split("/api/v4/")[0]
        fresh = {}
        for suffix in ("a", "b"):
            path = f"compat-fresh-{suffix}"
            for args_ in (["createproject", path],):
                subprocess.run(
                    [PYTHON, "manage.py", *args_], env=env, cwd=ROOT, check=True, capture_output=True
                )
            token = subprocess.run(
                [PYTHON, "manage.py", "createtoken", "--project", path, "--user", "bench", "--role", "developer",
                 "--scopes", "api"], env=env, cwd=ROOT, check=True, capture_output=True, text=True,
            ).stdout.strip()  # fmt: skip
            fresh[suffix] = f"{base}/api/v4/projects/{path}/ml/mlflow {token}"
        results: dict[str, dict[str, list[dict]]] = {"reference": {}, "assay": {}}
        for name in names:
            for label, server in (("reference", ref), ("assay", assay)):
                extra = dict(MULTIPART_ENV) if name == "multipart" else {}
                if name == "default_experiment":
                    # The reference server is fresh (its Default exists from the start); Assay gets two projects
                    # nobody has used, one per call, so each call meets a project without experiment 0.
                    extra["COMPAT_FRESH_A"] = fresh["a"] if label == "assay" else f"{server.uri} -"
                    extra["COMPAT_FRESH_B"] = fresh["b"] if label == "assay" else f"{server.uri} -"
                started = time.monotonic()
                results[label][name] = run_in_subprocess(
                    name, client_environment(server.uri, server.token, extra)
                )
                print(
                    f"[compat] {name} on {label}: {time.monotonic() - started:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
        versions = {
            "client": subprocess.run([PYTHON, "-c", "import mlflow; print(mlflow.__version__)"], capture_output=True,
                                     text=True).stdout.strip(),
            "reference": ref.extra.get("version"),
            "assay_commit": assay.extra.get("commit"),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }  # fmt: skip
        (state / "compat.json").write_text(json.dumps({"versions": versions, "results": results}, indent=2))
        print(
            f"{versions['date']}: mlflow client {versions['client']}, reference `mlflow server` "
            f"{versions['reference']} (SQLite, --serve-artifacts), Assay commit {versions['assay_commit']} "
            f"(local artifact storage)\n"
        )
        print(render(results))
    finally:
        servers.stop(state)


if __name__ == "__main__":
    main()
