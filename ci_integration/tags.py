"""The CI tag keys Assay understands, and how they map onto a CI record.

The server's own copy of the key list: the MLflow client plugin (plugin/assay_mlflow_plugin) keeps the other one,
and tests/ci_integration/test_tags.py checks that both agree. The server imports nothing from the plugin.
"""

import re

GITLAB_JOB_KEY = "gitlab.CI_JOB_ID"  # the tag GitLab's docs tell users to set
GITHUB_RUN_KEY = "github.GITHUB_RUN_ID"

# Tag key -> CiBuild field filled from it when no CI server answers (or before it answers).
GITLAB_FIELDS = {
    "gitlab.CI_JOB_ID": "job_id",
    "gitlab.CI_JOB_URL": "job_web_url",
    "gitlab.CI_JOB_NAME": "job_name",
    "gitlab.CI_JOB_STAGE": "job_stage",
    "gitlab.CI_PIPELINE_ID": "pipeline_id",
    "gitlab.CI_PIPELINE_URL": "pipeline_url",
    "gitlab.CI_PIPELINE_SOURCE": "pipeline_source",
    "gitlab.CI_COMMIT_SHA": "pipeline_sha",
    "gitlab.CI_COMMIT_REF_NAME": "pipeline_ref",
    "gitlab.CI_MERGE_REQUEST_IID": "merge_request_iid",
    "gitlab.CI_MERGE_REQUEST_TITLE": "merge_request_title",
    "gitlab.CI_PROJECT_ID": "ci_project",
    "gitlab.CI_PROJECT_URL": None,  # used to build the merge request URL
    "gitlab.CI_SERVER_URL": "server_url",
    "gitlab.GITLAB_USER_LOGIN": "user_username",
    "gitlab.GITLAB_USER_NAME": "user_name",
}
GITHUB_FIELDS = {
    "github.GITHUB_RUN_ID": "pipeline_id",
    "github.GITHUB_RUN_ATTEMPT": None,
    "github.GITHUB_REPOSITORY": "ci_project",
    "github.GITHUB_SERVER_URL": "server_url",
    "github.GITHUB_API_URL": None,
    "github.GITHUB_SHA": "pipeline_sha",
    "github.GITHUB_REF_NAME": "pipeline_ref",
    "github.GITHUB_EVENT_NAME": "pipeline_source",
    "github.GITHUB_JOB": "job_name",
    "github.GITHUB_ACTOR": "user_username",
}
CI_TAG_KEYS = frozenset(GITLAB_FIELDS) | frozenset(GITHUB_FIELDS)

_INT_FIELDS = {"job_id", "pipeline_id", "merge_request_iid"}
_MAX_LENGTHS = {
    "job_name": 255,
    "job_stage": 255,
    "pipeline_ref": 255,
    "pipeline_sha": 64,
    "pipeline_source": 64,
}
_GITHUB_PR_REF = re.compile(r"^(\d+)/merge$")


def _as_int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def ci_fields_from_tags(tags: dict[str, str]) -> dict | None:
    """CiBuild fields (plus `provider`) read from a candidate's tags; None when the tags name no CI job or run."""
    if _as_int(tags.get(GITLAB_JOB_KEY, "")) is not None:
        provider, mapping = "gitlab", GITLAB_FIELDS
    elif _as_int(tags.get(GITHUB_RUN_KEY, "")) is not None:
        provider, mapping = "github", GITHUB_FIELDS
    else:
        return None
    fields: dict = {"provider": provider}
    for key, field in mapping.items():
        value = tags.get(key, "").strip()
        if field is None or not value:
            continue
        fields[field] = _as_int(value) if field in _INT_FIELDS else value[: _MAX_LENGTHS.get(field, 2000)]
    fields = {k: v for k, v in fields.items() if v is not None}
    if provider == "gitlab":
        project_url = tags.get("gitlab.CI_PROJECT_URL", "").rstrip("/")
        if project_url and fields.get("merge_request_iid"):
            fields["merge_request_url"] = f"{project_url}/-/merge_requests/{fields['merge_request_iid']}"
    else:
        server = fields.get("server_url", "https://github.com").rstrip("/")
        repo = fields.get("ci_project", "")
        if repo:
            fields["pipeline_url"] = f"{server}/{repo}/actions/runs/{fields['pipeline_id']}"
            pr = _GITHUB_PR_REF.match(fields.get("pipeline_ref", ""))
            if pr and fields.get("pipeline_source", "").startswith("pull_request"):
                fields["merge_request_iid"] = int(pr.group(1))
                fields["merge_request_url"] = f"{server}/{repo}/pull/{pr.group(1)}"
        if fields.get("user_username"):
            fields["user_url"] = f"{server}/{fields['user_username']}"
    return fields
