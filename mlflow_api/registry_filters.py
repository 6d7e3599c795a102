"""The model-registry search grammar (filter, order_by, page_token) → selector clauses.

registered-models/search:  name = | != | LIKE | ILIKE 'x';  tags.<key> (or tags.`a key`) = | != | LIKE | ILIKE 'v'
model-versions/search:     name, tags.<key> as above;  run_id = | != | IN ('a', 'b');  source_path = | != | LIKE |
                           ILIKE;  version_number = | != | < | <= | > | >= N
Clauses are joined with AND. A malformed filter → INVALID_PARAMETER_VALUE, as the reference answers.
"""

import re

from model_registry.selectors import Clause

from .errors import MlflowError

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<op>!=|<>|<=|>=|=|<|>)
    | (?P<number>-?\d+(?:\.\d+)?)(?![\w.])
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.(?:`[^`]*`|"[^"]*"|[A-Za-z0-9_][A-Za-z0-9_.\-]*))?)
    | (?P<lparen>\() | (?P<rparen>\)) | (?P<comma>,)
    )""",
    re.VERBOSE,
)

_MODEL_KEYS = {"name": ("name", {"=", "!=", "LIKE", "ILIKE"})}
_VERSION_KEYS = {
    "name": ("name", {"=", "!=", "LIKE", "ILIKE"}),
    "run_id": ("run_id", {"=", "!=", "IN"}),
    "source_path": ("source", {"=", "!=", "LIKE", "ILIKE"}),
    "version_number": ("version", {"=", "!=", "<", "<=", ">", ">="}),
}
_TAG_OPS = {"=", "!=", "LIKE", "ILIKE"}


def _bad(message: str) -> MlflowError:
    return MlflowError(message, "INVALID_PARAMETER_VALUE")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise _bad(f"Invalid filter '{text}': cannot parse at position {pos}")
        kind = match.lastgroup
        out.append((kind, match[kind]))
        pos = match.end()
    return out


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value[1:-1])


def _field(ident: str, keys: dict) -> tuple[str, set]:
    prefix, _, rest = ident.partition(".")
    if prefix.lower() in ("tags", "tag") and rest:
        key = rest[1:-1] if rest[0] in '`"' else rest
        return f"tag:{key}", _TAG_OPS
    if prefix.lower() == "attributes" and rest:
        ident = rest
    if ident.lower() in keys:
        return keys[ident.lower()]
    raise _bad(f"Invalid attribute key '{ident}' specified. Valid keys are {sorted(keys)} and tags.<key>")


def _parse(text: str, keys: dict) -> list[Clause]:
    tokens = _tokens(text or "")
    clauses, i = [], 0
    while i < len(tokens):
        if clauses:
            if tokens[i][0] != "ident" or tokens[i][1].upper() != "AND":
                raise _bad(f"Invalid filter '{text}': expected AND between comparisons")
            i += 1
        kind, ident = tokens[i]
        if kind != "ident":
            raise _bad(f"Invalid filter '{text}': expected an attribute, got {ident!r}")
        field, allowed = _field(ident, keys)
        op_kind, op = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
        op = op.upper() if op_kind == "ident" else op
        op = "!=" if op == "<>" else op
        if op_kind not in ("op", "ident") or op not in allowed:
            raise _bad(f"Invalid comparator '{op}' for '{ident}' in filter '{text}'")
        i += 2
        if op == "IN":
            value, i = _parse_list(tokens, i, text)
        else:
            value, i = _parse_value(tokens, i, text, numeric=field == "version")
        clauses.append(Clause(field=field, op=op, value=value))
    return clauses


def _parse_value(tokens, i, text, *, numeric: bool):
    if i >= len(tokens):
        raise _bad(f"Invalid filter '{text}': missing value")
    kind, raw = tokens[i]
    if numeric:
        value = _unquote(raw) if kind == "string" else raw
        if kind not in ("string", "number") or not value.lstrip("-").isdigit():
            raise _bad(f"Invalid filter '{text}': version_number needs an integer")
        return int(value), i + 1
    if kind != "string":
        raise _bad(f"Invalid filter '{text}': values must be quoted strings, got {raw!r}")
    return _unquote(raw), i + 1


def _parse_list(tokens, i, text):
    if i >= len(tokens) or tokens[i][0] != "lparen":
        raise _bad(f"Invalid filter '{text}': IN needs a parenthesised list")
    values, i = [], i + 1
    while i < len(tokens):
        kind, raw = tokens[i]
        if kind == "rparen" and values:
            return values, i + 1
        if kind != "string":
            raise _bad(f"Invalid filter '{text}': IN takes quoted strings")
        values.append(_unquote(raw))
        i += 1
        if i < len(tokens) and tokens[i][0] == "comma":
            i += 1
    raise _bad(f"Invalid filter '{text}': unclosed IN list")


def model_filter_parse(text: str) -> list[Clause]:
    return _parse(text, _MODEL_KEYS)


def version_filter_parse(text: str) -> list[Clause]:
    return _parse(text, _VERSION_KEYS)


_MODEL_ORDER = {
    "name": "name",
    "timestamp": "updated",
    "last_updated_timestamp": "updated",
    "creation_timestamp": "created",
}
_VERSION_ORDER = {
    "name": "name",
    "version_number": "version",
    "creation_timestamp": "created",
    "timestamp": "updated",
    "last_updated_timestamp": "updated",
}


def _order_parse(values, allowed: dict) -> list[tuple[str, bool]]:
    if isinstance(values, str):
        values = [values]
    out = []
    for raw in values or []:
        parts = raw.strip().split()
        if not parts or len(parts) > 2:
            raise _bad(f"Invalid order_by clause '{raw}'")
        key = parts[0].strip("`")
        key = key.split(".", 1)[1] if key.startswith("attributes.") else key
        if key not in allowed:
            raise _bad(f"Invalid order by key '{key}' specified. Valid keys are {sorted(allowed)}")
        direction = parts[1].upper() if len(parts) == 2 else "ASC"
        if direction not in ("ASC", "DESC"):
            raise _bad(f"Invalid order_by clause '{raw}': direction must be ASC or DESC")
        out.append((allowed[key], direction == "ASC"))
    return out


def model_order_parse(values) -> list[tuple[str, bool]]:
    return _order_parse(values, _MODEL_ORDER)


def version_order_parse(values) -> list[tuple[str, bool]]:
    return _order_parse(values, _VERSION_ORDER)


def max_results_parse(value, *, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise _bad(f"Invalid value for max_results: {value!r}") from exc
    if number <= 0 or number > maximum:
        raise _bad(f"Invalid value for max_results. It must be between 1 and {maximum}, got {number}")
    return number
