"""Formatting filters for the experiment and candidate pages."""

import math
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from django import template

register = template.Library()


@register.filter
def ms_datetime(value):
    """Epoch milliseconds → aware datetime (None stays None), for the `date` filter."""
    if value in (None, ""):
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


@register.filter
def duration(ms):
    """Milliseconds → '1h 02m', '3m 04s', '5.2s'."""
    if ms in (None, ""):
        return ""
    seconds = int(ms) / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


@register.filter
def metric(value):
    """A metric value in 6 significant digits; NaN and infinities by name."""
    if value is None or value == "":
        return ""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.6g}"


@register.filter
def http_url(value) -> str:
    """`value` if it is an absolute http(s) URL with a host, else "": the one allow-list every user-supplied URL
    passes before it becomes an `href` (a CI tag can say `javascript:…`). Templates show "" as plain text."""
    if not isinstance(value, str) or not value:
        return ""
    # Browsers drop control characters and whitespace inside a scheme ("java\tscript:"), so refuse them outright.
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in value):
        return ""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # a malformed IPv6 host or port
        return ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        return ""
    return value


@register.filter
def get(mapping, key):
    if mapping is None:
        return None
    return mapping.get(key)


@register.simple_tag
def query(items, **overrides):
    """A query string from a list of (key, value) pairs, replacing the keys given."""
    pairs = [(k, v) for k, v in items if k not in overrides]
    pairs += [(k, v) for k, v in overrides.items() if v not in (None, "")]
    return "?" + urlencode(pairs)
