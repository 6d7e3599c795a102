import json

import pytest

from candidates.metrics.charts import metric_series
from candidates.models import CandidateLatestMetric, CandidateMetric
from tests.pages.conftest import exp_url, seed_experiment


def test_performance_tab_is_a_light_shell_that_loads_its_data_after_the_page(
    owner_client, tenant, assert_query_count
):
    exp, cands = seed_experiment(tenant.project, candidates=4, steps=3)
    with assert_query_count("experiment_performance"):
        r = owner_client.get(exp_url(tenant, exp, "performance/"), {"filter": "params.opt = 'sgd'"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'src="/static/vendor/plotly/plotly.min.js"' in html and "cdn" not in html.lower()
    assert 'src="/static/performance.js"' in html
    # No candidate rows in the HTML: the summary and the param charts come from their JSON endpoints.
    assert "run-000" not in html and "chart-points" not in html
    for name in ("data", "points", "summary"):
        assert f"performance/{name}.json?filter=params.opt" in html
    # The scatter's default x is a param that varies (lr, opt), never the constant seed.
    scatter_x = html.split('id="scatter-x">')[1].split("</select>")[0]
    assert scatter_x.index("params.lr") < scatter_x.index("params.seed")
    assert scatter_x.index("params.opt") < scatter_x.index("params.seed")


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
