"""A typical scikit-learn experiment for the chart tests, written by bulk ORM inserts (fast at 100 candidates).

Candidate i: params n_estimators (varies), max_depth (varies), criterion (gini|entropy), random_state (constant);
metrics logged once (accuracy, f1, roc_auc, as `mlflow.sklearn.autolog` does) and a `loss` history of `steps`
points one second apart, with a spike at step 7 on candidate 0.
"""

from candidates.models import (
    Candidate,
    CandidateLatestMetric,
    CandidateMetric,
    CandidateParam,
    Status,
)
from experiments.models import Experiment

T0 = 1_700_000_000_000


def seed_sklearn(project, *, candidates=5, steps=30, name="sklearn", names=None, iid=1, extra_param=None):
    exp = Experiment.objects.create(project=project, iid=iid, name=name)
    rows = Candidate.objects.bulk_create(
        [
            Candidate(
                experiment=exp,
                project=project,
                iid=i + 1,
                name=(names[i] if names and i < len(names) else f"rf-{i:03d}"),
                status=Status.FINISHED,
                start_time=T0 + i * 600_000,
                end_time=T0 + i * 600_000 + steps * 1000,
            )
            for i in range(candidates)
        ]
    )
    params, history, latest = [], [], []
    for i, c in enumerate(rows):
        values = {
            "n_estimators": str(10 * (1 + i % 7)),
            "max_depth": str(2 + i % 5),
            "criterion": "gini" if i % 2 else "entropy",
            "random_state": "42",
        }
        if extra_param:
            values[extra_param] = f"{extra_param}-{i % 3}"
        params += [CandidateParam(candidate=c, name=k, value=v) for k, v in values.items()]
        once = {"accuracy": 0.7 + 0.002 * i, "f1": 0.6 + 0.003 * i, "roc_auc": 0.8 + 0.001 * i}
        for metric, value in once.items():
            history.append(
                CandidateMetric(candidate=c, name=metric, value=value, step=0, timestamp=c.end_time)
            )
            latest.append(
                CandidateLatestMetric(candidate=c, name=metric, value=value, step=0, timestamp=c.end_time)
            )
        for s in range(steps):
            value = 1.0 / (1 + s + i * 0.1) + (5.0 if (i == 0 and s == 7) else 0.0)
            history.append(
                CandidateMetric(
                    candidate=c, name="loss", value=value, step=s, timestamp=c.start_time + s * 1000
                )
            )
        latest.append(
            CandidateLatestMetric(
                candidate=c, name="loss", value=1.0 / (steps + i * 0.1), step=steps - 1, timestamp=c.end_time
            )
        )
    CandidateParam.objects.bulk_create(params)
    CandidateMetric.objects.bulk_create(history, batch_size=5000)
    CandidateLatestMetric.objects.bulk_create(latest)
    return exp, rows
