import json

import pytest

from candidates.metrics.charts import metric_series
from candidates.models import CandidateLatestMetric, CandidateMetric
from tests.pages.conftest import exp_url, seed_experiment


def test_performance_tab_summary_and_embedded_points(owner_client, tenant, assert_query_count):
    exp, cands = seed_experiment(tenant.project, candidates=4, steps=3)
    with assert_query_count("experiment_performance"):
        r = owner_client.get(exp_url(tenant, exp, "performance/"), {"filter": "params.opt = 'sgd'"})
    assert r.status_code == 200
    summary = {s["name"]: s for s in r.context["summary"]}
    assert summary["loss"]["count"] == 2  # run-000 and run-002
    assert summary["loss"]["min_candidate"][1] == "run-002"
    assert summary["loss"]["max_candidate"][1] == "run-000"
    html = r.content.decode()
    assert 'src="/static/vendor/plotly/plotly.min.js"' in html and "cdn" not in html.lower()
    points = json.loads(html.split('id="chart-points" type="application/json">')[1].split("</script>")[0])
    assert {c["name"] for c in points["candidates"]} == {"run-000", "run-002"}
    assert points["metrics"] == ["acc", "loss"]


def test_chart_data_endpoint_one_trace_per_candidate_of_the_view(owner_client, tenant, assert_query_count):
    exp, cands = seed_experiment(tenant.project, candidates=12, steps=5)
    with assert_query_count("experiment_performance_data"):
        r = owner_client.get(
            exp_url(tenant, exp, "performance/data.json"), {"sort": "metrics.loss", "dir": "asc"}
        )
    data = r.json()
    assert [c["name"] for c in data["candidates"]][:2] == ["run-011", "run-010"]
    assert len(data["candidates"]) == 10  # capped
    loss = [s for s in data["series"] if s["metric"] == "loss"]
    assert len(loss) == 10 and all(s["x"] == [0, 1, 2, 3, 4] for s in loss)
    r = owner_client.get(exp_url(tenant, exp, "performance/data.json"), {"c": [cands[0].pk, cands[1].pk]})
    assert {c["id"] for c in r.json()["candidates"]} == {cands[0].pk, cands[1].pk}


@pytest.mark.smoke
def test_long_history_is_downsampled_keeping_extremes(tenant):
    exp, cands = seed_experiment(tenant.project, candidates=2, steps=1)
    long = cands[1]
    CandidateMetric.objects.bulk_create(
        [
            CandidateMetric(candidate=long, name="noise", value=(s % 97) / 97, step=s, timestamp=s)
            for s in range(20_000)
        ]
        + [CandidateMetric(candidate=long, name="noise", value=50.0, step=12_345, timestamp=1)],
        batch_size=5000,
    )
    CandidateMetric.objects.bulk_create(
        [
            CandidateMetric(candidate=cands[0], name="noise", value=float(s), step=s, timestamp=s)
            for s in range(10)
        ]
    )
    CandidateLatestMetric.objects.bulk_create(  # kept by the logging service in real use
        [
            CandidateLatestMetric(candidate=long, name="noise", value=0.0, step=19_999, timestamp=1),
            CandidateLatestMetric(candidate=cands[0], name="noise", value=9.0, step=9, timestamp=1),
        ]
    )
    series = {s.candidate_id: s for s in metric_series(candidate_ids=[long.pk, cands[0].pk], names=["noise"])}
    big, small = series[long.pk], series[cands[0].pk]
    assert small.x == list(range(10)) and not small.downsampled
    assert big.total == 20_000 and big.downsampled and len(big.x) <= 1000
    assert max(big.y) == 50.0 and min(big.y) == 0.0  # the spike and the floor survive
    assert big.x == sorted(big.x) and big.x[0] >= 0 and big.x[-1] <= 19_999


def test_full_history_downloads_as_csv_and_json(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=1, steps=1)
    CandidateMetric.objects.bulk_create(
        [
            CandidateMetric(candidate=cands[0], name="m/x", value=s * 0.5, step=s, timestamp=s)
            for s in range(3000)
        ]
        + [CandidateMetric(candidate=cands[0], name="m/x", value=float("nan"), step=3000, timestamp=1)]
    )
    base = f"/{tenant.project.path}/-/ml/candidates/{cands[0].pk}/"
    r = owner_client.get(base + "metric-history.csv", {"name": "m/x"})
    lines = b"".join(r.streaming_content).decode().splitlines()
    assert lines[0] == "step,value,timestamp" and len(lines) == 3002 and lines[2] == "1,0.5,1"
    r = owner_client.get(base + "metric-history.json", {"name": "m/x"})
    data = json.loads(b"".join(r.streaming_content))
    assert len(data["points"]) == 3001 and data["points"][-1]["value"] is None and data["metric"] == "m/x"
    assert owner_client.get(base + "metric-history.xml", {"name": "m/x"}).status_code == 404
