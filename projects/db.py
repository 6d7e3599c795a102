"""Prepared statements for the API's hottest queries (PostgreSQL).

Django's psycopg backend binds parameters on the client and never prepares, so PostgreSQL plans every query
again; for the few fixed-shape statements every MLflow call runs (token lookup, the run read, metric writes)
planning cost more than executing (0.8 ms against 0.4 ms for get_run's read). `hot_cursor()` gives a Django
cursor (queries counted and logged as usual, database errors wrapped) whose statements are bound on the server
and prepared once per connection. Server-side binding also allows binary parameters (`%b`): a 1,000-element
float array is sent as 8-byte doubles instead of being formatted and quoted as text (4.8 -> 1.6 ms for a
log_batch's four arrays).

Only for SQL whose text does not depend on the data (arrays instead of placeholder lists), or the per-connection
statement cache would churn. `DATABASE_PREPARED_STATEMENTS=0` turns preparing off (e.g. behind a connection
pooler in transaction mode that predates protocol-level prepared statements, such as PgBouncer < 1.21); the
binding stays server-side, so `%b` keeps working.
"""

from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.backends.utils import CursorWrapper
from psycopg.pq import Format


class PreparedCursor(ServerBindingCursor):
    """Server-side binding; every statement is prepared (psycopg keeps up to `prepared_max` per connection)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class HotDebugCursor(CursorDebugWrapper):
    """Records the statement as written: psycopg keeps no query text for a prepared execution, so Django's
    `last_executed_query` would log None."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params, use_last_executed_query=False):
            return CursorWrapper.execute(self, sql, params)


def hot_cursor():
    """A cursor for a hot fixed-shape statement: server-side binding, prepared unless turned off."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        pg = connection.connection
        if getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
            if pg.prepare_threshold is None:
                # Django turns psycopg's preparing off (None) for connection poolers; psycopg then ignores even
                # prepare=True. A threshold no query reaches keeps automatic preparing off (Django's own
                # client-side binding cursors never prepare anyway) while prepare=True works.
                pg.prepare_threshold = 2**31 - 1
            raw = PreparedCursor(pg)
        else:
            raw = ServerBindingCursor(pg)
        # As Django's create_cursor: the connection's timestamptz loader already carries the right zone unless
        # the connection was made for another; Django registers it per cursor in that case, and so do we.
        tzloader = pg.adapters.get_loader(1184, Format.TEXT)  # TIMESTAMPTZ_OID
        if connection.timezone != tzloader.timezone:
            register_tzloader(connection.timezone, raw)
        connection.validate_thread_sharing()
        return HotDebugCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)


def quoted_tables(*models) -> dict:
    """{model: its quoted table name}, for raw SQL that names several tables."""
    qn = connection.ops.quote_name
    return {m: qn(m._meta.db_table) for m in models}
