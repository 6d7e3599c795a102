"""Linking a candidate to its CI job from tags (no CI server, no broker): the fallback path and the contracts."""

import importlib.util
from pathlib import Path

import pytest

from ci_integration.models import CiBuild, EnrichmentStatus, Provider
from ci_integration.selectors import ci_build_for_candidate, ci_builds_for_candidates
from ci_integration.services import ci_link_candidate_from_metadata
from ci_integration.tags import CI_TAG_KEYS, ci_fields_from_tags

from .factories import GITLAB_TAGS, candidate_make

PLUGIN_INIT = Path(__file__).resolve().parents[2] / "plugin" / "assay_mlflow_plugin" / "__init__.py"


def _plugin_module():
    # Loaded from the file, so this check does not depend on the plugin being installed.
    spec = importlib.util.spec_from_file_location("assay_mlflow_plugin_keys", PLUGIN_INIT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.smoke
def test_server_and_plugin_agree_on_the_tag_keys():
    plugin = _plugin_module()
    assert set(plugin.TAG_KEYS) == set(CI_TAG_KEYS)
    assert "gitlab.CI_JOB_ID" in plugin.TAG_KEYS and plugin.GITLAB_TAGS["gitlab.CI_JOB_ID"] == "CI_JOB_ID"
    # Every tag the plugin writes from a full CI environment is one the server reads.
    environ = {"GITLAB_CI": "true", "GITHUB_ACTIONS": "true"}
    environ.update({var: "1" for var in (*plugin.GITLAB_TAGS.values(), *plugin.GITHUB_TAGS.values())})
    assert set(plugin.ci_tags(environ)) == set(CI_TAG_KEYS)
    assert plugin.ci_tags({"CI_JOB_ID": "1"}) == {}  # not in CI: nothing


@pytest.mark.smoke
def test_fields_from_github_tags_build_urls_and_the_pull_request():
    fields = ci_fields_from_tags(
        {
            "github.GITHUB_RUN_ID": "9001",
            "github.GITHUB_REPOSITORY": "octo/vision",
            "github.GITHUB_SERVER_URL": "https://github.com",
            "github.GITHUB_EVENT_NAME": "pull_request",
            "github.GITHUB_REF_NAME": "42/merge",
            "github.GITHUB_ACTOR": "octocat",
        }
    )
    assert fields["provider"] == "github"
    assert fields["pipeline_id"] == 9001
    assert fields["pipeline_url"] == "https://github.com/octo/vision/actions/runs/9001"
    assert fields["merge_request_iid"] == 42
    assert fields["merge_request_url"] == "https://github.com/octo/vision/pull/42"
    assert fields["user_url"] == "https://github.com/octocat"
    assert ci_fields_from_tags({"gitlab.CI_JOB_ID": "not-a-number"}) is None


@pytest.mark.smoke
@pytest.mark.django_db
def test_tagging_without_a_ci_server_links_from_tags_only(tenant, other_tenant, assert_query_count):
    candidate = candidate_make(tenant.project, tags=GITLAB_TAGS)
    with assert_query_count("ci_link_from_tags_without_server"):
        ci_link_candidate_from_metadata(candidate_id=candidate.pk, names=["gitlab.CI_JOB_ID", "mlflow.user"])

    build = ci_build_for_candidate(candidate)
    assert build.provider == Provider.GITLAB
    assert build.project == tenant.project
    assert (build.job_id, build.pipeline_id, build.merge_request_iid) == (501, 1501, 7)
    assert build.merge_request_url == "https://gitlab.example.com/acme/vision/-/merge_requests/7"
    assert build.user_username == "root" and build.pipeline_ref == "tune-lr"
    assert build.enrichment_status == EnrichmentStatus.OK
    assert "No CI server" in build.enrichment_reason
    assert build.enrichment_attempts == 0  # no task, no network

    other = candidate_make(other_tenant.project)
    with assert_query_count("ci_builds_for_candidates"):
        found = ci_builds_for_candidates([candidate.pk, other.pk])
    assert found == {candidate.pk: build}
    assert ci_build_for_candidate(other) is None


@pytest.mark.smoke
@pytest.mark.django_db
def test_a_new_job_id_replaces_the_link_and_unrelated_tags_are_ignored(tenant, django_assert_num_queries):
    candidate = candidate_make(tenant.project, tags=GITLAB_TAGS)
    ci_link_candidate_from_metadata(candidate_id=candidate.pk, names=list(GITLAB_TAGS))

    candidate.metadata.filter(name="gitlab.CI_JOB_ID").update(value="777")
    candidate.metadata.filter(name="gitlab.CI_MERGE_REQUEST_IID").delete()
    ci_link_candidate_from_metadata(candidate_id=candidate.pk, names=["gitlab.CI_JOB_ID"])
    build = CiBuild.objects.get(candidate=candidate)
    assert build.job_id == 777 and build.merge_request_iid is None and build.merge_request_url == ""
    assert CiBuild.objects.count() == 1

    with django_assert_num_queries(0):
        ci_link_candidate_from_metadata(candidate_id=candidate.pk, names=["mlflow.runName", "team"])


@pytest.mark.smoke
@pytest.mark.django_db
def test_the_hook_never_raises(tenant):
    # A candidate that vanished before the on-commit hook ran: logged, not raised.
    assert ci_link_candidate_from_metadata(candidate_id=987654321, names=["gitlab.CI_JOB_ID"]) is None
    candidate = candidate_make(tenant.project, tags={"gitlab.CI_JOB_ID": "x1"})
    assert ci_link_candidate_from_metadata(candidate_id=candidate.pk, names=["gitlab.CI_JOB_ID"]) is None
    assert not CiBuild.objects.exists()
