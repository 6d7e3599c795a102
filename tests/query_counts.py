"""Exact query counts per page/endpoint against a checked-in baseline (NetBox's `utilities/testing/query_counts.py`).

    def test_page(owner_client, assert_query_count):
        with assert_query_count("experiment_detail"):
            owner_client.get(url)

asserts that the block ran exactly the number of queries recorded under that key in the `query_counts.json` next to
the test module (one file per test folder, keys sorted). A new query shows up as a failing test and, once accepted,
as a one-line diff of the baseline, never as slack used up. `ASSAY_UPDATE_QUERY_COUNTS=1` records the counts instead
of asserting them; a key used twice in one run (the same page at small and large N) must count the same both times,
or recording fails too.
"""

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

_recorded: dict[tuple[Path, str], int] = {}  # what this process recorded, to catch a key counting differently


def _updating() -> bool:
    return os.environ.get("ASSAY_UPDATE_QUERY_COUNTS", "") not in ("", "0")


def _read(path: Path) -> dict[str, int]:
    return json.loads(path.read_text()) if path.exists() else {}


def _record(path: Path, key: str, count: int) -> None:
    """Read-modify-write under an exclusive lock on the file: xdist workers may record into it at once."""
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        baseline = json.loads(handle.read() or "{}")
        baseline[key] = count
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(dict(sorted(baseline.items())), indent=2) + "\n")


def _listing(queries) -> str:
    return "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(queries, start=1))


class QueryCountBaseline:
    def __init__(self, path: Path):
        self.path = path

    @contextmanager
    def __call__(self, key: str):
        with CaptureQueriesContext(connection) as context:
            yield context
        count = len(context.captured_queries)
        if _updating():
            earlier = _recorded.setdefault((self.path, key), count)
            assert earlier == count, f"{key!r} ran {count} queries here but {earlier} earlier in this run"
            _record(self.path, key, count)
            return
        expected = _read(self.path).get(key)
        assert expected is not None, (
            f"no baseline for {key!r} in {self.path}; record it with ASSAY_UPDATE_QUERY_COUNTS=1"
        )
        assert count == expected, (
            f"{key!r} ran {count} queries, the baseline in {self.path.name} says {expected} "
            f"(ASSAY_UPDATE_QUERY_COUNTS=1 records the new count once it is intended):\n"
            + _listing(context.captured_queries)
        )
