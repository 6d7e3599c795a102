"""Descriptions are Markdown rendered through markdown-it-py and sanitised by nh3."""

import pytest

from projects.markdown import markdown_to_html


def test_markdown_renders_common_blocks():
    html = markdown_to_html("# Title\n\n**bold** and `code`\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<code>code</code>" in html
    assert "<li>a</li>" in html
    assert "<td>1</td>" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "![i](data:text/html;base64,PHNjcmlwdD4=)",
        "<a href='javascript:alert(1)'>x</a>",
        "<iframe src=https://example.com></iframe>",
    ],
)
def test_markdown_never_emits_active_content(source):
    html = markdown_to_html(source).lower()
    assert "<script" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert "<a " not in html  # no link survives: a bad scheme stays text, raw HTML stays escaped text


def test_links_keep_http_and_get_rel():
    html = markdown_to_html("[docs](https://example.com/a?b=1)")
    assert 'href="https://example.com/a?b=1"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_empty_and_none_render_nothing():
    assert markdown_to_html("") == ""
    assert markdown_to_html(None) == ""
