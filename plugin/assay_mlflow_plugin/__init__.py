"""Assay's MLflow client plugin: tag each run with the CI job that produced it.

This module is the single list of the CI tag keys. The Assay server keeps its own copy (it imports nothing from
the plugin); a test in the server's suite checks that both lists agree.
"""

# Tag key -> environment variable, as GitLab CI sets them. `gitlab.CI_JOB_ID` is the key GitLab's docs ask users
# to set by hand; the others follow the same `gitlab.<VARIABLE>` pattern.
GITLAB_TAGS = {
    "gitlab.CI_JOB_ID": "CI_JOB_ID",
    "gitlab.CI_JOB_URL": "CI_JOB_URL",
    "gitlab.CI_JOB_NAME": "CI_JOB_NAME",
    "gitlab.CI_JOB_STAGE": "CI_JOB_STAGE",
    "gitlab.CI_PIPELINE_ID": "CI_PIPELINE_ID",
    "gitlab.CI_PIPELINE_URL": "CI_PIPELINE_URL",
    "gitlab.CI_PIPELINE_SOURCE": "CI_PIPELINE_SOURCE",
    "gitlab.CI_COMMIT_SHA": "CI_COMMIT_SHA",
    "gitlab.CI_COMMIT_REF_NAME": "CI_COMMIT_REF_NAME",
    "gitlab.CI_MERGE_REQUEST_IID": "CI_MERGE_REQUEST_IID",
    "gitlab.CI_MERGE_REQUEST_TITLE": "CI_MERGE_REQUEST_TITLE",
    "gitlab.CI_PROJECT_ID": "CI_PROJECT_ID",
    "gitlab.CI_PROJECT_URL": "CI_PROJECT_URL",
    "gitlab.CI_SERVER_URL": "CI_SERVER_URL",
    "gitlab.GITLAB_USER_LOGIN": "GITLAB_USER_LOGIN",
    "gitlab.GITLAB_USER_NAME": "GITLAB_USER_NAME",
}

# Tag key -> environment variable, as GitHub Actions sets them.
GITHUB_TAGS = {
    "github.GITHUB_RUN_ID": "GITHUB_RUN_ID",
    "github.GITHUB_RUN_ATTEMPT": "GITHUB_RUN_ATTEMPT",
    "github.GITHUB_REPOSITORY": "GITHUB_REPOSITORY",
    "github.GITHUB_SERVER_URL": "GITHUB_SERVER_URL",
    "github.GITHUB_API_URL": "GITHUB_API_URL",
    "github.GITHUB_SHA": "GITHUB_SHA",
    "github.GITHUB_REF_NAME": "GITHUB_REF_NAME",
    "github.GITHUB_EVENT_NAME": "GITHUB_EVENT_NAME",
    "github.GITHUB_JOB": "GITHUB_JOB",
    "github.GITHUB_ACTOR": "GITHUB_ACTOR",
}

TAG_KEYS = (*GITLAB_TAGS, *GITHUB_TAGS)


def ci_tags(environ) -> dict[str, str]:
    """The CI tags for an environment mapping: GitLab's when GITLAB_CI=true, GitHub's when GITHUB_ACTIONS=true."""
    tags: dict[str, str] = {}
    if environ.get("GITLAB_CI", "").lower() == "true":
        tags.update({key: environ[var] for key, var in GITLAB_TAGS.items() if environ.get(var)})
    if environ.get("GITHUB_ACTIONS", "").lower() == "true":
        tags.update({key: environ[var] for key, var in GITHUB_TAGS.items() if environ.get(var)})
    return tags
