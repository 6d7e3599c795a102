"""The metric rollup (min/max per block of steps, every level) is kept by every write path, equals a
recomputation from the history (NaN, ±inf, negative and int64-extreme steps, points logged twice), goes with its
candidate, and is rebuilt from the history by metric_rollup_rebuild / the management command."""

import importlib
import math
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from candidates.metrics.services import metric_rollup_rebuild
from candidates.models import CandidateMetric, CandidateMetricRollup
from candidates.services import candidate_log_batch, candidate_log_batch_by_eid
from tests.candidates.rollup import expected_rollup, stored_rollup

pytestmark = pytest.mark.django_db

INT64_MAX, INT64_MIN = 2**63 - 1, -(2**63)
ODD_VALUES = [math.nan, math.inf, -math.inf, -0.0, 1e308, -1e-308, 3.5]


def test_each_write_path_keeps_the_rollup_equal_to_the_history(candidate, tenant):
    # The one-statement path (metrics alone), the general path (with params), the by-id path of the API.
    candidate_log_batch(candidate=candidate, metrics=[("loss", float(s), 1000 + s, s) for s in range(40)])
    candidate_log_batch(
        candidate=candidate,
        metrics=[("loss", -float(s), 2000 + s, s) for s in range(30, 300)] + [("acc", 0.5, 1, 7)],
        params=[("lr", "0.1")],
    )
    candidate_log_batch_by_eid(
        project=tenant.project,
        eid_hex=candidate.eid_hex,
        metrics=[("loss", v, 3000 + i, i - 40) for i, v in enumerate(ODD_VALUES)],  # block -2 of 32
    )
    expected = expected_rollup(candidate.pk)
    assert stored_rollup(candidate.pk) == expected
    assert expected[("loss", 5, -2)][:2] == (
        -math.inf,
        "NaN",
    )  # NaN is the block's max, as PostgreSQL's max()


def test_negative_and_extreme_steps_fall_in_floor_blocks(candidate):
    steps = [INT64_MIN, INT64_MIN + 1, -33, -32, -1, 0, 31, 32, INT64_MAX - 1, INT64_MAX]
    candidate_log_batch(candidate=candidate, metrics=[("edge", float(i), 1, s) for i, s in enumerate(steps)])
    stored = stored_rollup(candidate.pk)
    assert stored == expected_rollup(candidate.pk)
    assert stored[("edge", 5, -2)][2:4] == (-33, -33) and stored[("edge", 5, -1)][2:4] == (-32, -1)
    assert stored[("edge", 5, 0)][2:4] == (0, 31) and stored[("edge", 5, 1)][2:4] == (32, 32)
    assert stored[("edge", 14, -(2**49))][2:4] == (INT64_MIN, INT64_MIN + 1)
    assert stored[("edge", 14, 2**49 - 1)][2:4] == (INT64_MAX - 1, INT64_MAX)


def test_a_point_logged_again_is_counted_once(candidate, tenant):
    points = [("loss", float(s % 3), 1000, s) for s in range(20)] + [("loss", math.nan, 5, 3)]
    candidate_log_batch(candidate=candidate, metrics=points)
    candidate_log_batch(candidate=candidate, metrics=points, params=[("p", "1")])  # the same points again
    candidate_log_batch_by_eid(project=tenant.project, eid_hex=candidate.eid_hex, metrics=points + points)
    assert CandidateMetric.objects.filter(candidate=candidate).count() == 21
    stored = stored_rollup(candidate.pk)
    assert stored == expected_rollup(candidate.pk)
    assert stored[("loss", 14, 0)][6] == 21


def test_more_points_than_a_statement_takes_are_rolled_up_chunk_by_chunk(candidate):
    metrics = [("long", float((s * 7919) % 1000), s, s) for s in range(25_000)]
    candidate_log_batch(candidate=candidate, metrics=metrics)  # over PG_CHUNK: the general path, 3 chunks
    stored = stored_rollup(candidate.pk)
    assert stored == expected_rollup(candidate.pk)
    assert stored[("long", 14, 0)][6] == 16_384 and stored[("long", 14, 1)][6] == 25_000 - 16_384


def test_deleting_a_candidate_deletes_its_rollup(candidate, experiment):
    candidate_log_batch(candidate=candidate, metrics=[("loss", 1.0, 1, s) for s in range(50)])
    assert CandidateMetricRollup.objects.filter(candidate_id=candidate.pk).exists()
    experiment.delete()
    assert not CandidateMetricRollup.objects.filter(candidate_id=candidate.pk).exists()


def test_rebuild_recomputes_a_history_written_around_the_services(candidate):
    candidate_log_batch(candidate=candidate, metrics=[("loss", 1.0, 1, s) for s in range(10)])
    CandidateMetric.objects.bulk_create(  # e.g. logged before the rollup existed
        [
            CandidateMetric(candidate=candidate, name="loss", value=v, step=s, timestamp=2)
            for s, v in enumerate(ODD_VALUES)
        ]
        + [CandidateMetric(candidate=candidate, name="old", value=1.0, step=-5, timestamp=2)]
    )
    assert stored_rollup(candidate.pk) != expected_rollup(candidate.pk)
    metric_rollup_rebuild(candidate_ids=[candidate.pk])
    assert stored_rollup(candidate.pk) == expected_rollup(candidate.pk)
    CandidateMetricRollup.objects.filter(candidate_id=candidate.pk, shift=8).delete()
    call_command("metric_rollup_rebuild", candidate=[candidate.pk], stdout=open("/dev/null", "w"))
    assert stored_rollup(candidate.pk) == expected_rollup(candidate.pk)


def test_the_migration_backfill_builds_what_the_services_keep(candidate):
    backfill = importlib.import_module("candidates.migrations.0011_metric_rollup_backfill").backfill
    candidate_log_batch(
        candidate=candidate, metrics=[("loss", v, 5, s * 3 - 9) for s, v in enumerate(ODD_VALUES * 9)]
    )
    kept = stored_rollup(candidate.pk)
    CandidateMetricRollup.objects.all().delete()
    backfill(None, SimpleNamespace(connection=connection))
    assert stored_rollup(candidate.pk) == kept == expected_rollup(candidate.pk)
