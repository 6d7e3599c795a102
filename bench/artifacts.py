"""Artifact benchmark: upload and download MB/s of large files with the official mlflow client, and the
server's peak memory during each transfer.

    python bench/artifacts.py --servers /tmp/assay-bench/servers.json [--sizes 50,500] [--quick]
    python bench/artifacts.py --table /tmp/assay-bench/results/artifacts-*.json

For each size: one random file (made once, in --workdir), `log_artifact` to a new run (MB/s), then
`download_artifacts` to an empty folder (MB/s); the download is checked byte for byte (sha256).
For Assay, the same files also go through the generic packages API (PUT, then a streamed GET). The server's
process-tree RSS is sampled in a thread during each transfer; "growth" is peak minus the RSS just before.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import (
    MemorySampler,
    Server,
    Timer,
    client_env,
    load_average,
    load_servers,
    parse_target,
    render_table,
)

CHUNK = 8 * 1024 * 1024


def log(msg: str) -> None:
    print(f"[artifacts] {msg}", file=sys.stderr, flush=True)


def make_file(workdir: Path, size_mb: int) -> tuple[Path, str]:
    """A file of random bytes (incompressible), reused between runs; returns its path and sha256."""
    path = workdir / f"blob-{size_mb}mb.bin"
    digest_path = path.with_suffix(".sha256")
    if path.exists() and digest_path.exists() and path.stat().st_size == size_mb * 1024 * 1024:
        return path, digest_path.read_text()
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for _ in range(size_mb * 1024 * 1024 // CHUNK):
            block = os.urandom(CHUNK)
            digest.update(block)
            out.write(block)
    digest_path.write_text(digest.hexdigest())
    return path, digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while block := src.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def rows_for(sizes: list[int]) -> list[tuple]:
    rows = []
    for mb in sizes:
        rows += [
            (f"up_{mb}", f"log_artifact {mb} MB", "MB/s", "≥ 1×"),
            (f"up_{mb}_rss_peak", f"  server RSS peak during upload {mb} MB", "MB", ""),
            (f"up_{mb}_rss_growth", f"  server RSS growth during upload {mb} MB", "MB", "flat"),
            (f"down_{mb}", f"download_artifacts {mb} MB", "MB/s", "≥ 1×"),
            (f"down_{mb}_rss_peak", f"  server RSS peak during download {mb} MB", "MB", ""),
            (f"down_{mb}_rss_growth", f"  server RSS growth during download {mb} MB", "MB", "flat"),
        ]
    for mb in sizes:  # Assay only: the GitLab generic packages API, the other way files come in and out
        rows += [
            (f"generic_up_{mb}", f"generic packages PUT {mb} MB", "MB/s", ""),
            (f"generic_up_{mb}_rss_growth", f"  server RSS growth during PUT {mb} MB", "MB", "flat"),
            (f"generic_down_{mb}", f"generic packages GET {mb} MB", "MB/s", ""),
            (f"generic_down_{mb}_rss_growth", f"  server RSS growth during GET {mb} MB", "MB", "flat"),
        ]
    return rows


def run_generic(server: Server, files: dict[int, tuple[Path, str]], figures: dict, notes: list) -> None:
    """PUT then GET each file through the generic packages API (streamed both ways, checked by sha256)."""
    import requests

    base = server.uri.replace("/ml/mlflow", "/packages/generic/bench-generic/") + uuid.uuid4().hex[:8]
    headers = {"Authorization": f"Bearer {server.token}"}
    for mb, (path, digest) in sorted(files.items()):
        url = f"{base}/{path.name}"
        try:
            with open(path, "rb") as body, MemorySampler(server.pid, interval=0.2) as memory, Timer() as t:
                answer = requests.put(url, data=body, headers=headers, timeout=600)
            answer.raise_for_status()
            figures[f"generic_up_{mb}"] = mb / t.seconds
            if memory.peak and memory.baseline:
                figures[f"generic_up_{mb}_rss_growth"] = memory.peak.rss_mb - memory.baseline.rss_mb
            got = hashlib.sha256()
            with MemorySampler(server.pid, interval=0.2) as memory, Timer() as t:
                with requests.get(url, headers=headers, stream=True, timeout=600) as answer:
                    answer.raise_for_status()
                    for block in answer.iter_content(CHUNK):
                        got.update(block)
            figures[f"generic_down_{mb}"] = mb / t.seconds
            if memory.peak and memory.baseline:
                figures[f"generic_down_{mb}_rss_growth"] = memory.peak.rss_mb - memory.baseline.rss_mb
            if got.hexdigest() != digest:
                notes.append(f"generic GET {mb} MB: the bytes differ from the upload")
            log(f"  generic PUT/GET {mb} MB done")
        except Exception as exc:  # noqa: BLE001 - the figure is missing, the note says why
            notes.append(f"generic {mb} MB failed: {type(exc).__name__}: {str(exc)[:300]}")


def run_server(server: Server, files: dict[int, tuple[Path, str]], workdir: Path) -> dict:
    from mlflow import MlflowClient

    client_env(server)
    log(f"{server.name}: {server.uri} (load average {load_average()})")
    result = {"name": server.name, "kind": server.kind, "uri": server.uri, "extra": server.extra,
              "sizes": sorted(files), "load_before": load_average(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
              "figures": {}, "notes": []}  # fmt: skip
    figures, notes = result["figures"], result["notes"]
    client = MlflowClient(tracking_uri=server.uri)
    try:
        experiment_id = client.create_experiment(f"bench-artifacts-{uuid.uuid4().hex[:12]}")
    except Exception as exc:  # noqa: BLE001 - a server that cannot even create an experiment
        notes.append(f"cannot create an experiment: {str(exc)[:300]}")
        return result
    try:  # warm-up: the first artifact request of a fresh server pays for lazy imports
        warm = workdir / "warm-up.txt"
        warm.write_text("warm-up\n")
        warm_run = client.create_run(experiment_id, run_name="warm-up").info.run_id
        client.log_artifact(warm_run, str(warm))
        target = Path(tempfile.mkdtemp(dir=workdir, prefix="download-"))
        client.download_artifacts(warm_run, "warm-up.txt", dst_path=str(target))
        shutil.rmtree(target, ignore_errors=True)
    except Exception as exc:  # noqa: BLE001
        notes.append(f"warm-up failed: {type(exc).__name__}: {str(exc)[:300]}")
    for mb, (path, digest) in sorted(files.items()):
        try:
            run_id = client.create_run(experiment_id, run_name=f"artifacts-{mb}mb").info.run_id
            with MemorySampler(server.pid, interval=0.2) as memory, Timer() as t:
                client.log_artifact(run_id, str(path), artifact_path="blobs")
            figures[f"up_{mb}"] = mb / t.seconds
            if memory.peak and memory.baseline:
                figures[f"up_{mb}_rss_peak"] = memory.peak.rss_mb
                figures[f"up_{mb}_rss_growth"] = memory.peak.rss_mb - memory.baseline.rss_mb
            log(f"  upload {mb} MB: {t.seconds:.1f} s")
        except Exception as exc:  # noqa: BLE001 - the figure is missing, the note says why
            notes.append(f"upload {mb} MB failed: {type(exc).__name__}: {str(exc)[:300]}")
            continue
        target = Path(tempfile.mkdtemp(dir=workdir, prefix="download-"))
        try:
            with MemorySampler(server.pid, interval=0.2) as memory, Timer() as t:
                local = client.download_artifacts(run_id, f"blobs/{path.name}", dst_path=str(target))
            figures[f"down_{mb}"] = mb / t.seconds
            if memory.peak and memory.baseline:
                figures[f"down_{mb}_rss_peak"] = memory.peak.rss_mb
                figures[f"down_{mb}_rss_growth"] = memory.peak.rss_mb - memory.baseline.rss_mb
            log(f"  download {mb} MB: {t.seconds:.1f} s")
            if sha256_of(Path(local)) != digest:
                notes.append(f"download {mb} MB: the bytes differ from the upload")
        except Exception as exc:  # noqa: BLE001
            notes.append(f"download {mb} MB failed: {type(exc).__name__}: {str(exc)[:300]}")
        finally:
            shutil.rmtree(target, ignore_errors=True)
    if server.kind == "assay":
        run_generic(server, files, figures, notes)
    result["load_after"] = load_average()
    return result


def print_table(results: list[dict]) -> None:
    print(render_table(rows_for(results[0]["sizes"]), results))
    for r in results:
        print(
            f"  {r['name']}: {r['started']}, load average before {r['load_before']}, "
            f"after {r.get('load_after', '?')}; {json.dumps(r['extra'])}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--servers", help="servers.json written by servers.py")
    parser.add_argument("--only", default="", help="comma-separated server names from --servers")
    parser.add_argument("--target", action="append", default=[], help="name=URI[@pid], repeatable")
    parser.add_argument("--sizes", default="50,500", help="file sizes in MB (default 50,500)")
    parser.add_argument("--quick", action="store_true", help="same as --sizes 5,50")
    parser.add_argument("--workdir", default="/tmp/assay-bench-files", help="where the test files are made")
    parser.add_argument("--results", help="directory to save artifacts-<name>.json into")
    parser.add_argument("--table", nargs="+", help="print a table from saved result files and exit")
    args = parser.parse_args()
    if args.table:
        print_table([json.loads(Path(p).read_text()) for p in args.table])
        return
    servers = load_servers(args.servers, [o for o in args.only.split(",") if o]) if args.servers else []
    servers += [parse_target(spec) for spec in args.target]
    if not servers:
        parser.error("give --servers or --target")
    sizes = [5, 50] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    files = {mb: make_file(workdir, mb) for mb in sizes}
    results = []
    for server in servers:
        result = run_server(server, files, workdir)
        results.append(result)
        if args.results:
            os.makedirs(args.results, exist_ok=True)
            Path(args.results, f"artifacts-{server.name}.json").write_text(json.dumps(result, indent=2))
    print_table(results)


if __name__ == "__main__":
    main()
