"""Writers logging into the same rollup blocks at once (each thread its own PostgreSQL connection, every write
path): the blocks end equal to a recomputation from the history, no count lost or doubled, no deadlock."""

import io
import threading
import time

import pytest
from django.core.management import call_command

from candidates.services import candidate_create, candidate_log_batch, candidate_log_batch_by_eid
from experiments.services import experiment_create
from tests.candidates.rollup import expected_rollup, stored_rollup
from tests.candidates.test_concurrency import WRITERS, run_threads

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 15


def test_concurrent_writers_to_the_same_blocks_keep_the_rollup_exact(tenant):
    candidate = candidate_create(experiment=experiment_create(project=tenant.project, name="rollup-race"))

    def write(index):
        for round_ in range(ROUNDS):
            steps = range(round_ * 40, round_ * 40 + 40)  # the same steps (blocks) for every writer
            metrics = [("loss", float((index * 31 + s) % 17) - 8, 1000 + index, s) for s in steps]
            metrics += [("loss", 0.25, 7, s) for s in steps[::5]]  # points every writer logs: stored once
            metrics += [("acc", float(index), 1000 + index, s) for s in steps[::10]]
            if index % 3 == 0:  # metrics alone: the one-statement path
                candidate_log_batch(candidate=candidate, metrics=metrics)
            elif index % 3 == 1:  # with a param: the general path, two statements in a transaction
                candidate_log_batch(
                    candidate=candidate, metrics=metrics, params=[(f"w{index}-{round_}", "v")]
                )
            else:  # the API's path by external id (candidate lookup and writes as CTEs of one statement)
                candidate_log_batch_by_eid(project=tenant.project, eid_hex=candidate.eid_hex, metrics=metrics)

    _, errors = run_threads(write)
    assert errors == []
    stored = stored_rollup(candidate.pk)
    assert stored == expected_rollup(candidate.pk)
    # Every writer's 40 points per round plus the shared ones once: n adds up over the whole history.
    assert stored[("loss", 14, 0)][6] == ROUNDS * 40 * WRITERS + ROUNDS * 8


def test_rebuilding_while_clients_log_counts_every_point_once(tenant):
    candidate = candidate_create(experiment=experiment_create(project=tenant.project, name="rebuild-race"))
    candidate_log_batch(candidate=candidate, metrics=[("loss", float(s), 1, s) for s in range(2000)])
    done, out, err = threading.Event(), io.StringIO(), io.StringIO()

    def log(index):
        if index == 0:  # one thread rebuilds (the command, with its retries) while the others log
            try:
                for _ in range(3):
                    call_command("metric_rollup_rebuild", candidate=[candidate.pk], stdout=out, stderr=err)
            finally:
                done.set()
            return
        for round_ in range(200):  # a run logging steadily: a batch every few milliseconds
            if done.is_set() and round_ >= 3:
                return
            steps = range(round_ * 50 + index, round_ * 50 + 400, WRITERS)
            candidate_log_batch(
                candidate=candidate, metrics=[("loss", -float(index), 2 + round_, s) for s in steps]
            )
            time.sleep(0.005)

    _, errors = run_threads(log)
    assert errors == []
    assert stored_rollup(candidate.pk) == expected_rollup(candidate.pk)
    assert err.getvalue() == ""  # rebuilt every time, between the writers' commits
