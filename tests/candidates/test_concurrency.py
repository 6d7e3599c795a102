"""Eight writers at once (each thread has its own PostgreSQL connection): nothing lost, no duplicate iids."""

import threading

import pytest
from django.db import connection

from candidates.models import Candidate, CandidateLatestMetric, CandidateMetric, CandidateParam
from candidates.services import candidate_create, candidate_log_batch
from experiments.models import Experiment
from experiments.services import experiment_create
from projects.errors import AlreadyExistsError, InvalidValueError

pytestmark = pytest.mark.django_db(transaction=True)
WRITERS = 8


def run_threads(target):
    barrier = threading.Barrier(WRITERS)
    results, errors = [None] * WRITERS, []

    def work(index):
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_eight_writers_to_one_candidate_lose_nothing(tenant):
    experiment = experiment_create(project=tenant.project, name="race")
    candidate = candidate_create(experiment=experiment)

    def write(index):
        for round_ in range(10):
            metrics = [
                ("loss", float(index * 1000 + round_ * 10 + j), 1000 + round_, index * 100 + round_)
                for j in range(10)
            ]
            candidate_log_batch(candidate=candidate, metrics=metrics, params=[(f"w{index}-{round_}", "v")])

    _, errors = run_threads(write)
    assert errors == []
    assert CandidateMetric.objects.filter(candidate=candidate).count() == WRITERS * 10 * 10
    assert CandidateParam.objects.filter(candidate=candidate).count() == WRITERS * 10
    top = CandidateLatestMetric.objects.get(candidate=candidate, name="loss")
    assert (top.step, top.value) == (709, 7099.0)  # the highest step wins whatever the commit order


def test_concurrent_different_param_values_keep_exactly_one(tenant):
    candidate = candidate_create(experiment=experiment_create(project=tenant.project, name="p-race"))
    _, errors = run_threads(lambda i: candidate_log_batch(candidate=candidate, params=[("lr", str(i))]))
    assert len(errors) == WRITERS - 1 and all(isinstance(e, InvalidValueError) for e in errors)
    assert CandidateParam.objects.filter(candidate=candidate, name="lr").count() == 1


def test_concurrent_candidate_creation_gives_distinct_iids(tenant):
    experiment = experiment_create(project=tenant.project, name="iids")
    results, errors = run_threads(lambda i: candidate_create(experiment=experiment).iid)
    assert errors == []
    assert sorted(results) == list(range(1, WRITERS + 1))
    assert Candidate.objects.filter(experiment=experiment).count() == WRITERS


def test_same_experiment_name_at_once_creates_one(tenant):
    results, errors = run_threads(lambda i: experiment_create(project=tenant.project, name="same").iid)
    assert len([r for r in results if r is not None]) == 1
    assert len(errors) == WRITERS - 1 and all(isinstance(e, AlreadyExistsError) for e in errors)
    assert Experiment.objects.filter(project=tenant.project, name="same").count() == 1


def test_concurrent_log_model_appends_keep_every_model(tenant):
    """Eight 2.x `log_model` calls at once on one candidate: the history tag holds all eight models (the
    read-modify-write of the tag is serialised by a row lock, not last-writer-wins)."""
    import json

    from candidates.models import CandidateMetadata
    from candidates.services import candidate_logged_model_append
    from projects.mlflow_data import LOG_MODEL_HISTORY_TAG

    experiment = experiment_create(project=tenant.project, name="models-race")
    candidate = candidate_create(experiment=experiment)

    def append(index):
        for round_ in range(3):
            candidate_logged_model_append(candidate=candidate, model={"writer": index, "round": round_})

    _, errors = run_threads(append)
    assert errors == []
    history = json.loads(CandidateMetadata.objects.get(candidate=candidate, name=LOG_MODEL_HISTORY_TAG).value)
    assert sorted((m["writer"], m["round"]) for m in history) == [
        (i, r) for i in range(WRITERS) for r in range(3)
    ]
