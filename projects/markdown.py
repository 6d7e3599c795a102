"""User Markdown → safe HTML: one renderer for candidate, experiment and model descriptions.

markdown-it-py (CommonMark, raw HTML off, so `<script>` stays text) renders; nh3 (Rust's ammonia) then keeps only
the tags and attributes below and links whose scheme is http, https or mailto, so a `[x](javascript:…)` link or an
`<img onerror>` can never reach the page even if a renderer bug let one through."""

import nh3
from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "em", "strong", "del", "s",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_SOURCE = 100_000  # characters rendered; a longer description is cut (the stored text is kept whole)


def markdown_to_html(text: str | None) -> str:
    """Render `text` as sanitised HTML (safe to mark safe). Empty or None gives ""."""
    if not text:
        return ""
    html = _RENDERER.render(str(text)[:MAX_SOURCE])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )
