"""The candidates table's per-person state: columns, hidden rows, pinned rows (CandidateTablePrefs).

    table_prefs_get(*, user, experiment) -> CandidateTablePrefs | None      1 query
    experiment_with_table_prefs(*, project, iid, user) -> Experiment | None
        the active experiment (with its creator) and `experiment.table_prefs` (the viewer's prefs as a dict, or
        None) in ONE query: the page reads its experiment anyway, so the prefs cost no query of their own
    table_prefs_update(*, user, experiment, action, candidate_ids=(), columns=()) -> CandidateTablePrefs
        action: hide | unhide | pin | unpin | columns | reset-columns; one transaction

Any member who may see the experiment may keep their own view of it (it changes no candidate). Ids are kept
only when they are candidates of this experiment (one query), and each list is capped.
"""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import JSONObject

from experiments.models import Experiment, Lifecycle
from projects.errors import InvalidValueError

from .models import Candidate, CandidateTablePrefs

MAX_IDS = 1000
MAX_COLUMNS = 200
ACTIONS = ("hide", "unhide", "pin", "unpin", "columns", "reset-columns")


def table_prefs_get(*, user, experiment: Experiment) -> CandidateTablePrefs | None:
    if not user.is_authenticated:
        return None
    return CandidateTablePrefs.objects.filter(user=user, experiment=experiment).first()


def experiment_with_table_prefs(*, project, iid: int, user) -> Experiment | None:
    prefs = CandidateTablePrefs.objects.filter(user_id=user.pk, experiment_id=OuterRef("pk")).values(
        json=JSONObject(columns="columns", hidden="hidden", pinned="pinned")
    )
    experiment = (
        Experiment.objects.select_related("user")
        .filter(project=project, iid=iid, lifecycle=Lifecycle.ACTIVE)
        .annotate(table_prefs=Subquery(prefs[:1]))
        .first()
    )
    return experiment


def _merge(current: list[int], ids: list[int], add: bool) -> list[int]:
    if add:
        return (current + [i for i in ids if i not in current])[-MAX_IDS:]
    drop = set(ids)
    return [i for i in current if i not in drop]


def table_prefs_update(
    *,
    user,
    experiment: Experiment,
    action: str,
    candidate_ids: Sequence[int] = (),
    columns: Sequence[str] = (),
) -> CandidateTablePrefs:
    if action not in ACTIONS:
        raise InvalidValueError(f"Unknown table action {action!r}")
    ids = list(
        Candidate.objects.filter(experiment=experiment, pk__in=list(candidate_ids)[:MAX_IDS]).values_list(
            "pk", flat=True
        )
    )
    with transaction.atomic():
        prefs, _ = CandidateTablePrefs.objects.select_for_update().get_or_create(
            user=user, experiment=experiment
        )
        if action in ("hide", "unhide"):
            prefs.hidden = _merge(prefs.hidden, ids, add=action == "hide")
            if action == "hide":
                prefs.pinned = _merge(prefs.pinned, ids, add=False)
        elif action in ("pin", "unpin"):
            prefs.pinned = _merge(prefs.pinned, ids, add=action == "pin")
            if action == "pin":
                prefs.hidden = _merge(prefs.hidden, ids, add=False)
        elif action == "columns":
            prefs.columns = [str(c)[:300] for c in columns][:MAX_COLUMNS]
        else:
            prefs.columns = []
        prefs.save()
    return prefs
