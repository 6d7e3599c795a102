"""The promote form preselects the model a candidate most likely belongs to."""

from model_registry import services
from model_registry.locations import location_for_candidate_model
from tests.model_registry.edit_fixtures import dev, models_url  # noqa: F401 - fixtures
from tests.model_registry.factories import make_candidate, make_candidate_with_model_folder


def _selected(dev, tenant, candidate):  # noqa: F811
    response = dev.get(models_url(tenant.project, "promote"), {"candidate": candidate.pk})
    return [o["name"] for o in response.context["model_options"] if o["selected"]]


def test_model_whose_versions_came_from_the_same_experiment(dev, tenant, artifacts_dir):  # noqa: F811
    first = make_candidate_with_model_folder(tenant.project, experiment_name="fraud-exp", name="a")
    services.model_create(project=tenant.project, name="aaa-other")
    model = services.model_create(project=tenant.project, name="fraud")
    location = location_for_candidate_model(first)
    services.model_version_create(model=model, location=location, candidate=first, source=location.uri)
    second = make_candidate(tenant.project, experiment_name="fraud-exp", name="b")
    assert _selected(dev, tenant, second) == ["fraud"]


def test_model_of_its_model_experiment_then_by_name(dev, tenant):  # noqa: F811
    model = services.model_create(project=tenant.project, name="churn")
    inside = make_candidate(tenant.project, experiment_name=model.experiment.name, name="x")
    assert _selected(dev, tenant, inside) == ["churn"]
    services.model_create(project=tenant.project, name="ranker")
    named = make_candidate(tenant.project, experiment_name="exp-r", name="ranker")
    assert _selected(dev, tenant, named) == ["ranker"]


def test_nothing_preselected_without_a_fit_and_explicit_choice_wins(dev, tenant):  # noqa: F811
    services.model_create(project=tenant.project, name="fraud")
    other = services.model_create(project=tenant.project, name="other")
    candidate = make_candidate(tenant.project, experiment_name="unrelated", name="run")
    assert _selected(dev, tenant, candidate) == []
    response = dev.get(models_url(tenant.project, "promote"), {"candidate": candidate.pk, "model": other.pk})
    assert [o["name"] for o in response.context["model_options"] if o["selected"]] == ["other"]
