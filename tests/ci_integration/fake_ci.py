"""A fake CI server: a real HTTP server on 127.0.0.1 answering with the JSON shapes of GitLab's jobs, pipelines and
merge requests API and GitHub's workflow runs and pulls API (examples from their documentation, trimmed)."""

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GITLAB_USER = {
    "id": 1,
    "name": "Administrator",
    "username": "root",
    "state": "active",
    "avatar_url": "http://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61?s=80&d=identicon",
    "web_url": "http://gitlab.dev/root",
    "created_at": "2015-12-21T13:14:24.077Z",
}


def gitlab_job(job_id: int, pipeline_id: int, project_id: int) -> dict:
    return {
        "commit": {
            "id": "0ff3ae198f8601a285adcf5c0fff204ee6fba5fd",
            "short_id": "0ff3ae19",
            "title": "Test the CI",
        },
        "coverage": None,
        "archived": False,
        "allow_failure": False,
        "created_at": "2015-12-24T15:51:21.880Z",
        "started_at": "2015-12-24T17:54:30.733Z",
        "finished_at": "2015-12-24T17:54:31.198Z",
        "duration": 0.465,
        "queued_duration": 0.010,
        "id": job_id,
        "name": "train-model",
        "pipeline": {
            "id": pipeline_id,
            "project_id": project_id,
            "ref": "refs/merge-requests/7/head",
            "sha": "0ff3ae198f8601a285adcf5c0fff204ee6fba5fd",
            "status": "running",
        },
        "ref": "refs/merge-requests/7/head",
        "artifacts": [],
        "runner": None,
        "stage": "train",
        "status": "success",
        "failure_reason": None,
        "tag": False,
        "web_url": f"https://gitlab.example.com/acme/vision/-/jobs/{job_id}",
        "project": {"ci_job_token_scope_enabled": False},
        "user": GITLAB_USER,
    }


def gitlab_pipeline(pipeline_id: int, project_id: int) -> dict:
    return {
        "id": pipeline_id,
        "iid": 12,
        "project_id": project_id,
        "name": "Build pipeline",
        "status": "running",
        "ref": "refs/merge-requests/7/head",
        "sha": "0ff3ae198f8601a285adcf5c0fff204ee6fba5fd",
        "before_sha": "a91957a858320c0e17f3a0eca7cfacbff50ea29a",
        "tag": False,
        "yaml_errors": None,
        "user": GITLAB_USER,
        "created_at": "2016-08-11T11:28:34.085Z",
        "updated_at": "2016-08-11T11:32:35.169Z",
        "started_at": None,
        "finished_at": "2016-08-11T11:32:35.145Z",
        "committed_at": None,
        "duration": 123.65,
        "queued_duration": 0.010,
        "coverage": "30.0",
        "source": "merge_request_event",
        "web_url": f"https://gitlab.example.com/acme/vision/-/pipelines/{pipeline_id}",
    }


def gitlab_merge_request(iid: int, project_id: int) -> dict:
    return {
        "id": 155016530,
        "iid": iid,
        "project_id": project_id,
        "title": "Tune the learning rate",
        "description": "",
        "state": "opened",
        "source_branch": "tune-lr",
        "target_branch": "main",
        "author": GITLAB_USER,
        "web_url": f"https://gitlab.example.com/acme/vision/-/merge_requests/{iid}",
    }


def github_run(run_id: int, repo: str) -> dict:
    return {
        "id": run_id,
        "name": "Train",
        "node_id": "MDEyOldvcmtmbG93IFJ1bjI2OTI4OQ==",
        "head_branch": "tune-lr",
        "head_sha": "acb5820ced9479c074f688cc328bf03f341a511d",
        "path": ".github/workflows/train.yml",
        "display_title": "Tune the learning rate",
        "run_number": 562,
        "event": "pull_request",
        "status": "completed",
        "conclusion": "success",
        "workflow_id": 159038,
        "url": f"https://api.github.com/repos/{repo}/actions/runs/{run_id}",
        "html_url": f"https://github.com/{repo}/actions/runs/{run_id}",
        "pull_requests": [{"url": f"https://api.github.com/repos/{repo}/pulls/42", "id": 17, "number": 42}],
        "created_at": "2020-01-22T19:33:08Z",
        "updated_at": "2020-01-22T19:33:08Z",
        "actor": {
            "login": "octocat",
            "id": 1,
            "avatar_url": "https://github.com/images/error/octocat_happy.gif",
            "html_url": "https://github.com/octocat",
            "type": "User",
        },
        "run_attempt": 1,
    }


def github_pull(number: int, repo: str) -> dict:
    return {
        "number": number,
        "state": "open",
        "title": "Tune the learning rate",
        "html_url": f"https://github.com/{repo}/pull/{number}",
    }


class FakeCi:
    """Behaviour per job/run id: `not_found` ids answer 404, `slow` ids sleep `slow_seconds` on every request,
    `stall_once` ids sleep `stall_seconds` on their first request only (and set `stalled`)."""

    def __init__(self, port: int = 0):
        self.requests: list[tuple[str, dict]] = []
        self.not_found: set[int] = set()
        self.slow: set[int] = set()
        self.slow_seconds = 3.0
        self.stall_once: set[int] = set()
        self.stall_seconds = 30.0
        self.stalled = threading.Event()
        self._seen: set[int] = set()
        self._lock = threading.Lock()
        self.port = port
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hits(self, fragment: str) -> int:
        return sum(1 for path, _ in self.requests if fragment in path)

    def start(self) -> "FakeCi":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.requests.append((self.path, dict(self.headers)))
                status, body = fake.answer(self.path)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout) or its worker was killed

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def _delay(self, key: int) -> None:
        if key in self.slow:
            time.sleep(self.slow_seconds)
        with self._lock:
            first = key in self.stall_once and key not in self._seen
            self._seen.add(key)
        if first:
            self.stalled.set()
            time.sleep(self.stall_seconds)

    def answer(self, path: str) -> tuple[int, dict]:
        if m := re.match(r"^/api/v4/projects/([^/]+)/jobs/(\d+)$", path):
            job_id = int(m.group(2))
            self._delay(job_id)
            if job_id in self.not_found:
                return 404, {"message": "404 Not found"}
            return 200, gitlab_job(job_id, pipeline_id=job_id + 1000, project_id=45)
        if m := re.match(r"^/api/v4/projects/([^/]+)/pipelines/(\d+)$", path):
            return 200, gitlab_pipeline(int(m.group(2)), project_id=45)
        if m := re.match(r"^/api/v4/projects/([^/]+)/merge_requests/(\d+)$", path):
            return 200, gitlab_merge_request(int(m.group(2)), project_id=45)
        if m := re.match(r"^/repos/([^/]+/[^/]+)/actions/runs/(\d+)$", path):
            run_id = int(m.group(2))
            self._delay(run_id)
            if run_id in self.not_found:
                return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
            return 200, github_run(run_id, m.group(1))
        if m := re.match(r"^/repos/([^/]+/[^/]+)/pulls/(\d+)$", path):
            return 200, github_pull(int(m.group(2)), m.group(1))
        return 404, {"message": "404 Not found"}
