"""The shared pagination block keeps the page's filters in its links."""

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

pytestmark = pytest.mark.smoke


def test_page_links_keep_filters_and_escape_them():
    request = RequestFactory().get("/x", {"q": 'a&b"<', "type": "generic", "page": "2"})
    page = Paginator(list(range(50)), 20).page(2)
    html = render_to_string("_pagination.html", {"page_obj": page, "request": request})
    assert "Page 2 of 3" in html
    assert 'href="?q=a%26b%22%3C&amp;type=generic&amp;page=1"' in html
    assert 'href="?q=a%26b%22%3C&amp;type=generic&amp;page=3"' in html


def test_single_page_draws_nothing():
    request = RequestFactory().get("/x")
    page = Paginator([1], 20).page(1)
    assert render_to_string("_pagination.html", {"page_obj": page, "request": request}).strip() == ""
