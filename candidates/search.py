"""MLflow's search grammar for candidates (runs), translated to SQL with bound parameters.

Public surface (the MLflow API and the dashboard both use it):

    search_filter_parse(text: str) -> list[Comparison]
        Parse `metrics.acc > 0.9 AND params.lr = '0.01' AND attributes.status IN ('FINISHED')`.
        Raises projects.errors.InvalidValueError with the reason on malformed input.
    search_order_parse(items: Sequence[str]) -> list[OrderKey]
        Parse order_by clauses like `metrics.acc DESC`, `attributes.start_time`, "params.`my p` ASC".
    candidate_search(*, project, experiment_ids, filter_string="", order_by=(), view_type="ACTIVE_ONLY",
                     max_results=1000, page_token=None) -> tuple[list[Candidate], str | None]
    candidate_search_ids(... the same ...) -> tuple[list[int], str | None]: the page as ids only
        Candidates of the project's experiments (experiment iids) matching the filter, ordered, one page, each
        with `candidate.data` (selectors.CandidateData: params, metadata, latest metrics, inputs; one query for
        the page). The token is opaque (base64 JSON: the offset, plus the last run's start_time and id when
        the order is the default, which then pages by keyset).
    page_token_encode(offset) / page_token_decode(token) -> int

Nothing is filtered in Python: every comparison becomes an EXISTS subquery or a column condition.
"""

import base64
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)

from projects.errors import InvalidValueError

from .models import Candidate, CandidateLatestMetric, CandidateMetadata, CandidateParam, Lifecycle
from .selectors import candidate_data

MAX_FILTER_LENGTH = 100_000
MAX_COMPARISONS = 500
MAX_RESULTS_THRESHOLD = 50_000
VIEW_TYPES = {"ACTIVE_ONLY": [Lifecycle.ACTIVE], "DELETED_ONLY": [Lifecycle.DELETED], "ALL": None}
VIEW_TYPE_NUMBERS = {"1": "ACTIVE_ONLY", "2": "DELETED_ONLY", "3": "ALL"}


# ---------------------------------------------------------------- LIKE / ILIKE as Django lookups


class MlflowLike(Lookup):
    """SQL LIKE with the pattern as given (MLflow passes % and _ through unescaped)."""

    lookup_name = "mlflow_like"
    operator = "LIKE"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {self.operator} {rhs}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection)


class MlflowILike(MlflowLike):
    lookup_name = "mlflow_ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"UPPER({lhs}) LIKE UPPER({rhs})", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


for _field in (CharField, TextField):
    _field.register_lookup(MlflowLike)
    _field.register_lookup(MlflowILike)


# ---------------------------------------------------------------- the grammar


@dataclass(frozen=True)
class Comparison:
    kind: str  # metric | param | tag | attribute
    key: str
    op: str  # = != > >= < <= LIKE ILIKE IN NOT IN IS NULL IS NOT NULL
    value: Any  # float for numbers, str for strings, tuple[str, ...] for IN, None for IS [NOT] NULL


@dataclass(frozen=True)
class OrderKey:
    kind: str
    key: str
    ascending: bool


KIND_ALIASES = {
    "metric": "metric",
    "metrics": "metric",
    "param": "param",
    "params": "param",
    "parameter": "param",
    "parameters": "param",
    "tag": "tag",
    "tags": "tag",
    "attribute": "attribute",
    "attributes": "attribute",
    "attr": "attribute",
    "run": "attribute",
}
ATTRIBUTE_ALIASES = {
    "created": "start_time",
    "Created": "start_time",
    "run name": "run_name",
    "Run name": "run_name",
    "Run Name": "run_name",
}
STRING_ATTRIBUTES = {"run_id", "run_name", "status", "user_id", "artifact_uri"}
NUMERIC_ATTRIBUTES = {"start_time", "end_time"}
NUMERIC_OPS = {"=", "!=", ">", ">=", "<", "<="}
STRING_OPS = {"=", "!=", "LIKE", "ILIKE"}
NULL_OPS = {"IS NULL", "IS NOT NULL"}
LIST_OPS = {"IN", "NOT IN"}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
  | (?P<backtick>`[^`]*`)
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<op>!=|<>|>=|<=|=|>|<)
  | (?P<punct>[(),.])
  | (?P<word>[A-Za-z_0-9][\w\-/:]*)
    """,
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise InvalidValueError(
                f"Invalid filter string: unexpected character {text[pos]!r} at position {pos}"
            )
        kind = match.lastgroup
        if kind != "ws":
            out.append((kind, match.group()))
        pos = match.end()
    return out


def _unquote(token: str) -> str:
    quote = token[0]
    body = token[1:-1]
    return body.replace(quote * 2, quote) if quote in "'\"" else body


class _Parser:
    def __init__(self, text: str, *, kinds: dict[str, str], attributes: set[str], numeric: set[str]):
        if len(text) > MAX_FILTER_LENGTH:
            raise InvalidValueError(
                f"Filter string is too long ({len(text)} characters, at most {MAX_FILTER_LENGTH})"
            )
        self.tokens = _tokens(text)
        self.pos = 0
        self.kinds = kinds
        self.attributes = attributes
        self.numeric = numeric

    def peek(self, offset=0) -> tuple[str, str] | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise InvalidValueError("Invalid filter string: unexpected end of input")
        self.pos += 1
        return token

    def word_is(self, word: str, offset=0) -> bool:
        token = self.peek(offset)
        return token is not None and token[0] == "word" and token[1].upper() == word

    def identifier(self) -> tuple[str, str]:
        """`kind.key`, where either part may be quoted; a bare key is an attribute (as MLflow)."""
        parts = [self._name_part()]
        if self.peek() is not None and self.peek()[1] == ".":
            self.take()
            parts.append(self._name_part(rest=True))
        if len(parts) == 1:
            kind, key = "attribute", parts[0]
        else:
            kind_word, key = parts
            if kind_word not in self.kinds:
                raise InvalidValueError(
                    f"Invalid entity type '{kind_word}'. Valid values are {sorted(set(self.kinds.values()))}"
                )
            kind = self.kinds[kind_word]
        if kind == "attribute":
            key = ATTRIBUTE_ALIASES.get(key, key)
            if key not in self.attributes:
                raise InvalidValueError(
                    f"Invalid attribute key '{key}' specified. Valid keys are {sorted(self.attributes)}"
                )
        if not key:
            raise InvalidValueError("Invalid filter string: empty key")
        return kind, key

    def _name_part(self, rest=False) -> str:
        kind, text = self.take()
        if kind in ("string", "backtick"):
            return _unquote(text)
        if kind != "word":
            raise InvalidValueError(f"Invalid filter string: expected an identifier, got {text!r}")
        if rest:  # keys may contain dots: metrics.val.loss
            while (
                self.peek() is not None
                and self.peek()[1] == "."
                and self.peek(1)
                and self.peek(1)[0]
                in (
                    "word",
                    "number",
                )
            ):
                self.take()
                text += "." + self.take()[1]
        return text

    def operator(self) -> str:
        kind, text = self.take()
        if kind == "op":
            return "!=" if text == "<>" else text
        upper = text.upper()
        if kind == "word" and upper in ("LIKE", "ILIKE", "IN"):
            return upper
        if kind == "word" and upper == "NOT" and self.word_is("IN"):
            self.take()
            return "NOT IN"
        if kind == "word" and upper == "IS":
            if self.word_is("NOT") and self.word_is("NULL", 1):
                self.pos += 2
                return "IS NOT NULL"
            if self.word_is("NULL"):
                self.take()
                return "IS NULL"
        raise InvalidValueError(f"Invalid filter string: '{text}' is not a valid comparison operator")

    def value(self, kind: str, key: str, op: str):
        if op in NULL_OPS:
            return None
        if op in LIST_OPS:
            return self._list()
        token_kind, text = self.take()
        numeric = kind == "metric" or (kind == "attribute" and key in self.numeric)
        if numeric:
            if token_kind != "number":
                raise InvalidValueError(f"Expected numeric value type for {kind} '{key}'. Found {text!r}")
            return float(text)
        if token_kind != "string":
            raise InvalidValueError(
                f"Expected a quoted string value for {kind} '{key}' (e.g. 'my-value'). Got value {text!r}"
            )
        return _unquote(text)

    def _list(self) -> tuple[str, ...]:
        if self.take()[1] != "(":
            raise InvalidValueError(
                "Invalid filter string: IN expects a parenthesised list of quoted strings"
            )
        values = []
        while True:
            token_kind, text = self.take()
            if token_kind != "string":
                raise InvalidValueError(
                    f"Invalid filter string: IN list items must be quoted strings, got {text!r}"
                )
            values.append(_unquote(text))
            sep = self.take()[1]
            if sep == ")":
                return tuple(values)
            if sep != ",":
                raise InvalidValueError("Invalid filter string: expected ',' or ')' in IN list")

    def comparison(self, ops_for) -> Comparison:
        kind, key = self.identifier()
        op = self.operator()
        allowed = ops_for(kind, key)
        if op not in allowed:
            raise InvalidValueError(
                f"Invalid comparator '{op}' for {kind} '{key}'. Only {sorted(allowed)} are allowed."
            )
        return Comparison(kind, key, op, self.value(kind, key, op))

    def filter(self, ops_for) -> list[Comparison]:
        out: list[Comparison] = []
        if not self.tokens:
            return out
        while True:
            out.append(self.comparison(ops_for))
            if len(out) > MAX_COMPARISONS:
                raise InvalidValueError(f"Filter string has more than {MAX_COMPARISONS} comparisons")
            if self.peek() is None:
                return out
            kind, text = self.take()
            if kind == "word" and text.upper() == "AND":
                continue
            if kind == "word" and text.upper() == "OR":
                raise InvalidValueError("Invalid clause(s) in filter string: 'OR'")
            raise InvalidValueError(f"Invalid filter string: expected AND, got {text!r}")


def _candidate_ops(kind: str, key: str) -> set[str]:
    if kind == "metric" or (kind == "attribute" and key in NUMERIC_ATTRIBUTES):
        return NUMERIC_OPS
    if kind in ("param", "tag"):
        return STRING_OPS | NULL_OPS
    return STRING_OPS | LIST_OPS


def search_filter_parse(text: str) -> list[Comparison]:
    """Parse an MLflow run filter into comparisons joined by AND (the grammar has no OR)."""
    parser = _Parser(
        text or "",
        kinds=KIND_ALIASES,
        attributes=STRING_ATTRIBUTES | NUMERIC_ATTRIBUTES,
        numeric=NUMERIC_ATTRIBUTES,
    )
    return parser.filter(_candidate_ops)


def order_parse(items: Sequence[str], *, kinds: dict[str, str], attributes: set[str]) -> list[OrderKey]:
    keys: list[OrderKey] = []
    for item in items or ():
        if not isinstance(item, str) or not item.strip():
            raise InvalidValueError(f"Invalid order_by clause {item!r}")
        parser = _Parser(item, kinds=kinds, attributes=attributes, numeric=set())
        kind, key = parser.identifier()
        ascending = True
        if parser.peek() is not None:
            direction = parser.take()[1].upper()
            if direction not in ("ASC", "DESC") or parser.peek() is not None:
                raise InvalidValueError(f"Invalid order_by clause '{item}'. Expected 'ASC' or 'DESC'.")
            ascending = direction == "ASC"
        if any((k.kind, k.key) == (kind, key) for k in keys):
            raise InvalidValueError(f"`order_by` contains duplicate fields: {list(items)}")
        keys.append(OrderKey(kind, key, ascending))
    return keys


def search_order_parse(items: Sequence[str]) -> list[OrderKey]:
    return order_parse(items, kinds=KIND_ALIASES, attributes=STRING_ATTRIBUTES | NUMERIC_ATTRIBUTES)


# ---------------------------------------------------------------- page tokens


def page_token_encode(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def page_token_decode(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except Exception as exc:  # noqa: BLE001 - any garbage is the caller's mistake
        raise InvalidValueError(
            f"Invalid page token, could not base64-decode or parse: {token[:100]!r}"
        ) from exc
    if not isinstance(offset, int) or offset < 0:
        raise InvalidValueError(f"Invalid page token offset: {offset!r}")
    return offset


def _search_token_encode(offset: int, after: Candidate | None = None) -> str:
    """The offset, plus (default order only) the last run's `[start_time, run_id]` for keyset paging; tokens
    stay readable by page_token_decode."""
    body: dict[str, Any] = {"offset": offset}
    if after is not None:
        body["after"] = [after.start_time, after.eid.hex]
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


def _search_token_decode(token: str | None) -> tuple[int, tuple[int | None, uuid.UUID] | None]:
    """(offset, keyset position or None): an offset-only token (older servers, other orders) still works."""
    offset = page_token_decode(token)
    if not token:
        return offset, None
    after = json.loads(base64.urlsafe_b64decode(token.encode())).get("after")
    if after is None:
        return offset, None
    try:
        start_time, eid = after
        if start_time is not None and (type(start_time) is not int):
            raise ValueError(start_time)
        return offset, (start_time, uuid.UUID(hex=eid))
    except (TypeError, ValueError, AttributeError) as exc:
        raise InvalidValueError(f"Invalid page token: {token[:100]!r}") from exc


def _after_q(start_time: int | None, eid: uuid.UUID) -> Q:
    """Rows after (start_time, eid) in the default order `start_time DESC NULLS LAST, eid ASC`."""
    if start_time is None:
        return Q(start_time__isnull=True, eid__gt=eid)
    return Q(start_time__lt=start_time) | Q(start_time=start_time, eid__gt=eid) | Q(start_time__isnull=True)


def view_type_normalise(view_type) -> str:
    value = VIEW_TYPE_NUMBERS.get(str(view_type), str(view_type or "ACTIVE_ONLY").upper())
    if value not in VIEW_TYPES:
        raise InvalidValueError(f"Invalid view type {view_type!r}; use ACTIVE_ONLY, DELETED_ONLY or ALL")
    return value


def max_results_check(max_results, *, threshold: int = MAX_RESULTS_THRESHOLD) -> int:
    try:
        number = int(max_results)
    except (TypeError, ValueError) as exc:
        raise InvalidValueError(
            f"Invalid value {max_results!r} for parameter 'max_results' supplied."
        ) from exc
    if number < 1 or number > threshold:
        raise InvalidValueError(
            f"Invalid value {number} for parameter 'max_results' supplied. It must be at most {threshold}"
            if number > threshold
            else f"Invalid value {number} for parameter 'max_results' supplied. It must be a positive integer"
        )
    return number


# ---------------------------------------------------------------- translation to Django queries

_NUMERIC_LOOKUP = {"=": "exact", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
_STRING_LOOKUP = {"=": "exact", "LIKE": "mlflow_like", "ILIKE": "mlflow_ilike"}
_ATTRIBUTE_FIELD = {
    "run_name": "name",
    "status": "status",
    "user_id": "user_name",
    "start_time": "start_time",
    "end_time": "end_time",
    "run_id": "eid",
}
_ENTITY = {"metric": CandidateLatestMetric, "param": CandidateParam, "tag": CandidateMetadata}


def _value_condition(field: str, op: str, value) -> Q:
    """`field op value` as a Q; != is a negation of = (rows lacking the value are handled by the caller)."""
    if op == "!=":
        return ~Q(**{f"{field}__exact": value})
    if op == "IN":
        return Q(**{f"{field}__in": list(value)})
    if op == "NOT IN":
        return ~Q(**{f"{field}__in": list(value)})
    lookup = _NUMERIC_LOOKUP.get(op) or _STRING_LOOKUP[op]
    return Q(**{f"{field}__{lookup}": value})


def _run_uuids(values) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(hex=value))
        except (ValueError, TypeError, AttributeError):
            continue
    return out


_ARTIFACT_URI = re.compile(r"^mlflow-artifacts:/\d+/([0-9a-f]{32})/artifacts$")


def _attribute_condition(comparison: Comparison) -> Q:
    key, op, value = comparison.key, comparison.op, comparison.value
    if key == "artifact_uri":  # derived from the run id, so only exact matches make sense
        if op not in ("=", "!="):
            raise InvalidValueError("Only '=' and '!=' are supported for attributes.artifact_uri")
        match = _ARTIFACT_URI.match(value)
        condition = Q(eid__in=_run_uuids([match.group(1)])) if match else Q(pk__in=[])
        return ~condition if op == "!=" else condition
    if key == "run_id":
        if op in ("LIKE", "ILIKE"):
            raise InvalidValueError(f"'{op}' is not supported for attributes.run_id")
        values = value if op in LIST_OPS else (value,)
        condition = Q(eid__in=_run_uuids(values))
        return ~condition if op in ("!=", "NOT IN") else condition
    return _value_condition(_ATTRIBUTE_FIELD[key], op, value)


def candidate_filter_q(comparisons: Sequence[Comparison]) -> Q:
    """The comparisons as one Q on Candidate (EXISTS subqueries for metrics, params and tags)."""
    q = Q()
    for comparison in comparisons:
        if comparison.kind == "attribute":
            q &= _attribute_condition(comparison)
            continue
        rows = _ENTITY[comparison.kind].objects.filter(candidate_id=OuterRef("pk"), name=comparison.key)
        if comparison.op == "IS NULL":
            q &= ~Exists(rows)
        elif comparison.op == "IS NOT NULL":
            q &= Exists(rows)
        else:
            q &= Exists(rows.filter(_value_condition("value", comparison.op, comparison.value)))
    return q


def _order_expressions(queryset: QuerySet, order: Sequence[OrderKey]) -> tuple[QuerySet, list]:
    """MLflow's ordering: per key, present values first (for metrics: numbers, then NaN, then missing).

    One sort expression per key, each referencing its subquery once (PostgreSQL evaluates every reference
    separately: a rank column over the same subquery tripled the per-row work). PostgreSQL sorts NaN above every
    number, so ascending metrics are `value ASC NULLS LAST`, and descending ones `-value ASC NULLS LAST` (-NaN is
    NaN: still after the numbers).
    """
    expressions = []
    for index, key in enumerate(order):
        if key.kind == "attribute":
            field = {"run_id": "eid", "artifact_uri": "eid"}.get(key.key, _ATTRIBUTE_FIELD.get(key.key))
            value = F(field)
        else:
            value = Subquery(
                _ENTITY[key.kind]
                .objects.filter(candidate_id=OuterRef("pk"), name=key.key)
                .values("value")[:1]
            )
        name = f"_o{index}"
        if key.kind == "metric" and not key.ascending:
            queryset = queryset.annotate(
                **{name: ExpressionWrapper(value * Value(-1.0), output_field=FloatField())}
            )
            expressions.append(F(name).asc(nulls_last=True))
            continue
        queryset = queryset.annotate(**{name: value})
        expressions.append(F(name).asc(nulls_last=True) if key.ascending else F(name).desc(nulls_last=True))
    if not any(k.kind == "attribute" and k.key == "start_time" for k in order):
        expressions.append(F("start_time").desc(nulls_last=True))
    expressions.append(F("eid").asc())
    return queryset, expressions


def _search_page(
    *,
    project,
    experiment_ids: Sequence,
    filter_string: str = "",
    order_by: Sequence[str] = (),
    view_type: str = "ACTIVE_ONLY",
    max_results: int = 1000,
    page_token: str | None = None,
    fields: Sequence[str] | None = None,
) -> tuple[list[Candidate], str | None]:
    """One page of candidates (only `fields` loaded when given) and the next page's token."""
    from experiments.models import Experiment

    comparisons = search_filter_parse(filter_string)
    order = search_order_parse(order_by)
    limit = max_results_check(max_results)
    offset, after = _search_token_decode(page_token)
    lifecycles = VIEW_TYPES[view_type_normalise(view_type)]
    iids = []
    for value in experiment_ids:
        try:
            iids.append(int(value))
        except (TypeError, ValueError) as exc:
            raise InvalidValueError(
                f"Invalid experiment ID '{value}'. Experiment ID must be a valid integer."
            ) from exc
    experiments = Experiment.objects.filter(project=project, iid__in=iids).values("pk")
    queryset = Candidate.objects.filter(project=project, experiment_id__in=experiments)
    if lifecycles is not None:
        queryset = queryset.filter(lifecycle__in=lifecycles)
    queryset = queryset.filter(candidate_filter_q(comparisons))
    queryset, expressions = _order_expressions(queryset, order)
    if fields is not None:
        queryset = queryset.only(*fields)
    # The default order pages by keyset (the last run's start_time and id), so deep pages cost what the first
    # does; other orders (and offset-only tokens) page by offset.
    keyset = not order
    start = offset
    if keyset and after is not None:
        queryset, start = queryset.filter(_after_q(*after)), 0
    page = list(queryset.order_by(*expressions)[start : start + limit + 1])
    more = len(page) > limit
    page = page[:limit]
    if not more:
        return page, None
    return page, _search_token_encode(offset + limit, page[-1] if keyset else None)


def candidate_search(**query) -> tuple[list[Candidate], str | None]:
    """One page of the project's candidates in the given experiments (by iid) matching an MLflow filter, each with
    `candidate.data` and its experiment. Keywords: project, experiment_ids, filter_string="", order_by=(),
    view_type="ACTIVE_ONLY", max_results=1000, page_token=None (see _search_page)."""
    from experiments.models import Experiment

    page, token = _search_page(**query)
    # One experiment object per experiment (not one per row, as select_related would build).
    experiments_by_id = Experiment.objects.in_bulk({c.experiment_id for c in page})
    for candidate in page:
        candidate.experiment = experiments_by_id[candidate.experiment_id]
    # The page's params, metadata, latest metrics and inputs in one query (not four prefetches).
    data = candidate_data(candidate_ids=[c.pk for c in page])
    for candidate in page:
        candidate.data = data[candidate.pk]
    return page, token


def candidate_search_ids(**query) -> tuple[list[int], str | None]:
    """candidate_search's page (same keyword arguments) as candidate ids in order, nothing else loaded, and the
    same token: for callers that build the runs' JSON in the database (selectors.candidate_runs_json_items)."""
    page, token = _search_page(**query, fields=("id", "start_time", "eid"))
    return [c.pk for c in page], token
