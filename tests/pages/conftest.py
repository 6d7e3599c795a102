"""Seeding for page tests: rows straight through the ORM (bulk_create), so hundreds of candidates cost little."""

import pytest
from django.test import Client

from candidates.metrics.services import metric_rollup_rebuild
from candidates.models import (
    Candidate,
    CandidateLatestMetric,
    CandidateMetadata,
    CandidateMetric,
    CandidateParam,
    Status,
)
from experiments.models import Experiment

T0 = 1_700_000_000_000


def seed_experiment(project, *, name="exp", iid=None, user=None, candidates=3, steps=3, prefix="run"):
    """An experiment whose candidate i has params lr=i/100, opt=adam|sgd, seed=7 (constant), metrics
    loss (falls with the step, lower for higher i) and acc, `steps` history points each; i=0 is RUNNING."""
    iid = iid or (Experiment.objects.filter(project=project).count() + 1)
    exp = Experiment.objects.create(project=project, iid=iid, name=name, user=user)
    rows = [
        Candidate(
            experiment=exp,
            project=project,
            iid=i + 1,
            name=f"{prefix}-{i:03d}",
            status=Status.RUNNING if i == 0 else Status.FINISHED,
            start_time=T0 + i * 1000,
            end_time=None if i == 0 else T0 + i * 1000 + 65_000,
            user=user,
            user_name=user.username if user else "",
        )
        for i in range(candidates)
    ]
    created = Candidate.objects.bulk_create(rows)
    params, history, latest = [], [], []
    for i, c in enumerate(created):
        params += [
            CandidateParam(candidate=c, name="lr", value=f"{i / 100:.2f}"),
            CandidateParam(candidate=c, name="opt", value="adam" if i % 2 else "sgd"),
            CandidateParam(candidate=c, name="seed", value="7"),
        ]
        for name, f in (
            ("loss", lambda s, i=i: 1.0 / (1 + s + i)),
            ("acc", lambda s, i=i: 0.5 + 0.001 * (s + i)),
        ):
            for s in range(steps):
                history.append(CandidateMetric(candidate=c, name=name, value=f(s), step=s, timestamp=T0 + s))
            latest.append(
                CandidateLatestMetric(
                    candidate=c, name=name, value=f(steps - 1), step=steps - 1, timestamp=T0
                )
            )
    CandidateParam.objects.bulk_create(params)
    CandidateMetric.objects.bulk_create(history, batch_size=5000)
    CandidateLatestMetric.objects.bulk_create(latest)
    # History written around the services needs its rollup rebuilt, as the services would have kept it: a test
    # that logs more points later (through them) then charts from a rollup that covers everything.
    metric_rollup_rebuild(candidate_ids=[c.pk for c in created])
    return exp, created


def add_metadata(candidate, **pairs):
    CandidateMetadata.objects.bulk_create(
        [CandidateMetadata(candidate=candidate, name=k.replace("__", "."), value=v) for k, v in pairs.items()]
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(tenant):
    return signed_in(tenant.owner)


@pytest.fixture
def reporter_client(tenant):
    return signed_in(tenant.reporter)


@pytest.fixture
def developer_client(tenant):
    return signed_in(tenant.developer)


def exp_url(tenant, exp, rest=""):
    return f"/{tenant.project.path}/-/ml/experiments/{exp.iid}/{rest}"
