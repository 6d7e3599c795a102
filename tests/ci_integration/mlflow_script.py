"""Helpers to drive the real mlflow client in a subprocess, with a CI environment of the test's choosing."""

import json
import os
import subprocess
import sys

# Runs inside the subprocess: one run per environment given on the command line (JSON), so the plugin, which
# reads os.environ when a run starts, sees each CI in turn. `set_tags` are then sent like GitLab's docs snippet.
SCRIPT = r"""
import json, os, sys
import mlflow

def ci_env_clear():
    for key in list(os.environ):
        if key.startswith(("CI_", "GITLAB_", "GITHUB_")):
            del os.environ[key]

mlflow.set_experiment("ci-integration")
run_ids = []
for spec in json.loads(sys.argv[1]):
    ci_env_clear()
    os.environ.update(spec["env"])
    with mlflow.start_run() as run:
        if spec.get("set_tags"):
            mlflow.set_tags(spec["set_tags"])
        run_ids.append(run.info.run_id)
print(json.dumps(run_ids))
"""


def mlflow_runs(*, tracking_uri: str, token: str, specs: list[dict]) -> list[str]:
    """Start one run per spec ({"env": {...}, "set_tags": {...}}); returns the run ids."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CI_", "GITLAB_", "GITHUB_", "MLFLOW_"))}
    env.update(
        MLFLOW_TRACKING_URI=tracking_uri,
        MLFLOW_TRACKING_TOKEN=token,
        MLFLOW_HTTP_REQUEST_MAX_RETRIES="0",
        MLFLOW_HTTP_REQUEST_TIMEOUT="60",
        MLFLOW_ENABLE_ASYNC_LOGGING="false",
        GIT_PYTHON_REFRESH="quiet",
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(specs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
