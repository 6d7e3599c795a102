"""HTTP clients for the CI servers' REST APIs. Each returns CiBuild fields; errors are classified for retrying.

GitLab: GET /projects/:id/jobs/:job_id, /projects/:id/pipelines/:pipeline_id, /projects/:id/merge_requests/:iid.
GitHub: GET /repos/:owner/:repo/actions/runs/:id (the pipeline id), /repos/:owner/:repo/pulls/:number.
"""

import re
from urllib.parse import quote

import requests


class CiLookupError(Exception):
    """Permanent: retrying will not help (bad token, bad configuration, unexpected answer)."""


class CiNotFound(CiLookupError):
    pass


class CiUnavailable(Exception):
    """Transient: the server is down, slow or overloaded; worth retrying."""


_MR_REF = re.compile(r"^refs/merge-requests/(\d+)/")


class _Api:
    def __init__(self, *, base: str, headers: dict, timeout: float):
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.timeout = timeout

    def get(self, path: str, *, what: str) -> dict:
        url = self.base + path
        try:
            response = self.session.get(url, timeout=(self.timeout, self.timeout), allow_redirects=False)
        except requests.Timeout as exc:
            raise CiUnavailable(f"{what}: no answer within {self.timeout:g}s from {url}") from exc
        except requests.RequestException as exc:
            raise CiUnavailable(f"{what}: cannot reach {url}: {exc.__class__.__name__}") from exc
        if response.status_code == 404:
            raise CiNotFound(f"{what}: the CI server answered 404 Not Found for {url}")
        if response.status_code == 429 or response.status_code >= 500:
            raise CiUnavailable(f"{what}: the CI server answered {response.status_code} for {url}")
        if response.status_code in (401, 403):
            raise CiLookupError(f"{what}: the CI server refused the token ({response.status_code}) for {url}")
        if response.status_code != 200:
            raise CiLookupError(f"{what}: unexpected HTTP {response.status_code} from {url}")
        try:
            data = response.json()
        except ValueError as exc:
            raise CiLookupError(f"{what}: the answer from {url} is not JSON") from exc
        if not isinstance(data, dict):
            raise CiLookupError(f"{what}: the answer from {url} is not a JSON object")
        return data


def _s(value) -> str:
    return "" if value is None else str(value)


def _user_fields(user: dict | None, *, github: bool = False) -> dict:
    if not user:
        return {}
    if github:
        login = _s(user.get("login"))
        return {
            "user_name": login,
            "user_username": login,
            "user_avatar_url": _s(user.get("avatar_url")),
            "user_url": _s(user.get("html_url")),
        }
    return {
        "user_name": _s(user.get("name")),
        "user_username": _s(user.get("username")),
        "user_avatar_url": _s(user.get("avatar_url")),
        "user_url": _s(user.get("web_url")),
    }


def gitlab_fetch(
    *, url: str, token: str, ci_project: str, job_id: int, merge_request_iid: int | None, timeout: float
) -> dict:
    headers = {"PRIVATE-TOKEN": token} if token else {}
    api = _Api(base=url.rstrip("/") + "/api/v4", headers=headers, timeout=timeout)
    project = "/projects/" + quote(ci_project, safe="")
    job = api.get(f"{project}/jobs/{job_id}", what=f"job {job_id}")
    fields = {
        "job_name": _s(job.get("name")),
        "job_stage": _s(job.get("stage")),
        "job_status": _s(job.get("status")),
        "job_web_url": _s(job.get("web_url")),
        "job_duration": job.get("duration"),
        **_user_fields(job.get("user")),
    }
    job_pipeline = job.get("pipeline") or {}
    pipeline_id = job_pipeline.get("id")
    if pipeline_id:
        pipeline = api.get(f"{project}/pipelines/{int(pipeline_id)}", what=f"pipeline {pipeline_id}")
        fields.update(
            pipeline_id=int(pipeline_id),
            pipeline_status=_s(pipeline.get("status")),
            pipeline_url=_s(pipeline.get("web_url")),
            pipeline_ref=_s(pipeline.get("ref")),
            pipeline_sha=_s(pipeline.get("sha")),
            pipeline_source=_s(pipeline.get("source")),
        )
        match = _MR_REF.match(fields["pipeline_ref"])
        if merge_request_iid is None and match:
            merge_request_iid = int(match.group(1))
    if merge_request_iid:
        try:
            mr = api.get(
                f"{project}/merge_requests/{merge_request_iid}", what=f"merge request !{merge_request_iid}"
            )
        except CiNotFound:
            mr = {}  # the job exists; a vanished merge request is not a reason to drop what we have
        fields.update(
            merge_request_iid=merge_request_iid,
            merge_request_title=_s(mr.get("title")),
            merge_request_url=_s(mr.get("web_url")),
        )
    return fields


def github_fetch(*, url: str, token: str, ci_project: str, pipeline_id: int, timeout: float) -> dict:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    api = _Api(base=url, headers=headers, timeout=timeout)
    repo = "/repos/" + "/".join(quote(part, safe="") for part in ci_project.split("/", 1))
    run = api.get(f"{repo}/actions/runs/{pipeline_id}", what=f"workflow run {pipeline_id}")
    fields = {
        "pipeline_id": pipeline_id,
        "pipeline_status": _s(run.get("conclusion") or run.get("status")),
        "pipeline_url": _s(run.get("html_url")),
        "pipeline_ref": _s(run.get("head_branch")),
        "pipeline_sha": _s(run.get("head_sha")),
        "pipeline_source": _s(run.get("event")),
        **_user_fields(run.get("triggering_actor") or run.get("actor"), github=True),
    }
    pull_requests = run.get("pull_requests") or []
    if pull_requests and pull_requests[0].get("number"):
        number = int(pull_requests[0]["number"])
        try:
            pr = api.get(f"{repo}/pulls/{number}", what=f"pull request #{number}")
        except CiNotFound:
            pr = {}
        fields.update(
            merge_request_iid=number,
            merge_request_title=_s(pr.get("title")),
            merge_request_url=_s(pr.get("html_url")),
        )
    return fields
