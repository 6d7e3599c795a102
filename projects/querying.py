"""Domain query arguments shared by the selectors that search (candidates, experiments, models, logged models).

    Comparison(kind, key, op, value)   one condition: kind is "attribute", "metric", "param", "tag" or (candidates)
                                       "dataset" (key name, digest or context)
    OrderKey(kind, key, ascending)     one sort key
    value_condition(field, op, value)  a comparison's operator on one column, as a Q
    NextPage(offset, after)            where a page starts (what a selector returns for the next one)
    CappedCount(sliced queryset)       COUNT(*) of at most the slice's rows, as a subquery expression

Selectors take lists of these as keyword arguments (`comparisons`, `order`) together with `limit`, `offset`
and (candidates) `after`; they never see a request string. The MLflow API parses its filter and order strings
into these (mlflow_api/search_grammar.py); the dashboard's filter box goes through the same parser.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import CharField, IntegerField, Lookup, Q, Subquery, TextField

from .errors import InvalidValueError

NUMERIC_OPS = frozenset({"=", "!=", ">", ">=", "<", "<="})
STRING_OPS = frozenset({"=", "!=", "LIKE", "ILIKE"})
NULL_OPS = frozenset({"IS NULL", "IS NOT NULL"})
LIST_OPS = frozenset({"IN", "NOT IN"})


@dataclass(frozen=True)
class Comparison:
    kind: str  # attribute | metric | param | tag | dataset
    key: str
    op: str  # = != > >= < <= LIKE ILIKE IN NOT IN IS NULL IS NOT NULL
    value: Any  # float for numbers, str for strings, tuple[str, ...] for IN, None for IS [NOT] NULL


@dataclass(frozen=True)
class OrderKey:
    kind: str
    key: str
    ascending: bool = True
    dataset: tuple[str, str] | None = (
        None  # metric keys only: (name, digest or ""), the points on that dataset
    )


class SqlLike(Lookup):
    """SQL LIKE with the pattern as given (% and _ are the caller's wildcards, as in MLflow)."""

    lookup_name = "sql_like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


class SqlILike(SqlLike):
    lookup_name = "sql_ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


for _field in (CharField, TextField):
    _field.register_lookup(SqlLike)
    _field.register_lookup(SqlILike)

_LOOKUP = {
    "=": "exact",
    ">": "gt",
    ">=": "gte",
    "<": "lt",
    "<=": "lte",
    "LIKE": "sql_like",
    "ILIKE": "sql_ilike",
}


def value_condition(field: str, op: str, value) -> Q:
    """`field op value` as a Q; != and NOT IN are negations (rows lacking the value are the caller's concern)."""
    if op == "!=":
        return ~Q(**{f"{field}__exact": value})
    if op == "IN":
        return Q(**{f"{field}__in": list(value)})
    if op == "NOT IN":
        return ~Q(**{f"{field}__in": list(value)})
    return Q(**{f"{field}__{_LOOKUP[op]}": value})


@dataclass(frozen=True)
class NextPage:
    """Where the next page starts: skip `offset` rows, or (keyset paging) start after the row at `after`, a
    selector-defined position (candidates: `(start_time or None, eid)`)."""

    offset: int = 0
    after: tuple | None = None


def ms_to_datetime(value) -> datetime:
    """A filter's epoch milliseconds as an aware datetime; a number outside the years 1-9999 (or not a number) is
    an InvalidValueError, not the OverflowError/ValueError Python raises."""
    try:
        return datetime.fromtimestamp(float(value) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError, TypeError) as exc:
        raise InvalidValueError(f"Invalid timestamp in search filter: {value!r}") from exc


class CappedCount(Subquery):
    """`(SELECT COUNT(*) FROM (<sliced queryset>) capped)`: counts rows up to the slice's limit and stops there.

    Give it `qs.values("pk")[: cap + 1]`; an answer of cap + 1 means "more than cap". An exact count of a million
    candidates is a full scan of the experiment (100 ms on a quiet machine, several times that under load) on
    every page view and live poll; a capped one reads at most cap + 1 index entries. May reference OuterRef."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) capped)"
    output_field = IntegerField()
