"""Metric history reads: the history as text (paged or streamed) and the bulk-interval sample of many candidates.
Bounded queries over the covering history index; only candidate models and projects below.
"""

from collections.abc import Iterator, Sequence

from django.db import connection

from projects.db import hot_cursor

from ..models import Candidate, CandidateMetric


def candidate_metric_history_text_items(
    *,
    candidate: Candidate,
    name: str,
    item_sql: str,
    item_params: Sequence = (),
    max_results: int | None = None,
    offset: int = 0,
) -> tuple[str, int | None]:
    """The history (or one page of it), each point rendered by the SQL expression `item_sql` (over the columns
    value, timestamp, step; its own parameters `item_params`) and joined by commas, in the history's order
    (timestamp, step, value), and the next offset or None.

    100k+ points without a Python object per point: one string_agg over the covering history index. mlflow_api
    passes its JSON metric expression (serializers_sql.metric_json_sql).
    """
    qn = connection.ops.quote_name
    value, timestamp = qn("value"), qn("timestamp")
    page = " LIMIT %s OFFSET %s" if max_results is not None else " OFFSET %s"
    sql = (
        f"SELECT string_agg({item_sql}, ','"
        " ORDER BY n) FILTER (WHERE n <= %s), count(*)"
        # Sorting the numbers first (not the built strings) keeps the sort small.
        f" FROM (SELECT {value}, {timestamp}, step, row_number() OVER (ORDER BY {timestamp}, step, {value}) AS n"
        f" FROM {qn(CandidateMetric._meta.db_table)} WHERE candidate_id = %s AND name = %s"
        f" ORDER BY {timestamp}, step, {value}{page}) AS history"
    )
    # One extra row tells whether another page follows.
    params = [max_results + 1, offset] if max_results is not None else [offset]
    last = offset + max_results if max_results is not None else 2**62
    with hot_cursor() as cursor:
        cursor.execute(sql, [*item_params, last, candidate.pk, name, *params])
        items, count = cursor.fetchone()
    more = max_results is not None and count > max_results
    return items or "", (offset + max_results if more else None)


HISTORY_STREAM_CHUNK = 20_000


def candidate_metric_history_text_stream(
    *, candidate: Candidate, name: str, item_sql: str, item_params: Sequence = ()
) -> Iterator[str]:
    """The whole history as chunks of points rendered by `item_sql` (as candidate_metric_history_text_items),
    joined by commas, read through a server-side cursor: one sort, and at most HISTORY_STREAM_CHUNK points in
    this process at a time, however long the history (one string_agg of 10M+ points would pass PostgreSQL's
    1 GB value limit)."""
    qn = connection.ops.quote_name
    value, timestamp = qn("value"), qn("timestamp")
    sql = (
        f"SELECT {item_sql} FROM {qn(CandidateMetric._meta.db_table)}"
        f" WHERE candidate_id = %s AND name = %s ORDER BY {timestamp}, step, {value}"
    )
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [*item_params, candidate.pk, name])
        while rows := cursor.fetchmany(HISTORY_STREAM_CHUNK):
            yield ",".join(row[0] for row in rows)


def candidate_metric_history_sampled(
    *,
    candidate_ids: Sequence[int],
    name: str,
    max_results: int,
    start_step: int | None = None,
    end_step: int | None = None,
) -> dict[int, list[tuple[float, int, int]]]:
    """{candidate id: [(value, timestamp, step)]}: up to max_results points per candidate, sampled as MLflow's
    SQL store does for get-history-bulk-interval (its charts): NTILE(max_results) buckets over (step, timestamp,
    value), the first point of each bucket, and the last point always kept (replacing the final sample when the
    page is full). One query for all candidates; only the sampled rows leave the database.
    """
    out: dict[int, list[tuple[float, int, int]]] = {pk: [] for pk in candidate_ids}
    if not out:
        return out
    qn = connection.ops.quote_name
    value, timestamp = qn("value"), qn("timestamp")
    order = f"step, {timestamp}, {value}"
    ids = ", ".join(["%s"] * len(out))
    step_range = " AND step >= %s AND step <= %s" if start_step is not None and end_step is not None else ""
    sql = (
        f"SELECT candidate_id, id, {value}, {timestamp}, step, rn, last_rn FROM ("
        f" SELECT candidate_id, id, {value}, {timestamp}, step,"
        f" row_number() OVER (PARTITION BY candidate_id, bucket ORDER BY {order}) AS rn,"
        f" row_number() OVER (PARTITION BY candidate_id ORDER BY step DESC, {timestamp} DESC, {value} DESC)"
        " AS last_rn FROM ("
        f" SELECT candidate_id, id, {value}, {timestamp}, step,"
        f" ntile(%s) OVER (PARTITION BY candidate_id ORDER BY {order}) AS bucket"
        f" FROM {qn(CandidateMetric._meta.db_table)} WHERE candidate_id IN ({ids}) AND name = %s{step_range}"
        ") AS bucketed) AS ranked WHERE rn = 1 OR last_rn = 1"
        f" ORDER BY candidate_id, {order}"
    )
    params = [max_results, *out, name]
    if step_range:
        params += [start_step, end_step]
    last: dict[int, tuple] = {}
    rows: dict[int, list[tuple]] = {pk: [] for pk in out}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for candidate_id, pk, val, ts, step, rn, last_rn in cursor.fetchall():
            if rn == 1:
                rows[candidate_id].append((pk, val, ts, step))
            if last_rn == 1:
                last[candidate_id] = (pk, val, ts, step)
    for candidate_id, point in last.items():
        sampled = rows[candidate_id]
        if not sampled or sampled[-1][0] != point[0]:  # compared by row id (NaN != NaN)
            if len(sampled) >= max_results:
                sampled[-1] = point
            else:
                sampled.append(point)
    for candidate_id, sampled in rows.items():
        out[candidate_id] = [(val, ts, step) for _pk, val, ts, step in sampled]
    return out
