"""projects.db.hot_cursor: the API's fixed-shape statements are prepared once per connection on PostgreSQL,
still counted like any query, and answer exactly what a plain cursor does."""

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.db import hot_cursor

pytestmark = pytest.mark.django_db


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.smoke
def test_hot_cursor_answers_like_a_plain_cursor():
    sql = "SELECT %s + 1, %s"
    with hot_cursor() as cursor:
        cursor.execute(sql, [41, "x"])
        assert cursor.fetchone() == (42, "x")


def test_statements_are_prepared_once_and_counted():
    sql = (
        "SELECT count(*), count(*) FILTER (WHERE u.v = 'NaN'::float8), count(*) FILTER (WHERE u.v = ANY(%s::float8[]))"
        " FROM unnest(%s::float8[]) AS u(v)"
    )
    expected = {3: (3, 1, 1), 1: (1, 0, 1), 0: (0, 0, 0)}
    with CaptureQueriesContext(connection) as queries:
        for values in ([1.0, 2.0, math.nan], [3.0], [], [4.0, 5.0], [6.0] * 1000):
            with hot_cursor() as cursor:
                cursor.execute(sql, [[1.0, 3.0], values])
                assert cursor.fetchone() == expected.get(len(values), (len(values), 0, 0))
    assert len(queries.captured_queries) == 5
    assert all(q["sql"] == sql for q in queries.captured_queries)  # logged as written, not None
    prepared = [s for s in _prepared_statements() if "unnest($2::float8[])" in s]
    # Prepared once whatever the array sizes (the text does not depend on the data); psycopg types an empty
    # list differently, which makes a second statement.
    assert 1 <= len(prepared) <= 2


def test_setting_off_gives_a_plain_cursor(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    with hot_cursor() as cursor:  # still bound on the server: binary parameters work
        cursor.execute("SELECT %s::int * 2 AS unprepared_probe, cardinality(%b::float8[])", [21, [1.0, 2.0]])
        assert cursor.fetchone() == (42, 2)
    assert not [s for s in _prepared_statements() if "unprepared_probe" in s]
