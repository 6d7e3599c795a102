"""One large artifact uploaded with the real mlflow client both ways against gunicorn-served Assay on S3 (moto):
a single streamed PUT, then MLflow's proxied multipart upload (MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD=true).
Reports wall time and the server's RSS over time (gunicorn's process tree, /proc/<pid>/status VmRSS).

    .venv/bin/python bench/multipart.py [--size-mb 2048] [--chunk-mb 10] [--state /tmp/assay-mpu-bench]
        [--s3rver /tmp/s3rver/node_modules/.bin/s3rver]

It starts its own moto_server (or, with --s3rver, s3rver from npm, which keeps objects on disk: moto_server
5.2.5 fails to complete a 2 GB multipart upload and holds every object in memory), PostgreSQL database (bench_assay_mpu, dropped and recreated) and gunicorn (one
worker, 4 threads); ingestion is queued to a broker with no worker (BENCH_MPU_BROKER, default Redis db 10), so
both timings are the upload alone (the multipart file's sha256/md5 are computed later, by ingestion's full read).
The multipart upload is downloaded back and compared by sha256. Everything it starts is stopped at the end.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, tree_memory  # noqa: E402
from servers import recreate_database, spawn, stop_group, wait_http  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
BUCKET = "assay-bench"


def log(msg: str) -> None:
    print(f"[multipart] {msg}", file=sys.stderr, flush=True)


class RssSeries:
    """(seconds since start, RSS MB of the tree) every `interval` seconds, in a thread."""

    def __init__(self, pid: int, interval: float = 0.5):
        self.pid, self.interval, self.samples = pid, interval, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        started = time.monotonic()
        while not self._stop.is_set():
            memory = tree_memory(self.pid)
            if memory is not None:
                self.samples.append((round(time.monotonic() - started, 2), round(memory.rss_mb, 1)))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def make_file(path: Path, size_mb: int) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for _ in range(size_mb // 8):
            block = os.urandom(8 * 1024 * 1024)
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def start_s3(state: Path, s3rver: str | None) -> tuple[int, str, str]:
    """An S3 server on a free loopback port: moto_server (in memory), or s3rver (npm; objects on disk) when its
    executable is given. Returns (pid, endpoint, access key)."""
    port = free_port()
    if s3rver:
        # s3rver's fixed credentials are S3RVER / S3RVER; it keeps objects under its directory.
        data = state / "s3rver"
        data.mkdir(parents=True, exist_ok=True)
        cmd = [s3rver, "-d", str(data), "-a", "127.0.0.1", "-p", str(port), "--configure-bucket", BUCKET]
        pid, key = spawn(cmd, state / "s3rver.log"), "S3RVER"
    else:
        pid, key = (
            spawn([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], state / "moto.log"),
            "x",
        )
    endpoint = f"http://127.0.0.1:{port}"
    wait_http(endpoint, pid, state / ("s3rver.log" if s3rver else "moto.log"))
    if not s3rver:
        import boto3

        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=key,
            aws_secret_access_key=key,
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
    return pid, endpoint, key


def start_stack(state: Path, s3rver: str | None = None) -> dict:
    state.mkdir(parents=True, exist_ok=True)
    moto_pid, endpoint, key = start_s3(state, s3rver)
    db = "bench_assay_mpu"
    recreate_database(db)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{PG.replace('postgresql://', 'postgres://')}/{db}",
        "ASSAY_DATA_DIR": str(state / "assay"),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "ASSAY_S3_BUCKET": BUCKET,
        "ASSAY_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": key,
        # botocore's default CRC32 trailer (aws-chunked bodies) is not understood by every S3 server (s3rver);
        # S3 itself needs no checksum unless asked.
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_S3_REGION_NAME": "us-east-1",
        "CELERY_BROKER_URL": os.environ.get("BENCH_MPU_BROKER", "redis://127.0.0.1:6379/10"),
    }

    def manage(*args: str) -> str:
        done = subprocess.run(
            [str(BIN / "python"), "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout.strip()

    manage("migrate", "--noinput", "-v", "0")
    manage("createproject", "bench")
    token = manage(
        "createtoken", "--project", "bench", "--user", "bench", "--role", "developer", "--scopes", "api"
    )
    port = free_port()
    cmd = [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", "1", "--threads", "4", "--timeout", "600"]  # fmt: skip
    pid = spawn(cmd, state / "gunicorn.log", env=env, cwd=ROOT)
    uri = f"http://127.0.0.1:{port}/api/v4/projects/bench/ml/mlflow"
    wait_http(f"{uri}/api/2.0/mlflow/", pid, state / "gunicorn.log")
    return {"moto_pid": moto_pid, "gunicorn_pid": pid, "uri": uri, "token": token}


def upload(stack: dict, src: Path, *, multipart: bool, chunk_mb: int) -> dict:
    from mlflow import MlflowClient

    os.environ["MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD"] = "true" if multipart else "false"
    os.environ["MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE"] = str(chunk_mb * 1024 * 1024)
    client = MlflowClient(tracking_uri=stack["uri"])
    experiment = client.get_experiment_by_name("mpu") or client.get_experiment(
        client.create_experiment("mpu")
    )
    run_id = client.create_run(experiment.experiment_id).info.run_id
    with RssSeries(stack["gunicorn_pid"]) as series:
        started = time.monotonic()
        client.log_artifact(run_id, str(src))
        seconds = time.monotonic() - started
    rss = [mb for _t, mb in series.samples]
    return {
        "mode": "multipart" if multipart else "single PUT",
        "seconds": round(seconds, 1),
        "mb_per_s": round(src.stat().st_size / 1024**2 / seconds, 1),
        "rss_start_mb": rss[0],
        "rss_peak_mb": max(rss),
        "rss_end_mb": rss[-1],
        "series": series.samples[:: max(1, len(series.samples) // 40)],
        "run_id": run_id,
        "client": client,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=2048)
    parser.add_argument("--chunk-mb", type=int, default=10)
    parser.add_argument("--state", default="/tmp/assay-mpu-bench")
    parser.add_argument(
        "--s3rver",
        help="path of an s3rver executable (npm install s3rver): S3 on disk instead of moto in memory",
    )
    args = parser.parse_args()
    state = Path(args.state)
    stack = start_stack(state, args.s3rver)
    os.environ.update(MLFLOW_TRACKING_TOKEN=stack["token"], MLFLOW_HTTP_REQUEST_TIMEOUT="600")
    results = []
    try:
        with tempfile.TemporaryDirectory(dir=state) as work:
            src = Path(work) / "model.bin"
            digest = make_file(src, args.size_mb)
            log(f"{args.size_mb} MB file made; uploading")
            for multipart in (False, True):
                result = upload(stack, src, multipart=multipart, chunk_mb=args.chunk_mb)
                client = result.pop("client")
                log(f"{result['mode']}: {result['seconds']} s, RSS peak {result['rss_peak_mb']} MB")
                if multipart:
                    dst = Path(work) / "back"
                    dst.mkdir()
                    got = Path(client.download_artifacts(result["run_id"], "model.bin", str(dst)))
                    result["download_identical"] = make_digest(got) == digest
                    got.unlink()
                results.append(result)
    finally:
        stop_group(stack["gunicorn_pid"])
        stop_group(stack["moto_pid"])
    out = ROOT / "bench" / "results" / time.strftime("%Y-%m-%d") / f"multipart-{time.strftime('%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"size_mb": args.size_mb, "chunk_mb": args.chunk_mb, "results": results}, indent=1)
    )
    print("| mode | wall time | MB/s | server RSS start → peak → end |\n|---|---|---|---|")
    for r in results:
        print(
            f"| {r['mode']} | {r['seconds']} s | {r['mb_per_s']} | "
            f"{r['rss_start_mb']} → {r['rss_peak_mb']} → {r['rss_end_mb']} MB |"
        )
    log(f"written {out}")


def make_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while block := src.read(8 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


if __name__ == "__main__":
    main()
