"""candidate_log_batch: params are immutable, metadata upserts, history is kept, latest value follows MLflow."""

import math

import pytest

from candidates.models import (
    Candidate,
    CandidateLatestMetric,
    CandidateMetadata,
    CandidateMetric,
    CandidateParam,
)
from candidates.services import (
    candidate_create,
    candidate_delete,
    candidate_log_batch,
    candidate_metadata_delete,
    candidate_update,
)
from projects.errors import InvalidValueError, NotFoundError

pytestmark = pytest.mark.django_db


def latest(candidate):
    return {
        m.name: (m.value, m.step, m.timestamp)
        for m in CandidateLatestMetric.objects.filter(candidate=candidate)
    }


@pytest.mark.smoke
def test_batch_writes_everything_in_a_bounded_number_of_queries(candidate, assert_query_count):
    metrics = [(f"m{i % 10}", float(i), 1000 + i, i) for i in range(1000)]
    with assert_query_count("candidate_log_batch_1000_points"):
        candidate_log_batch(
            candidate=candidate,
            metrics=metrics,
            params=[(f"p{i}", str(i)) for i in range(100)],
            tags=[(f"t{i}", str(i)) for i in range(100)],
        )
    assert CandidateMetric.objects.filter(candidate=candidate).count() == 1000
    assert CandidateParam.objects.filter(candidate=candidate).count() == 100
    assert CandidateMetadata.objects.filter(candidate=candidate, name__startswith="t").count() == 100
    assert latest(candidate)["m9"] == (999.0, 999, 1999)


@pytest.mark.smoke
def test_param_with_different_value_is_rejected_and_nothing_is_written(candidate):
    candidate_log_batch(candidate=candidate, params=[("p", "first")])
    candidate_log_batch(candidate=candidate, params=[("p", "first")])  # same value again is fine
    with pytest.raises(InvalidValueError, match="Changing param values is not allowed"):
        candidate_log_batch(
            candidate=candidate,
            params=[("q", "1"), ("p", "second")],
            metrics=[("m", 1.0, 1, 0)],
            tags=[("t", "x")],
        )
    assert dict(CandidateParam.objects.filter(candidate=candidate).values_list("name", "value")) == {
        "p": "first"
    }
    assert not CandidateMetric.objects.filter(candidate=candidate).exists()
    assert not CandidateMetadata.objects.filter(candidate=candidate, name="t").exists()


@pytest.mark.smoke
def test_long_values_are_truncated_like_the_reference(candidate):
    candidate_log_batch(candidate=candidate, params=[("p", "x" * 7000)], tags=[("t", "y" * 9000)])
    assert len(CandidateParam.objects.get(candidate=candidate).value) == 6000
    assert len(CandidateMetadata.objects.get(candidate=candidate, name="t").value) == 8000


@pytest.mark.smoke
@pytest.mark.parametrize("key", ["", "../up", "a//b", "bad!char", "k" * 251])
def test_bad_keys_are_rejected(candidate, key):
    with pytest.raises(InvalidValueError):
        candidate_log_batch(candidate=candidate, params=[(key, "v")])


@pytest.mark.smoke
def test_duplicate_param_keys_in_one_call_are_rejected(candidate):
    with pytest.raises(InvalidValueError, match="Duplicate parameter keys"):
        candidate_log_batch(candidate=candidate, params=[("p", "1"), ("p", "1")])


@pytest.mark.smoke
def test_latest_metric_follows_step_then_timestamp_then_value(candidate):
    candidate_log_batch(candidate=candidate, metrics=[("m", 1.0, 100, 5)])
    candidate_log_batch(candidate=candidate, metrics=[("m", 9.0, 200, 2)])  # lower step: ignored
    assert latest(candidate)["m"] == (1.0, 5, 100)
    candidate_log_batch(candidate=candidate, metrics=[("m", 3.0, 300, 5)])  # same step, later
    assert latest(candidate)["m"] == (3.0, 5, 300)
    candidate_log_batch(
        candidate=candidate, metrics=[("m", 2.0, 300, 5), ("m", 4.0, 300, 5)]
    )  # same: max value
    assert latest(candidate)["m"] == (4.0, 5, 300)
    candidate_log_batch(candidate=candidate, metrics=[("m", 0.5, 300, 5)])
    assert latest(candidate)["m"] == (4.0, 5, 300)
    assert CandidateMetric.objects.filter(candidate=candidate, name="m").count() == 6


def test_nan_and_infinity_are_stored_and_nan_counts_as_zero_for_latest(candidate):
    candidate_log_batch(candidate=candidate, metrics=[("n", math.nan, 10, 1), ("i", math.inf, 10, 0)])
    assert math.isnan(latest(candidate)["n"][0]) and latest(candidate)["i"][0] == math.inf
    candidate_log_batch(candidate=candidate, metrics=[("n", -1.0, 10, 1)])  # -1 < 0 (NaN): NaN stays
    assert math.isnan(latest(candidate)["n"][0])
    candidate_log_batch(candidate=candidate, metrics=[("n", 0.5, 10, 1)])
    assert latest(candidate)["n"][0] == 0.5


@pytest.mark.smoke
def test_run_name_and_tag_stay_in_sync(candidate):
    candidate_log_batch(candidate=candidate, tags=[("mlflow.runName", "via-tag")])
    assert Candidate.objects.get(pk=candidate.pk).name == "via-tag"
    candidate_update(candidate=candidate, name="via-update", status="FINISHED", end_time=5)
    stored = Candidate.objects.get(pk=candidate.pk)
    assert (stored.name, stored.status, stored.end_time) == ("via-update", "FINISHED", 5)
    assert CandidateMetadata.objects.get(candidate=candidate, name="mlflow.runName").value == "via-update"


@pytest.mark.smoke
def test_create_names_runs(experiment):
    named = candidate_create(experiment=experiment, metadata=[("mlflow.runName", "tagged")])
    assert named.name == "tagged" and named.iid == 1
    random = candidate_create(experiment=experiment)
    adjective, noun, number = random.name.split("-")
    assert adjective and noun and 0 <= int(number) <= 999 and random.iid == 2
    with pytest.raises(InvalidValueError, match="different values"):
        candidate_create(experiment=experiment, name="a", metadata=[("mlflow.runName", "b")])


@pytest.mark.smoke
def test_writes_to_a_deleted_candidate_are_refused(candidate):
    candidate_delete(candidate=candidate)
    for call in (
        lambda: candidate_log_batch(candidate=candidate, metrics=[("m", 1.0, 1, 0)]),
        lambda: candidate_update(candidate=candidate, status="FINISHED"),
        lambda: candidate_metadata_delete(candidate=candidate, name="mlflow.runName"),
    ):
        with pytest.raises(InvalidValueError, match="must be in the 'active' state"):
            call()
    assert not CandidateMetric.objects.filter(candidate=candidate).exists()


@pytest.mark.smoke
def test_deleting_a_missing_tag_is_not_found(candidate):
    with pytest.raises(NotFoundError):
        candidate_metadata_delete(candidate=candidate, name="nope")
