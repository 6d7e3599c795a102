"""Delete (confirm page, soft) and restore from the deleted list; developer only; default experiment kept."""

from candidates.models import Candidate
from experiments.models import Lifecycle
from experiments.services import experiment_default_ensure, experiment_delete
from tests.pages.conftest import exp_url, seed_experiment, signed_in

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def _list(tenant, rest=""):
    return f"/{tenant.project.path}/-/ml/experiments/{rest}"


def test_delete_asks_then_deletes_and_restore_brings_candidates_back(
    developer_client, tenant, assert_query_count
):
    exp, _ = seed_experiment(tenant.project, name="old", candidates=3)
    with assert_query_count("experiment_delete_confirm"):
        confirm = developer_client.get(exp_url(tenant, exp, "delete"))
    assert confirm.status_code == 200 and b'id="confirm-delete"' in confirm.content
    exp.refresh_from_db()
    assert exp.lifecycle == Lifecycle.ACTIVE  # GET changes nothing
    response = developer_client.post(exp_url(tenant, exp, "delete"))
    assert response.status_code == 302 and response["Location"] == _list(tenant)
    exp.refresh_from_db()
    assert exp.lifecycle == Lifecycle.DELETED
    assert set(Candidate.objects.filter(experiment=exp).values_list("lifecycle", flat=True)) == {"deleted"}
    assert developer_client.get(exp_url(tenant, exp)).status_code == 404
    assert "old" not in [r.experiment.name for r in developer_client.get(_list(tenant)).context["rows"]]

    with assert_query_count("experiment_deleted_list"):
        deleted = developer_client.get(_list(tenant, "deleted/"))
    assert [r.experiment.name for r in deleted.context["rows"]] == ["old"]
    assert deleted.context["rows"][0].candidate_count == 3
    assert f'data-restore="{exp.iid}"'.encode() in deleted.content

    response = developer_client.post(exp_url(tenant, exp, "restore"))
    assert response.status_code == 302 and response["Location"] == exp_url(tenant, exp)
    exp.refresh_from_db()
    assert exp.lifecycle == Lifecycle.ACTIVE
    assert set(Candidate.objects.filter(experiment=exp).values_list("lifecycle", flat=True)) == {"active"}


def test_default_experiment_cannot_be_deleted(developer_client, tenant):
    default = experiment_default_ensure(project=tenant.project)
    response = developer_client.post(exp_url(tenant, default, "delete"), follow=True)
    assert "Cannot delete the default experiment" in response.content.decode()
    default.refresh_from_db()
    assert default.lifecycle == Lifecycle.ACTIVE


def test_restore_of_an_active_experiment_is_not_found(developer_client, tenant):
    exp, _ = seed_experiment(tenant.project, name="live", candidates=0)
    assert developer_client.post(exp_url(tenant, exp, "restore")).status_code == 404


def test_reporter_sees_the_deleted_list_but_cannot_delete_or_restore(reporter_client, tenant):
    exp, _ = seed_experiment(tenant.project, name="gone", candidates=0)
    keep, _ = seed_experiment(tenant.project, name="keep", candidates=0)
    experiment_delete(experiment=exp)
    page = reporter_client.get(_list(tenant, "deleted/"))
    assert page.status_code == 200 and b"gone" in page.content and b"data-restore" not in page.content
    assert reporter_client.post(exp_url(tenant, exp, "restore")).status_code == 404
    assert reporter_client.get(exp_url(tenant, keep, "delete")).status_code == 404
    assert reporter_client.post(exp_url(tenant, keep, "delete")).status_code == 404
    exp.refresh_from_db()
    keep.refresh_from_db()
    assert exp.lifecycle == Lifecycle.DELETED and keep.lifecycle == Lifecycle.ACTIVE


def test_other_tenant_gets_404_everywhere(tenant, other_tenant):
    exp, _ = seed_experiment(tenant.project, name="secret", candidates=0)
    outsider = signed_in(other_tenant.owner)
    assert outsider.get(_list(tenant, "deleted/")).status_code == 404
    assert outsider.post(exp_url(tenant, exp, "delete")).status_code == 404
    experiment_delete(experiment=exp)
    assert outsider.post(exp_url(tenant, exp, "restore")).status_code == 404
    # the other tenant's own URL with our iid finds nothing either
    assert (
        outsider.post(f"/{other_tenant.project.path}/-/ml/experiments/{exp.iid}/restore").status_code == 404
    )
    exp.refresh_from_db()
    assert exp.lifecycle == Lifecycle.DELETED


def test_deleted_list_escapes_names(developer_client, tenant):
    exp, _ = seed_experiment(tenant.project, name=XSS, candidates=0)
    experiment_delete(experiment=exp)
    html = developer_client.get(_list(tenant, "deleted/")).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "&lt;script&gt;" in html


def test_maintainer_and_owner_may_delete_and_restore_too(tenant, owner_client):
    from projects.models import Role
    from projects.services import membership_set, user_get_or_create

    maintainer = user_get_or_create(username="acme-maintainer")
    membership_set(project=tenant.project, user=maintainer, role=Role.MAINTAINER)
    for client in (signed_in(maintainer), owner_client):
        exp, _ = seed_experiment(tenant.project, name=f"e-{id(client)}", candidates=0)
        assert client.post(exp_url(tenant, exp, "delete")).status_code == 302
        exp.refresh_from_db()
        assert exp.lifecycle == Lifecycle.DELETED
        assert client.post(exp_url(tenant, exp, "restore")).status_code == 302
        exp.refresh_from_db()
        assert exp.lifecycle == Lifecycle.ACTIVE
