"""candidate_search: filters, ordering with MLflow's NULL rules, paging, view types, and tenant isolation."""

import pytest

from candidates.search import candidate_search
from candidates.services import candidate_create, candidate_delete, candidate_log_batch
from experiments.services import experiment_create
from projects.errors import InvalidValueError

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def five(tenant, experiment):
    """r0..r4: params.p=i, metrics.acc=i/10 (r4 has none), tags.group even/odd, r0/r2/r4 FINISHED."""
    runs = []
    for i in range(5):
        c = candidate_create(
            experiment=experiment,
            name=f"r{i}",
            start_time=1000 + i,
            metadata=[("group", "even" if i % 2 == 0 else "odd")],
        )
        metrics = [("acc", i / 10, 1, 0)] if i < 4 else []
        candidate_log_batch(candidate=c, params=[("p", str(i))], metrics=metrics)
        if i % 2 == 0:
            c.status = "FINISHED"
            c.save()
        runs.append(c)
    return runs


def names(tenant, experiment, **kwargs):
    found, _ = candidate_search(project=tenant.project, experiment_ids=[experiment.iid], **kwargs)
    return [c.name for c in found]


def test_filters_translate_to_sql(tenant, experiment, five):
    assert names(tenant, experiment, filter_string="params.p = '3'") == ["r3"]
    assert sorted(names(tenant, experiment, filter_string="params.p != '3'")) == ["r0", "r1", "r2", "r4"]
    assert sorted(names(tenant, experiment, filter_string="metrics.acc > 0.15 and metrics.acc <= 0.3")) == [
        "r2",
        "r3",
    ]
    assert sorted(names(tenant, experiment, filter_string="tags.group LIKE 'ev%'")) == ["r0", "r2", "r4"]
    assert sorted(names(tenant, experiment, filter_string="tags.group ILIKE 'EV%'")) == ["r0", "r2", "r4"]
    assert sorted(names(tenant, experiment, filter_string="attributes.status = 'FINISHED'")) == [
        "r0",
        "r2",
        "r4",
    ]
    ids = f"('{five[1].run_id}', '{five[4].run_id}')"
    assert sorted(names(tenant, experiment, filter_string=f"attributes.run_id IN {ids}")) == ["r1", "r4"]
    assert names(tenant, experiment, filter_string="attributes.run_id = 'not-hex'") == []
    assert names(tenant, experiment, filter_string="run_name = 'r2' AND start_time >= 1002") == ["r2"]
    uri = five[3].artifact_uri
    assert names(tenant, experiment, filter_string=f"attributes.artifact_uri = '{uri}'") == ["r3"]


def test_injection_strings_are_bound_values(tenant, experiment, five):
    assert names(tenant, experiment, filter_string="params.p = '1'' OR ''1''=''1'") == []
    assert names(tenant, experiment, filter_string="tags.`group' OR 1=1 --` = 'x'") == []


def test_order_by_metric_puts_missing_values_last_either_way(tenant, experiment, five):
    assert names(tenant, experiment, order_by=["metrics.acc DESC"]) == ["r3", "r2", "r1", "r0", "r4"]
    assert names(tenant, experiment, order_by=["metrics.acc ASC"]) == ["r0", "r1", "r2", "r3", "r4"]
    assert names(tenant, experiment, order_by=["tags.group ASC", "params.p DESC"]) == [
        "r4",
        "r2",
        "r0",
        "r3",
        "r1",
    ]
    assert names(tenant, experiment) == ["r4", "r3", "r2", "r1", "r0"]  # default: start_time DESC


def test_paging_visits_every_candidate_once(tenant, experiment, five):
    seen, token = [], None
    for _ in range(5):
        page, token = candidate_search(
            project=tenant.project,
            experiment_ids=[experiment.iid],
            order_by=["params.p ASC"],
            max_results=2,
            page_token=token,
        )
        seen += [c.name for c in page]
        if token is None:
            break
    assert seen == ["r0", "r1", "r2", "r3", "r4"]


def test_view_types(tenant, experiment, five):
    candidate_delete(candidate=five[1])
    assert "r1" not in names(tenant, experiment)
    assert names(tenant, experiment, view_type="DELETED_ONLY") == ["r1"]
    assert len(names(tenant, experiment, view_type="ALL")) == 5
    assert names(tenant, experiment, view_type="2") == ["r1"]


def test_results_carry_their_data(tenant, experiment, five, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        found, _ = candidate_search(project=tenant.project, experiment_ids=[experiment.iid])
        data = [
            (c.experiment.iid, len(c.params.all()), len(c.metadata.all()), len(c.latest_metrics.all()))
            for c in found
        ]
    assert data[0] == (experiment.iid, 1, 2, 0) and data[1] == (experiment.iid, 1, 2, 1)


def test_other_tenant_sees_nothing(tenant, other_tenant, experiment, five):
    foreign = experiment_create(project=other_tenant.project, name="exp")
    assert foreign.iid == experiment.iid  # same number, other project
    found, _ = candidate_search(
        project=other_tenant.project, experiment_ids=[experiment.iid], view_type="ALL"
    )
    assert found == []


def test_bad_arguments_are_invalid(tenant, experiment):
    for kwargs in (
        {"filter_string": "metrics.x >>> 1"},
        {"max_results": 50001},
        {"max_results": 0},
        {"view_type": "SOME"},
        {"experiment_ids": ["abc"]},
        {"page_token": "garbage"},
    ):
        kwargs.setdefault("experiment_ids", [experiment.iid])
        with pytest.raises(InvalidValueError):
            candidate_search(project=tenant.project, **kwargs)
