"""Every user-supplied URL shown as a link passes the http/https allow-list; anything else is plain text."""

import re

import pytest

from candidates.templatetags import assay
from ci_integration.services import ci_link_candidate_from_metadata
from tests.ci_integration.factories import candidate_make

EVIL = "javascript:alert(document.domain)//"


@pytest.mark.parametrize(
    "value",
    [
        "https://gitlab.example.com/acme/vision/-/jobs/1",
        "http://ci.local:8080/job/1",
        "HTTPS://GITLAB.EXAMPLE.COM/x",
    ],
)
def test_http_and_https_urls_are_links(value):
    assert assay.http_url(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example.com/x",
        "/relative/path",
        "https:/missing-host",
        "http://",
        "https://exa mple.com/",
        "ftp://files.example.com/",
        "",
        None,
    ],
)
def test_other_urls_are_not_links(value):
    assert assay.http_url(value) == ""


def _gitlab_tags(job_id: str) -> dict:
    return {
        "gitlab.CI_JOB_ID": job_id,
        "gitlab.CI_JOB_URL": EVIL,
        "gitlab.CI_PIPELINE_ID": "77",
        "gitlab.CI_PIPELINE_URL": EVIL,
        "gitlab.CI_MERGE_REQUEST_IID": "5",
        "gitlab.CI_PROJECT_URL": EVIL,
        "gitlab.CI_SERVER_URL": EVIL,
        "gitlab.GITLAB_USER_LOGIN": "mallory",
    }


def _hrefs(html: str) -> list[str]:
    return re.findall(r"""(?:href|src)\s*=\s*["']([^"']*)["']""", html, flags=re.IGNORECASE)


@pytest.mark.django_db
def test_javascript_ci_urls_from_tags_are_shown_as_text_on_candidate_page_and_table(client, tenant):
    gitlab = candidate_make(tenant.project, tags=_gitlab_tags("501"))
    github = candidate_make(
        tenant.project,
        tags={
            "github.GITHUB_RUN_ID": "9001",
            "github.GITHUB_REPOSITORY": "octo/vision",
            "github.GITHUB_SERVER_URL": "javascript:alert(2)//",
            "github.GITHUB_EVENT_NAME": "pull_request",
            "github.GITHUB_REF_NAME": "42/merge",
            "github.GITHUB_ACTOR": "octocat",
        },
    )
    for candidate in (gitlab, github):
        ci_link_candidate_from_metadata(
            candidate_id=candidate.pk, names=["gitlab.CI_JOB_ID", "github.GITHUB_RUN_ID"]
        )
    client.force_login(tenant.reporter)

    pages = [f"/{tenant.project.path}/-/ml/candidates/{c.pk}/" for c in (gitlab, github)]
    pages.append(f"/{tenant.project.path}/-/ml/experiments/{gitlab.experiment.iid}/")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        bad = [
            h
            for h in _hrefs(html)
            if re.sub(r"[\x00-\x20]", "", h).lower().startswith(("javascript:", "data:"))
        ]
        assert bad == [], (url, bad)
    candidate_page = client.get(pages[0]).content.decode()
    # Still shown, as text: the job and pipeline numbers and the merge request.
    assert "#501" in candidate_page and "#77" in candidate_page and "!5" in candidate_page
    assert "#9001" in client.get(pages[1]).content.decode()
    assert "#501" in client.get(pages[2]).content.decode()


@pytest.mark.django_db
def test_https_ci_urls_from_tags_stay_links(client, tenant):
    candidate = candidate_make(
        tenant.project,
        tags={
            "gitlab.CI_JOB_ID": "8",
            "gitlab.CI_JOB_URL": "https://gitlab.example.com/acme/vision/-/jobs/8",
        },
    )
    ci_link_candidate_from_metadata(candidate_id=candidate.pk, names=["gitlab.CI_JOB_ID"])
    client.force_login(tenant.reporter)
    for url in (
        f"/{tenant.project.path}/-/ml/candidates/{candidate.pk}/",
        f"/{tenant.project.path}/-/ml/experiments/{candidate.experiment.iid}/",
    ):
        assert 'href="https://gitlab.example.com/acme/vision/-/jobs/8"' in client.get(url).content.decode(), (
            url
        )
