"""The candidates table of an experiment page: columns, filter, sort by any column, keyset pages, CSV rows.

Contract (all reads, bounded query counts whatever the number of candidates):

- `table_spec_from_query(*, experiment, query)` reads the page's GET parameters into a `TableSpec`.
- `table_page(*, spec)` returns one `TablePage` (rows + cursors): 1 query for the page (2 when the page
  reaches the candidates that have no value for the sort key), 1 for its params, 1 for its latest metrics.
- `table_view_rows(*, spec, limit)` the first rows of the view, light candidates (Performance tab, charts).
- `table_iter_rows(*, spec, chunk)` yields every row of the filtered, sorted view in keyset chunks (CSV export).
- `table_column_names(*, experiment)` the param and metric names offered as columns.

Sort keys use the search grammar's names: `attributes.start_time`, `attributes.name`, `metrics.<name>`,
`params.<name>`, `tags.<name>` (candidate metadata), ... Every sort orders by (key, id) with NULLs last, so a cursor is the last row's
(key, id) and the next page is an index-friendly "after this pair" condition instead of an OFFSET. The rows
with a key and the rows without one are read by separate queries (see `_window`), so a page is an index walk
that stops after `page_size` rows, never a sort of the whole experiment.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Left

from experiments.models import Experiment, Lifecycle
from projects.errors import InvalidValueError
from projects.mlflow_data import DATASET_CONTEXT_TAG as CONTEXT_TAG
from projects.mlflow_data import SYSTEM_TAG_PREFIX
from projects.querying import Comparison

from .models import Candidate, CandidateInput, CandidateLatestMetric, CandidateMetadata, CandidateParam
from .search import candidate_filter_q
from .table_nested import top_level_q

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 50
# Column names are taken from the most recent candidates only, so the column picker costs the same at 100k.
COLUMN_SAMPLE = 200
MAX_DEFAULT_METRICS = 8
MAX_DEFAULT_PARAMS = 8
TEXT_SORT_PREFIX = 200  # = the indexes candidate_param_name_value and candidate_metadata_name_value

BASE_SORTS = {
    "attributes.start_time": "start_time",
    "attributes.name": "name",
    "attributes.status": "status",
    "attributes.duration": "duration",
    "attributes.user_id": "user",
    "attributes.iid": "iid",
}


class TableError(ValueError):
    """A bad filter, sort key or cursor; the message is safe to show."""


@dataclass
class TableSpec:
    experiment: Experiment
    filter_text: str = ""  # the filter box as typed (shown again, kept in links)
    comparisons: list[Comparison] = field(default_factory=list)  # ... as parsed by the view's filter parser
    filter_error: str = ""
    name: str = ""
    sort: str = "attributes.start_time"
    descending: bool = True
    page_size: int = DEFAULT_PAGE_SIZE
    cursor: str = ""
    params: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # metadata columns
    datasets: bool = False  # the Datasets column (the candidate's dataset inputs)
    candidate_ids: list[int] = field(default_factory=list)
    deleted: bool = False  # the "deleted" view: soft-deleted candidates instead of active ones
    nested: bool = False  # child candidates (mlflow.parentRunId) under their parent instead of as rows
    hidden_ids: list[int] = field(default_factory=list)  # the viewer's hidden rows (left out of the view)
    pinned_ids: list[int] = field(default_factory=list)  # the viewer's pinned rows (shown apart, above it)
    show_hidden: bool = False
    group: str = ""  # a param name: the view's groups by its value (candidates.table_groups)
    columns_given: bool = False  # `col` was in the query (else the columns are the saved or default ones)

    def query_items(self, **overrides) -> list[tuple[str, str]]:
        """The spec as GET parameters (for links that keep the current view)."""
        values = {
            "filter": self.filter_text,
            "name": self.name,
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
            "per_page": str(self.page_size),
            "view": "deleted" if self.deleted else "",
            "nest": "1" if self.nested else "",
            "hidden": "1" if self.show_hidden else "",
            "group": self.group,
        }
        values.update(overrides)
        items = [(k, v) for k, v in values.items() if v not in ("", None)]
        items += [("col", c) for c in self.column_keys()]
        return items

    def column_keys(self) -> list[str]:
        """The chosen columns as `col` values, metrics first (the order the table shows them)."""
        keys = [f"metrics.{m}" for m in self.metrics] + [f"params.{p}" for p in self.params]
        keys += [f"tags.{t}" for t in self.tags]
        return keys + (["datasets"] if self.datasets else [])

    def columns_set(self, keys: list[str]) -> None:
        """Choose the columns from `col` values (`metrics.x`, `params.y`, `tags.z`, `datasets`)."""
        self.params, self.metrics, self.tags, self.datasets = [], [], [], False
        chosen = {"params": self.params, "metrics": self.metrics, "tags": self.tags}
        for key in keys[:200]:
            if key == "datasets":
                self.datasets = True
                continue
            kind, _, name = key.partition(".")
            if kind in chosen and name and name not in chosen[kind]:
                chosen[kind].append(name)


@dataclass
class TableRow:
    candidate: Candidate
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str] = field(default_factory=dict)
    datasets: list[dict] = field(default_factory=list)  # name, digest, context of each dataset input

    @property
    def duration_ms(self) -> int | None:
        c = self.candidate
        if c.start_time is None or c.end_time is None:
            return None
        return c.end_time - c.start_time


@dataclass
class TablePage:
    rows: list[TableRow]
    pinned: list[TableRow] = field(default_factory=list)
    next_cursor: str = ""
    prev_cursor: str = ""


def _encode_cursor(value: Any, pk: int, before: bool = False) -> str:
    raw = json.dumps({"v": value, "id": pk, "b": before}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[Any, int, bool]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return data["v"], int(data["id"]), bool(data.get("b"))
    except (ValueError, KeyError, TypeError) as exc:
        raise TableError("This page link is no longer valid; start from the first page.") from exc


def _column_stats(experiment: Experiment) -> tuple[list[tuple[str, int]], list[str], list[str]]:
    """(param name, distinct values), metric names and metadata names (not MLflow's system tags) over the
    most recent candidates: one query, cached on the experiment object for the request (the picker and the
    default columns both need them)."""
    cached = getattr(experiment, "_table_columns", None)
    if cached is not None:
        return cached
    recent = (
        Candidate.objects.filter(experiment=experiment, lifecycle=Lifecycle.ACTIVE)
        .order_by("-id")
        .values("id")
    )
    sample = recent[:COLUMN_SAMPLE]
    # The id floor is redundant with the IN, but it lets PostgreSQL range-scan the candidate index instead of
    # hashing every param row of the table against the sample.
    floor = Coalesce(Subquery(recent[COLUMN_SAMPLE - 1 : COLUMN_SAMPLE]), Value(0))
    params = (
        CandidateParam.objects.filter(candidate_id__in=sample, candidate_id__gte=floor)
        .values("name")
        .annotate(n=Count("value", distinct=True))
        .values_list("name", "n")
        .order_by()
    )
    metrics = (  # n = -1 marks a metric name in the combined rows
        CandidateLatestMetric.objects.filter(candidate_id__in=sample)
        .annotate(n=Value(-1, output_field=IntegerField()))
        .values_list("name", "n")
        .distinct()
        .order_by()
    )
    tags = (  # n = -2 marks a metadata name
        CandidateMetadata.objects.filter(candidate_id__in=sample, candidate_id__gte=floor)
        .exclude(name__startswith=SYSTEM_TAG_PREFIX)
        .annotate(n=Value(-2, output_field=IntegerField()))
        .values_list("name", "n")
        .distinct()
        .order_by()
    )
    rows = list(params.union(metrics, tags, all=True))
    experiment._table_columns = (
        sorted((name, n) for name, n in rows if n >= 0),
        sorted(name for name, n in rows if n == -1),
        sorted(name for name, n in rows if n == -2),
    )
    return experiment._table_columns


def table_column_names(*, experiment: Experiment) -> tuple[list[str], list[str]]:
    """(param names, metric names) seen on the experiment's most recent candidates, sorted."""
    params, metrics, _ = _column_stats(experiment)
    return [name for name, _ in params], metrics


def table_tag_names(*, experiment: Experiment) -> list[str]:
    """Metadata names (without MLflow's `mlflow.*` system tags) seen on the most recent candidates, sorted."""
    return _column_stats(experiment)[2]


def table_default_columns(*, experiment: Experiment) -> tuple[list[str], list[str]]:
    """All metrics and the params whose value varies among the most recent candidates (capped)."""
    params, metrics, _ = _column_stats(experiment)
    varying = [name for name, n in params if n > 1] or [name for name, _ in params]
    return varying[:MAX_DEFAULT_PARAMS], metrics[:MAX_DEFAULT_METRICS]


def table_spec_from_query(
    *,
    experiment: Experiment,
    query,
    default_columns: bool = True,
    filter_parse: Callable[[str], list[Comparison]] | None = None,
) -> TableSpec:
    """Read GET parameters: filter, name, sort, dir, per_page, cursor, col (repeated), c (candidate ids),
    view (`deleted`), nest (`1`: children under their parent), hidden (`1`: show the viewer's hidden rows),
    group (a param name: groups by its value above the table).

    `filter_parse` turns the filter box's text into comparisons (the views pass
    mlflow_api.search_grammar.candidate_filter_parse: the same grammar as the API's runs/search); this module
    does not import it, so the domain never depends on mlflow_api. A text it refuses becomes a TableError when
    the table is read."""
    try:
        page_size = int(query.get("per_page") or DEFAULT_PAGE_SIZE)
    except ValueError:
        page_size = DEFAULT_PAGE_SIZE
    if page_size not in PAGE_SIZES:
        page_size = DEFAULT_PAGE_SIZE
    spec = TableSpec(
        experiment=experiment,
        filter_text=(query.get("filter") or "").strip()[:2000],
        name=(query.get("name") or "").strip()[:500],
        sort=(query.get("sort") or "attributes.start_time").strip(),
        descending=(query.get("dir") or "desc") != "asc",
        page_size=page_size,
        cursor=query.get("cursor") or "",
        deleted=query.get("view") == "deleted",
        nested=query.get("nest") == "1",
        show_hidden=query.get("hidden") == "1",
        group=(query.get("group") or "").strip()[:250],
    )
    if spec.filter_text:
        if filter_parse is None:
            spec.filter_error = "Filtering is not available here."
        else:
            try:
                spec.comparisons = filter_parse(spec.filter_text)
            except InvalidValueError as exc:
                spec.filter_error = exc.message
    cols = query.getlist("col") if hasattr(query, "getlist") else []
    spec.columns_set(cols)
    spec.columns_given = bool(cols)
    if not cols and default_columns:
        spec.params, spec.metrics = table_default_columns(experiment=experiment)
    ids = query.getlist("c") if hasattr(query, "getlist") else []
    spec.candidate_ids = [int(i) for i in ids if str(i).isdigit()][:1000]
    return spec


def _annotate_sort(qs: QuerySet, sort: str) -> QuerySet:
    """Annotate `sort_key`. A param or metric is a LEFT JOIN on its (candidate, name) row rather than a
    correlated subquery: the keyset conditions then compare a plain column instead of re-running the
    subquery three times per row."""
    kind, _, name = sort.partition(".")
    if kind in ("metrics", "params", "tags") and name:
        relation = {"metrics": "latest_metrics", "params": "params", "tags": "metadata"}[kind]
        value = F("_sort_row__value")
        return qs.annotate(
            _sort_row=FilteredRelation(relation, condition=Q(**{f"{relation}__name": name})),
            # A param or tag sorts by its first TEXT_SORT_PREFIX characters (then id), the (name, left(value,
            # 200)) index's order: an index walk that stops after a page instead of a sort of every candidate
            # that has it (at 1M candidates, page 2 of a param sort: 407 ms -> 0.2 ms in SQL).
            sort_key=Left(value, TEXT_SORT_PREFIX) if kind in ("params", "tags") else value,
        )
    column = BASE_SORTS.get(sort)
    if column is None:
        raise TableError(f"Cannot sort by {sort!r}.")
    if column == "duration":
        return qs.annotate(
            sort_key=ExpressionWrapper(F("end_time") - F("start_time"), output_field=BigIntegerField())
        )
    if column == "user":
        # The column shows the account that created the candidate (not the client's claim), so it sorts by it.
        return qs.annotate(sort_key=Coalesce(F("user__username"), Value("")))
    return qs.annotate(sort_key=F(column))


def table_match_q(*, spec: TableSpec) -> Q:
    """What the view's filter and name box ask of a candidate, as one Q (TableError for a bad filter)."""
    if spec.filter_error:
        raise TableError(f"Filter: {spec.filter_error}")
    q = Q()
    if spec.comparisons:
        try:
            q &= candidate_filter_q(spec.comparisons)
        except InvalidValueError as exc:
            raise TableError(f"Filter: {exc.message}") from exc
    if spec.name:
        q &= Q(name__icontains=spec.name)
    return q


def _apply_filter(qs: QuerySet, spec: TableSpec) -> QuerySet:
    qs = qs.filter(table_match_q(spec=spec))
    if spec.candidate_ids:
        qs = qs.filter(pk__in=spec.candidate_ids)
    return qs


def table_filtered(*, spec: TableSpec) -> QuerySet:
    """The candidates the view shows (filter, name box, selection, deleted or active, without the viewer's
    hidden and pinned rows, top-level only when nested), unordered."""
    lifecycle = Lifecycle.DELETED if spec.deleted else Lifecycle.ACTIVE
    qs = Candidate.objects.filter(experiment=spec.experiment, lifecycle=lifecycle)
    if spec.hidden_ids and not spec.show_hidden:
        qs = qs.exclude(pk__in=spec.hidden_ids)
    if spec.pinned_ids and not spec.deleted:
        qs = qs.exclude(pk__in=spec.pinned_ids)
    if spec.nested:
        # Filtered, the tree is filtered: a row whose parent does not match floats up to the top level.
        qs = qs.filter(top_level_q(experiment=spec.experiment, match=table_match_q(spec=spec)))
    return _apply_filter(qs, spec)


def table_queryset(*, spec: TableSpec) -> QuerySet:
    """The filtered candidates with `sort_key` annotated, not yet ordered or paged."""
    return _annotate_sort(table_filtered(spec=spec), spec.sort)


def table_metric_summary(*, spec: TableSpec, names: list[str]) -> list[dict]:
    """Per metric over the whole view: count, min and max of the latest values and who holds them (2 queries)."""
    if not names:
        return []
    in_view = Subquery(table_filtered(spec=spec).values("pk"))
    latest = CandidateLatestMetric.objects.filter(candidate_id__in=in_view, name__in=names[:50])
    stats = list(
        latest.values("name").annotate(vmin=Min("value"), vmax=Max("value"), n=Count("id")).order_by("name")
    )
    if not stats:
        return []
    extremes = Q()
    for row in stats:
        extremes |= Q(name=row["name"], value__in=[row["vmin"], row["vmax"]])
    holders: dict[tuple[str, float], tuple[int, str]] = {}
    for name, value, cid, cname in (
        latest.filter(extremes)
        .order_by("candidate_id")
        .values_list("name", "value", "candidate_id", "candidate__name")
    ):
        holders.setdefault((name, value), (cid, cname))
    return [
        {
            "name": row["name"],
            "count": row["n"],
            "min": row["vmin"],
            "max": row["vmax"],
            "min_candidate": holders.get((row["name"], row["vmin"])),
            "max_candidate": holders.get((row["name"], row["vmax"])),
        }
        for row in stats
    ]


# Sort keys that are never NULL: the view is just the "present values" part below.
NOT_NULL_SORTS = {"attributes.name", "attributes.status", "attributes.iid"}


def _key_order(descending: bool, reverse: bool = False) -> list:
    """ORDER BY for the rows whose sort key is present. No NULLS clause: those rows have none, and leaving it
    out lets PostgreSQL walk a plain (.., key) index such as (name, value) or (experiment, lifecycle,
    start_time DESC) and stop after one page."""
    down = descending != reverse
    return [F("sort_key").desc() if down else F("sort_key").asc(), "-pk" if down else "pk"]


def _pk_order(descending: bool, reverse: bool = False) -> str:
    return "-pk" if descending != reverse else "pk"


def _present_beyond(value: Any, pk: int, descending: bool) -> Q:
    """Present-key rows after (value, pk) in view order; the redundant `<=`/`>=` bound lets an index range
    scan start at the cursor."""
    if descending:
        return Q(sort_key__lte=value) & (Q(sort_key__lt=value) | Q(pk__lt=pk))
    return Q(sort_key__gte=value) & (Q(sort_key__gt=value) | Q(pk__gt=pk))


def _present_before(value: Any, pk: int, descending: bool) -> Q:
    return _present_beyond(value, pk, not descending)


def _window(
    qs: QuerySet, spec: TableSpec, limit: int, after: tuple[Any, int] | None = None
) -> list[Candidate]:
    """Up to `limit` rows in view order (key NULLS LAST, then pk) after the (value, pk) pair `after`.

    The view is two index-friendly parts: rows with a key (ordered by it), then rows without one (by pk).
    The second query runs only when the first one does not fill the window, so a page usually costs one.
    """
    rows: list[Candidate] = []
    present = qs.filter(sort_key__isnull=False)
    if after is None or after[0] is not None:
        if after is not None:
            present = present.filter(_present_beyond(after[0], after[1], spec.descending))
        rows = list(present.order_by(*_key_order(spec.descending))[:limit])
        if len(rows) == limit or spec.sort in NOT_NULL_SORTS:
            return rows
    missing = qs.filter(sort_key__isnull=True)
    if after is not None and after[0] is None:
        missing = missing.filter(pk__lt=after[1]) if spec.descending else missing.filter(pk__gt=after[1])
    return rows + list(missing.order_by(_pk_order(spec.descending))[: limit - len(rows)])


def _window_back(qs: QuerySet, spec: TableSpec, limit: int, before: tuple[Any, int]) -> list[Candidate]:
    """Up to `limit` rows before the pair `before`, nearest first (reverse view order)."""
    rows: list[Candidate] = []
    present = qs.filter(sort_key__isnull=False)
    if before[0] is None:
        missing = qs.filter(sort_key__isnull=True)
        missing = missing.filter(pk__gt=before[1]) if spec.descending else missing.filter(pk__lt=before[1])
        rows = list(missing.order_by(_pk_order(spec.descending, reverse=True))[:limit])
        if len(rows) == limit:
            return rows
    else:
        present = present.filter(_present_before(before[0], before[1], spec.descending))
    return rows + list(present.order_by(*_key_order(spec.descending, reverse=True))[: limit - len(rows)])


def _attach(candidates: list[Candidate], spec: TableSpec) -> list[TableRow]:
    """The rows' chosen params, metrics, metadata and datasets: one query per kind of column shown."""
    ids = [c.pk for c in candidates]
    params: dict[int, dict[str, str]] = {i: {} for i in ids}
    metrics: dict[int, dict[str, float]] = {i: {} for i in ids}
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    datasets: dict[int, list[dict]] = {i: [] for i in ids}
    if ids and spec.params:
        for cid, name, value in CandidateParam.objects.filter(
            candidate_id__in=ids, name__in=spec.params
        ).values_list("candidate_id", "name", "value"):
            params[cid][name] = value
    if ids and spec.metrics:
        for cid, name, value in CandidateLatestMetric.objects.filter(
            candidate_id__in=ids, name__in=spec.metrics
        ).values_list("candidate_id", "name", "value"):
            metrics[cid][name] = value
    if ids and spec.tags:
        for cid, name, value in CandidateMetadata.objects.filter(
            candidate_id__in=ids, name__in=spec.tags
        ).values_list("candidate_id", "name", "value"):
            tags[cid][name] = value
    if ids and spec.datasets:
        for cid, name, digest, input_tags in (
            CandidateInput.objects.filter(candidate_id__in=ids)
            .order_by("candidate_id", "name", "digest")
            .values_list("candidate_id", "name", "digest", "tags")
        ):
            context = next((t.get("value") for t in input_tags or () if t.get("key") == CONTEXT_TAG), "")
            datasets[cid].append({"name": name, "digest": digest, "context": context or ""})
    return [
        TableRow(
            candidate=c, params=params[c.pk], metrics=metrics[c.pk], tags=tags[c.pk], datasets=datasets[c.pk]
        )
        for c in candidates
    ]


def table_rows_for(*, spec: TableSpec, candidate_ids: list[int], limit: int = 100) -> list[TableRow]:
    """Given candidates of the view's experiment and lifecycle (pinned rows, a parent's children), newest
    first, with the spec's columns: 1 query plus one per kind of column."""
    lifecycle = Lifecycle.DELETED if spec.deleted else Lifecycle.ACTIVE
    candidates = list(
        Candidate.objects.filter(
            experiment=spec.experiment, lifecycle=lifecycle, pk__in=candidate_ids[:limit]
        )
        .select_related("user")
        .order_by(F("start_time").desc(nulls_last=True), "-pk")
    )
    return _attach(candidates, spec)


MAX_PINNED = 50


def _pinned(spec: TableSpec) -> list[Candidate]:
    """The viewer's pinned candidates (first page of the active view only; whatever the filter, as MLflow's
    UI keeps pinned rows on top): one query, none without pins."""
    if not spec.pinned_ids or spec.deleted or spec.cursor:
        return []
    return list(
        Candidate.objects.filter(
            experiment=spec.experiment, lifecycle=Lifecycle.ACTIVE, pk__in=spec.pinned_ids[:MAX_PINNED]
        )
        .select_related("user")
        .order_by(F("start_time").desc(nulls_last=True), "-pk")
    )


def table_page(*, spec: TableSpec) -> TablePage:
    qs = table_queryset(spec=spec).select_related("user")
    limit = spec.page_size + 1
    before = False
    if spec.cursor:
        value, pk, before = _decode_cursor(spec.cursor)
        if before:
            candidates = _window_back(qs, spec, limit, (value, pk))
        else:
            candidates = _window(qs, spec, limit, (value, pk))
    else:
        candidates = _window(qs, spec, limit)
    more = len(candidates) > spec.page_size
    candidates = candidates[: spec.page_size]
    if before:
        candidates.reverse()
    pinned = _pinned(spec)
    rows = _attach(pinned + candidates, spec)  # one query per kind of column for both
    page = TablePage(rows=rows[len(pinned) :], pinned=rows[: len(pinned)])
    if candidates:
        first, last = candidates[0], candidates[-1]
        has_next = more if not before else True
        has_prev = bool(spec.cursor) if not before else more
        if has_next:
            page.next_cursor = _encode_cursor(last.sort_key, last.pk)
        if has_prev:
            page.prev_cursor = _encode_cursor(first.sort_key, first.pk, before=True)
    return page


def table_view_rows(*, spec: TableSpec, limit: int) -> list[TableRow]:
    """The first `limit` rows of the view for charts: candidates carry only id, iid, name, run id and status
    (no user join, no timestamps to parse), plus the spec's params and metrics. 2-4 queries."""
    qs = table_queryset(spec=spec).only("id", "iid", "name", "eid", "status")
    return _attach(_window(qs, spec, limit), spec)


def table_iter_rows(*, spec: TableSpec, chunk: int = 1000) -> Iterator[TableRow]:
    """Every row of the view, in order, fetched in keyset chunks (3-4 queries per chunk, bounded memory)."""
    base = table_queryset(spec=spec).select_related("user")
    after: tuple[Any, int] | None = None
    while True:
        candidates = _window(base, spec, chunk, after)
        if not candidates:
            return
        yield from _attach(candidates, spec)
        if len(candidates) < chunk:
            return
        last = candidates[-1]
        after = (last.sort_key, last.pk)
