"""The query-count baseline helper: exact counts, a readable failure, and recording with ASSAY_UPDATE_QUERY_COUNTS."""

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.query_counts import QueryCountBaseline

pytestmark = pytest.mark.django_db


def _two_queries():
    User.objects.count()
    User.objects.filter(username="nobody").exists()


def test_the_exact_recorded_count_passes_and_any_other_fails_with_the_queries(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSAY_UPDATE_QUERY_COUNTS", raising=False)
    path = tmp_path / "query_counts.json"
    path.write_text(json.dumps({"two": 2, "three": 3, "one": 1}))
    baseline = QueryCountBaseline(path)
    with baseline("two"):
        _two_queries()
    for key in ("three", "one"):  # more is a failure, and so is fewer: the baseline is exact, not a ceiling
        with pytest.raises(AssertionError) as failure, baseline(key):
            _two_queries()
        assert f"'{key}' ran 2 queries, the baseline in query_counts.json says" in str(failure.value)
        assert 'SELECT COUNT(*) AS "__count" FROM "auth_user"' in str(failure.value)


def test_a_key_without_a_baseline_fails(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSAY_UPDATE_QUERY_COUNTS", raising=False)
    with pytest.raises(AssertionError, match="no baseline for 'new_page'"):
        with QueryCountBaseline(tmp_path / "query_counts.json")("new_page"):
            _two_queries()


def test_update_mode_records_sorted_and_refuses_a_key_that_counts_differently(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSAY_UPDATE_QUERY_COUNTS", "1")
    path = tmp_path / "query_counts.json"
    path.write_text(json.dumps({"z_old": 9}))
    baseline = QueryCountBaseline(path)
    with baseline("b_page"):
        _two_queries()
    with baseline("a_page"):
        User.objects.count()
    assert path.read_text() == '{\n  "a_page": 1,\n  "b_page": 2,\n  "z_old": 9\n}\n'
    with pytest.raises(AssertionError, match="'b_page' ran 1 queries here but 2 earlier in this run"):
        with baseline("b_page"):  # the same page at another size must count the same
            User.objects.count()


def test_every_baseline_key_is_used_by_a_test_in_its_folder():
    """A renamed or deleted test must not leave a stale count behind."""
    baselines = sorted(Path(__file__).parent.glob("*/query_counts.json"))
    assert baselines
    for path in baselines:
        sources = "".join(test.read_text() for test in path.parent.glob("test_*.py"))
        stale = [key for key in json.loads(path.read_text()) if f'assert_query_count("{key}")' not in sources]
        assert stale == [], f"{path}: no test uses {stale}"
