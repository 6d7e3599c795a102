"""candidate_search: domain comparisons, ordering with MLflow's NULL rules, paging (offset and keyset),
lifecycles, and tenant isolation. Filters are written in MLflow's grammar and parsed by mlflow_api (as the API
does), so each case reads as the query a client sends."""

import pytest

from candidates.search import candidate_search
from candidates.services import candidate_create, candidate_delete, candidate_log_batch
from experiments.models import Lifecycle
from experiments.services import experiment_create
from mlflow_api.search_grammar import RUNS, filter_parse, order_parse
from projects.errors import InvalidValueError
from projects.querying import Comparison, NextPage, OrderKey

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


def search(tenant, experiment, *, filter_string="", order_by=(), position=None, **kwargs):
    position = position or NextPage()
    return candidate_search(
        project=tenant.project,
        experiment_iids=[experiment.iid],
        comparisons=filter_parse(filter_string, RUNS),
        order=order_parse(order_by, RUNS),
        offset=position.offset,
        after=position.after,
        **kwargs,
    )


def names(tenant, experiment, **kwargs):
    found, _ = search(tenant, experiment, **kwargs)
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
    ids = f"('{five[1].eid_hex}', '{five[4].eid_hex}')"
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
    seen, position = [], None
    for _ in range(5):
        page, position = search(tenant, experiment, order_by=["params.p ASC"], limit=2, position=position)
        seen += [c.name for c in page]
        assert position is None or position.after is None  # another order pages by offset
        if position is None:
            break
    assert seen == ["r0", "r1", "r2", "r3", "r4"]


def test_lifecycles(tenant, experiment, five):
    candidate_delete(candidate=five[1])
    assert "r1" not in names(tenant, experiment)
    assert names(tenant, experiment, lifecycles=[Lifecycle.DELETED]) == ["r1"]
    assert len(names(tenant, experiment, lifecycles=None)) == 5


def test_results_carry_their_data(tenant, experiment, five, assert_query_count):
    with assert_query_count("candidate_search_with_data"):
        found, _ = candidate_search(project=tenant.project, experiment_iids=[experiment.iid])
        data = [
            (c.experiment.iid, len(c.data.params), len(c.data.metadata), len(c.data.latest_metrics))
            for c in found
        ]
    assert data[0] == (experiment.iid, 1, 2, 0) and data[1] == (experiment.iid, 1, 2, 1)


def test_other_tenant_sees_nothing(tenant, other_tenant, experiment, five):
    foreign = experiment_create(project=other_tenant.project, name="exp")
    assert foreign.iid == experiment.iid  # same number, other project
    found, _ = candidate_search(
        project=other_tenant.project, experiment_iids=[experiment.iid], lifecycles=None
    )
    assert found == []


def test_unknown_domain_keys_are_invalid(tenant, experiment):
    for kwargs in (
        {"comparisons": [Comparison("attribute", "password", "=", "x")]},
        {"comparisons": [Comparison("attribute", "eid", "LIKE", "x%")]},
        {"order": [OrderKey("attribute", "password")]},
    ):
        with pytest.raises(InvalidValueError):
            candidate_search(project=tenant.project, experiment_iids=[experiment.iid], **kwargs)


def _pages(tenant, experiment, position=None, **kwargs):
    seen, positions = [], []
    for _ in range(20):
        page, position = search(tenant, experiment, position=position, **kwargs)
        seen += [c.name for c in page]
        if position is None:
            return seen, positions
        positions.append(position)
    raise AssertionError("paging did not end")


def test_default_order_pages_by_keyset_across_ties_and_missing_start_times(tenant, experiment, five):
    """Equal start_times (ordered by eid) and candidates without one (last) are each visited once, in the unpaged
    order; positions still carry the offset, so an order change between pages falls back to offset paging."""
    for i in range(5):
        candidate_create(experiment=experiment, name=f"t{i}", start_time=1002)
    for i in range(3):
        c = candidate_create(experiment=experiment, name=f"n{i}")
        c.start_time = None
        c.save()
    everything = names(tenant, experiment)
    assert len(everything) == 13 and set(everything[-3:]) == {"n0", "n1", "n2"}
    assert everything[:2] == ["r4", "r3"] and set(everything[2:8]) == {"r2", "t0", "t1", "t2", "t3", "t4"}
    for size in (1, 2, 3, 5):
        seen, positions = _pages(tenant, experiment, limit=size)
        assert seen == everything
        assert [p.offset for p in positions] == [size * (i + 1) for i in range(len(positions))]
        assert all(p.after is not None for p in positions)
    # An offset alone (as older servers' tokens carry) still pages by offset.
    assert _pages(tenant, experiment, position=NextPage(offset=4), limit=4)[0] == everything[4:]
    # A keyset position used with another order pages by its offset.
    _, positions = _pages(tenant, experiment, limit=4)
    rest, _ = _pages(tenant, experiment, position=positions[0], limit=4, order_by=["attributes.run_name ASC"])
    assert rest == sorted(everything)[4:]
    # Rows that arrive on earlier pages while paging do not shift later pages (keyset, not offset).
    first, position = search(tenant, experiment, limit=4)
    candidate_create(experiment=experiment, name="late", start_time=5000)
    rest, _ = _pages(tenant, experiment, position=position, limit=4)
    assert [c.name for c in first] + rest == everything


def test_candidate_data_reads_many_ids_at_once(tenant, experiment, five):
    """More ids than one IN list holds off PostgreSQL (and unknown ids) still come back, each with its data."""
    from candidates.selectors import candidate_data

    ids = [c.pk for c in five]
    data = candidate_data(candidate_ids=list(range(10**9, 10**9 + 1200)) + ids)
    assert len(data) == 1205
    assert [(len(data[pk].params), len(data[pk].metadata)) for pk in ids] == [(1, 2)] * 5
    assert data[ids[0]].params == [("p", "0")] and data[10**9].params == []
