"""MLflow's search grammar, once: filter and order_by strings → projects.querying.Comparison / OrderKey.

    filter_parse(text, grammar) -> list[Comparison]
    order_parse(items, grammar) -> list[OrderKey]
    order_key_parse(text, grammar) -> OrderKey          (one field name, e.g. logged models' order_by items)
    candidate_filter_parse(text) -> list[Comparison]     the dashboard's filter box (the runs grammar)

One tokenizer for every entity: quoted strings may hold `AND`, `''`/`""` escape their quote, keys may be quoted
with backticks or quotes. Each grammar (RUNS, EXPERIMENTS, LOGGED_MODELS, REGISTERED_MODELS, MODEL_VERSIONS,
TRACES) lists its entity prefixes, attribute keys and operators as MLflow's SearchUtils, SearchExperimentsUtils,
SearchLoggedModelsUtils, SearchModelUtils, SearchModelVersionUtils and SearchTraceUtils define them (traces: no
span, assessment or `RLIKE` filters), and maps MLflow's attribute names to the domain's (`run_id` → `eid`,
`creation_time` → `created_at` …), so selectors only see domain keys.
Errors are projects.errors.InvalidValueError (INVALID_PARAMETER_VALUE at the edge).

Imports point one way: views and mlflow_api import this module; it imports only projects.querying. No domain
module imports mlflow_api.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from projects.errors import InvalidValueError
from projects.querying import LIST_OPS, NULL_OPS, NUMERIC_OPS, STRING_OPS, Comparison, OrderKey

MAX_FILTER_LENGTH = 100_000
MAX_COMPARISONS = 500

OpsFor = Callable[[str, str], frozenset]


@dataclass(frozen=True)
class Grammar:
    """One entity's search language. `attributes` maps MLflow's attribute names (and aliases) to domain keys."""

    kinds: dict[str, str]
    attributes: dict[str, str]
    numeric: frozenset  # MLflow attribute names whose values are numbers
    ops: OpsFor
    order_attributes: dict[str, str] = field(default_factory=dict)
    integers: frozenset = frozenset()  # numeric attributes that take only integers (quoted or not)
    order_kinds: frozenset = frozenset({"attribute", "metric", "param", "tag"})
    keys: dict[str, frozenset] = field(default_factory=dict)  # kinds whose keys are a closed set (datasets)


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
    def __init__(self, text: str, grammar: Grammar):
        if len(text) > MAX_FILTER_LENGTH:
            raise InvalidValueError(
                f"Filter string is too long ({len(text)} characters, at most {MAX_FILTER_LENGTH})"
            )
        self.tokens = _tokens(text)
        self.pos = 0
        self.grammar = grammar

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

    def identifier(self, attributes: dict[str, str]) -> tuple[str, str, str]:
        """(kind, MLflow key, domain key) of `kind.key`, either part quoted; a bare key is an attribute."""
        parts = [self._name_part()]
        if self.peek() is not None and self.peek()[1] == ".":
            self.take()
            parts.append(self._name_part(rest=True))
        if len(parts) == 1:
            kind, key = "attribute", parts[0]
        else:
            kind_word, key = parts
            kinds = self.grammar.kinds
            if kind_word not in kinds:
                raise InvalidValueError(
                    f"Invalid entity type '{kind_word}'. Valid values are {sorted(set(kinds.values()))}"
                )
            kind = kinds[kind_word]
        if not key:
            raise InvalidValueError("Invalid filter string: empty key")
        closed = self.grammar.keys.get(kind)
        if closed is not None and key not in closed:
            raise InvalidValueError(f"Invalid {kind} key '{key}' specified. Valid keys are {sorted(closed)}")
        if kind == "attribute":
            if key not in attributes:
                valid = sorted({k for k in attributes if k.islower() and " " not in k})
                raise InvalidValueError(f"Invalid attribute key '{key}' specified. Valid keys are {valid}")
            return kind, key, attributes[key]
        return kind, key, key

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
                and self.peek(1) is not None
                and self.peek(1)[0] in ("word", "number")
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
        if kind == "metric" or (kind == "attribute" and key in self.grammar.numeric):
            return self._number(kind, key, token_kind, text)
        if token_kind != "string":
            raise InvalidValueError(
                f"Expected a quoted string value for {kind} '{key}' (e.g. 'my-value'). Got value {text!r}"
            )
        return _unquote(text)

    def _number(self, kind: str, key: str, token_kind: str, text: str):
        if key in self.grammar.integers:
            raw = _unquote(text) if token_kind == "string" else text
            if token_kind not in ("string", "number") or not re.fullmatch(r"[-+]?\d+", raw.strip()):
                raise InvalidValueError(f"Expected an integer value for {kind} '{key}'. Found {text!r}")
            return int(raw)
        if token_kind != "number":
            raise InvalidValueError(f"Expected numeric value type for {kind} '{key}'. Found {text!r}")
        return float(text)

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

    def comparison(self) -> Comparison:
        kind, key, domain_key = self.identifier(self.grammar.attributes)
        op = self.operator()
        allowed = self.grammar.ops(kind, key)
        if op not in allowed:
            raise InvalidValueError(
                f"Invalid comparator '{op}' for {kind} '{key}'. Only {sorted(allowed)} are allowed."
            )
        return Comparison(kind, domain_key, op, self.value(kind, key, op))

    def filter(self) -> list[Comparison]:
        out: list[Comparison] = []
        if not self.tokens:
            return out
        while True:
            out.append(self.comparison())
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


def filter_parse(text: str | None, grammar: Grammar) -> list[Comparison]:
    """The filter's comparisons, joined by AND (MLflow's grammar has no OR)."""
    return _Parser(text or "", grammar).filter()


def order_key_parse(text: str, grammar: Grammar, *, direction: bool = False) -> OrderKey:
    """One order_by field (`metrics.acc`, "params.`my p`", `name`), with `ASC`/`DESC` when `direction`."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidValueError(f"Invalid order_by clause {text!r}")
    parser = _Parser(text, grammar)
    kind, key, domain_key = parser.identifier(grammar.order_attributes or grammar.attributes)
    if kind not in grammar.order_kinds:
        raise InvalidValueError(f"Invalid order_by entity type '{kind}' in clause '{text}'")
    ascending = True
    if parser.peek() is not None:
        word = parser.take()[1].upper()
        if not direction or word not in ("ASC", "DESC") or parser.peek() is not None:
            raise InvalidValueError(f"Invalid order_by clause '{text}'. Expected 'ASC' or 'DESC'.")
        ascending = word == "ASC"
    return OrderKey(kind, domain_key, ascending)


def order_parse(items: Sequence[str] | str | None, grammar: Grammar) -> list[OrderKey]:
    if isinstance(items, str):
        items = [items]
    keys: list[OrderKey] = []
    for item in items or ():
        key = order_key_parse(item, grammar, direction=True)
        if any((k.kind, k.key) == (key.kind, key.key) for k in keys):
            raise InvalidValueError(f"`order_by` contains duplicate fields: {list(items)}")
        keys.append(key)
    return keys


# ---------------------------------------------------------------- the grammars

_PREFIXES = {
    "metric": "metric", "metrics": "metric",
    "param": "param", "params": "param", "parameter": "param", "parameters": "param",
    "tag": "tag", "tags": "tag",
    "attribute": "attribute", "attributes": "attribute", "attr": "attribute",
}  # fmt: skip


def _runs_ops(kind: str, key: str) -> frozenset:
    if kind == "metric" or (kind == "attribute" and key in RUNS.numeric):
        return NUMERIC_OPS
    if kind in ("param", "tag"):
        return STRING_OPS | NULL_OPS
    if kind == "dataset":  # MLflow's VALID_DATASET_COMPARATORS
        return STRING_OPS | LIST_OPS
    if key == "run_id":
        return frozenset({"=", "!="}) | LIST_OPS
    if key == "artifact_uri":
        return frozenset({"=", "!="})
    return STRING_OPS | LIST_OPS


_RUN_ATTRIBUTES = {
    "run_id": "eid",
    "run_name": "name",
    "status": "status",
    "user_id": "user_name",
    "artifact_uri": "artifact_uri",
    "start_time": "start_time",
    "end_time": "end_time",
    # MLflow's alternate spellings (its UI's column names)
    "created": "start_time", "Created": "start_time",
    "run name": "name", "Run name": "name", "Run Name": "name",
}  # fmt: skip

RUNS = Grammar(
    kinds={**_PREFIXES, "run": "attribute", "dataset": "dataset", "datasets": "dataset"},
    attributes=_RUN_ATTRIBUTES,
    numeric=frozenset({"start_time", "end_time", "created", "Created"}),
    ops=_runs_ops,
    # MLflow's SearchUtils.DATASET_ATTRIBUTES: a run matches when one of its dataset inputs does.
    keys={"dataset": frozenset({"name", "digest", "context"})},
)


def _experiments_ops(kind: str, key: str) -> frozenset:
    if kind == "tag":
        return STRING_OPS | NULL_OPS
    if key in EXPERIMENTS.numeric:
        return NUMERIC_OPS
    if key == "experiment_id":
        return frozenset({"=", "!="}) | LIST_OPS
    return STRING_OPS | LIST_OPS


_EXPERIMENT_ATTRIBUTES = {
    "name": "name",
    "experiment_id": "iid",
    "creation_time": "created_at",
    "last_update_time": "updated_at",
}
EXPERIMENTS = Grammar(
    kinds={k: v for k, v in _PREFIXES.items() if v in ("attribute", "tag")},
    attributes=_EXPERIMENT_ATTRIBUTES,
    numeric=frozenset({"creation_time", "last_update_time"}),
    ops=_experiments_ops,
    order_kinds=frozenset({"attribute"}),
)


def _models_ops(kind: str, key: str) -> frozenset:
    return STRING_OPS


REGISTERED_MODELS = Grammar(
    kinds={k: v for k, v in _PREFIXES.items() if v in ("attribute", "tag")},
    attributes={"name": "name"},
    numeric=frozenset(),
    ops=_models_ops,
    order_attributes={
        "name": "name",
        "creation_timestamp": "created_at",
        "last_updated_timestamp": "updated_at",
        "timestamp": "updated_at",
    },
    order_kinds=frozenset({"attribute"}),
)


def _versions_ops(kind: str, key: str) -> frozenset:
    if kind == "tag":
        return STRING_OPS
    if key == "version_number":
        return NUMERIC_OPS
    if key == "run_id":
        return frozenset({"=", "!="}) | LIST_OPS
    if key == "name":
        return STRING_OPS | LIST_OPS
    return STRING_OPS


MODEL_VERSIONS = Grammar(
    kinds={k: v for k, v in _PREFIXES.items() if v in ("attribute", "tag")},
    attributes={
        "name": "model_name",
        "run_id": "candidate_eid_hex",
        "source_path": "source",
        "version_number": "version",
    },
    numeric=frozenset({"version_number"}),
    integers=frozenset({"version_number"}),
    ops=_versions_ops,
    order_attributes={
        "name": "model_name",
        "version_number": "version",
        "creation_timestamp": "created_at",
        "last_updated_timestamp": "updated_at",
        "timestamp": "updated_at",
    },
    order_kinds=frozenset({"attribute"}),
)


def _logged_models_ops(kind: str, key: str) -> frozenset:
    if kind == "metric" or (kind == "attribute" and key in LOGGED_MODELS.numeric):
        return NUMERIC_OPS
    if kind in ("param", "tag"):
        return STRING_OPS
    return STRING_OPS | LIST_OPS


_LOGGED_MODEL_ATTRIBUTES = {
    "name": "name",
    "model_id": "eid",
    "model_type": "model_type",
    "status": "status",
    "source_run_id": "source_eid",
    "creation_timestamp": "created_at",
    "creation_time": "created_at",
    "last_updated_timestamp": "updated_at",
    "last_updated_time": "updated_at",
}
LOGGED_MODELS = Grammar(
    kinds=_PREFIXES,
    attributes=_LOGGED_MODEL_ATTRIBUTES,
    numeric=frozenset({"creation_timestamp", "creation_time", "last_updated_timestamp", "last_updated_time"}),
    ops=_logged_models_ops,
    order_kinds=frozenset({"attribute", "metric"}),
)


def candidate_filter_parse(text: str | None) -> list[Comparison]:
    """The dashboard's filter box: the runs grammar, so a filter copied from a notebook works on the page."""
    return filter_parse(text, RUNS)


def _traces_ops(kind: str, key: str) -> frozenset:
    if kind in ("tag", "metadata"):  # MLflow's VALID_TAG_COMPARATORS / VALID_METADATA_COMPARATORS (no RLIKE)
        return STRING_OPS | NULL_OPS
    if key in TRACES.numeric:
        return NUMERIC_OPS
    return STRING_OPS | LIST_OPS


_TRACE_ATTRIBUTES = {
    "request_id": "trace_id",
    "trace_id": "trace_id",
    "timestamp": "request_time",
    "timestamp_ms": "request_time",
    "execution_time": "execution_duration",
    "execution_time_ms": "execution_duration",
    "status": "state",
    "state": "state",
    "client_request_id": "client_request_id",
    # MLflow maps these two to a tag and a metadata key (mlflow.traceName, mlflow.sourceRun)
    "name": "name",
    "run_id": "source_run",
}
TRACES = Grammar(
    kinds={
        **{k: v for k, v in _PREFIXES.items() if v in ("attribute", "tag")},
        "trace": "attribute",
        "request_metadata": "metadata",
        "metadata": "metadata",
    },
    attributes=_TRACE_ATTRIBUTES,
    numeric=frozenset({"timestamp", "timestamp_ms", "execution_time", "execution_time_ms"}),
    integers=frozenset({"timestamp", "timestamp_ms", "execution_time", "execution_time_ms"}),
    ops=_traces_ops,
    order_attributes={
        k: v for k, v in _TRACE_ATTRIBUTES.items() if v not in ("client_request_id", "source_run")
    },
    order_kinds=frozenset({"attribute"}),
)
