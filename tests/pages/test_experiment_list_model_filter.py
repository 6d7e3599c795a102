"""The list hides the registry's `[model]` experiments by default and says how many; a toggle shows them."""

from model_registry.services import model_create
from tests.pages.conftest import seed_experiment


def _url(tenant):
    return f"/{tenant.project.path}/-/ml/experiments/"


def test_model_experiments_are_hidden_with_a_count_and_a_toggle(developer_client, tenant, assert_query_count):
    seed_experiment(tenant.project, name="vision", candidates=1)
    model_create(project=tenant.project, name="fraud")
    model_create(project=tenant.project, name="churn")
    with assert_query_count("experiment_list_model_hidden"):
        response = developer_client.get(_url(tenant))
    assert [r.experiment.name for r in response.context["rows"]] == ["vision"]
    html = response.content.decode()
    assert 'id="model-count">2<' in html and 'href="?model=1"' in html
    shown = developer_client.get(_url(tenant), {"model": "1"})
    assert sorted(r.experiment.name for r in shown.context["rows"]) == [
        "[model]churn",
        "[model]fraud",
        "vision",
    ]
    assert b"Hide model experiments" in shown.content
    searched = developer_client.get(_url(tenant), {"model": "1", "q": "fra"})
    assert [r.experiment.name for r in searched.context["rows"]] == ["[model]fraud"]
    assert b'name="model" value="1"' in searched.content  # the search keeps the toggle


def test_new_button_only_for_developers(developer_client, reporter_client, tenant):
    assert b'id="experiment-new"' in developer_client.get(_url(tenant)).content
    assert b'id="experiment-new"' not in reporter_client.get(_url(tenant)).content
    assert b'id="deleted-link"' in reporter_client.get(_url(tenant)).content
