"""Metric histories for charts: downsampled in SQL, plus full-resolution streams for download.

A series spanning at most `max_points` steps is sent as it is. A longer one is cut into `max_points // 2` step
buckets and each bucket is sent as its minimum and maximum (an M4-style envelope without the first/last pair):
the line keeps every spike a pixel column can show, and the database does the work (one range scan of the
covering history index per bucket, see `_BUCKETS_SQL`), so a 1,000,000-point history never passes through Python
row by row.

A long series reads its buckets from the rollup instead (CandidateMetricRollup: min/max per block of 2**shift
steps, kept on write), which reads 2**shift times fewer rows: its buckets are then whole blocks of the coarsest
level that still gives each bucket at least MIN_BLOCKS_PER_BUCKET blocks, MIN_FINEST_BLOCKS_PER_BUCKET at the
finest level (bucket edges move by less than a block: a quarter of a bucket at most, half at the finest level;
every point still lands in a bucket, so every spike is kept). Only a series
whose blocks cover its first and last step takes that path; one logged before the rollup existed (or written
around the services) is read exactly, as before.

Every function takes candidate ids that the caller already resolved through the project the user may see.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    OuterRef,
    Q,
    Subquery,
)

from ..models import ROLLUP_SHIFTS, CandidateLatestMetric, CandidateMetric, CandidateMetricRollup

DEFAULT_MAX_POINTS = 1000
# Charts overlay up to a hundred candidates x every metric: the points per series shrink as series grow, so one
# answer stays near this many points (about 4 MB of JSON) whatever the number of traces.
TOTAL_POINTS = 200_000
MIN_POINTS = 40
# A bucket read from the rollup spans at least this many blocks (so its edges move by at most 1/4 of its width);
# below that the series is read exactly. 4 rather than 8: with levels a factor 8 apart, 4 halves the most rows
# a series can read between two levels. The finest level takes buckets of 2 blocks already (edges move by at most
# half a bucket, about a pixel at 500 buckets): at 4, 100 traces of 63k points were read exactly, 6.3M points,
# 1.3 s (docs/bench.md, "Long histories").
MIN_BLOCKS_PER_BUCKET = 4
MIN_FINEST_BLOCKS_PER_BUCKET = 2


@dataclass
class Series:
    candidate_id: int
    name: str
    total: int
    x: list[float] = field(default_factory=list)
    y: list[float | None] = field(default_factory=list)
    t: list[float] = field(default_factory=list)  # wall time (ms) of each point, for time axes

    @property
    def downsampled(self) -> bool:
        return len(self.x) < self.total

    @property
    def single(self) -> bool:
        """Logged once or at one step only (a final score): charts show it as a value, not as a line."""
        return self.total <= 1

    def as_dict(self) -> dict:
        return {
            "candidate_id": self.candidate_id,
            "metric": self.name,
            "total": self.total,
            "downsampled": self.downsampled,
            "single": self.single,
            "x": self.x,
            "y": self.y,
            "t": self.t,
        }


def finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN/Infinity: browsers' JSON.parse rejects them, so they travel as null (a gap in the line)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def metric_series(
    *,
    candidate_ids: Iterable[int],
    names: Iterable[str] | None = None,
    max_points: int = DEFAULT_MAX_POINTS,
    total_points: int | None = None,
) -> list[Series]:
    """One downsampled series per (candidate, metric name): 3 queries at most, whatever the history length.

    With `total_points`, each series gets at most `total_points // number of series` points (never fewer than
    MIN_POINTS), so a hundred overlaid candidates answer about as many points as ten."""
    ids = list(candidate_ids)
    if not ids:
        return []
    if names is not None:
        names = list(names)
        if not names:
            return []
    stats = _series_stats(ids, names)
    series = {(s["candidate_id"], s["name"]): Series(s["candidate_id"], s["name"], s["n"]) for s in stats}
    if total_points and stats:
        max_points = min(max_points, max(MIN_POINTS, total_points // len(stats)))
    small = [s for s in stats if s["n"] <= max_points]
    large = [s for s in stats if s["n"] > max_points]
    if small:
        if large:
            wanted = Q()
            for s in small:
                wanted |= Q(candidate_id=s["candidate_id"], name=s["name"])
        else:  # every (candidate, name) pair is short: two IN lists read the same rows with a simpler plan
            wanted = Q(
                candidate_id__in={s["candidate_id"] for s in small}, name__in={s["name"] for s in small}
            )
        rows = (
            CandidateMetric.objects.filter(wanted)
            .order_by("candidate_id", "name", "step", "timestamp")
            .values_list("candidate_id", "name", "step", "value", "timestamp")
        )
        for cid, name, step, value, ts in rows:
            one = series.get((cid, name))
            if one is None:  # a history without a latest value (not written by our services): not sized, skip
                continue
            one.x.append(step)
            one.y.append(finite_or_none(value))
            one.t.append(ts)
    if large:
        _fill_buckets(series, large, max(2, max_points // 2))
    return sorted(series.values(), key=lambda s: (s.name, ids.index(s.candidate_id)))


def _series_stats(ids: list[int], names: list[str] | None) -> list[dict]:
    """Per (candidate, metric): first and last step, and the step span as the size estimate.

    The last step is the latest metric's (MLflow's rule puts the highest step there) and the first step is one
    index probe, so sizing a 1,000,000-point history does not scan it (a COUNT would read every index entry).
    A history with several points per step is rare; it is still drawn whole, only sized by its span.
    """
    latest = CandidateLatestMetric.objects.filter(candidate_id__in=ids)
    if names is not None:
        latest = latest.filter(name__in=names)
    first = CandidateMetric.objects.filter(candidate_id=OuterRef("candidate_id"), name=OuterRef("name"))
    blocks = CandidateMetricRollup.objects.filter(
        candidate_id=OuterRef("candidate_id"), name=OuterRef("name"), shift=ROLLUP_SHIFTS[0]
    )
    rows = latest.annotate(
        lo=Subquery(first.order_by("step").values("step")[:1]),
        # The rollup's first and last step (two index probes): equal to the series' own when it covers them.
        rollup_lo=Subquery(blocks.order_by("block").values("smin")[:1]),
        rollup_hi=Subquery(blocks.order_by("-block").values("smax")[:1]),
    ).values("candidate_id", "name", "lo", "step", "rollup_lo", "rollup_hi")
    out = []
    for row in rows:
        if row["lo"] is None:
            continue
        covered = (row.pop("rollup_lo"), row.pop("rollup_hi")) == (row["lo"], row["step"])
        out.append({**row, "hi": row["step"], "n": row["step"] - row["lo"] + 1, "covered": covered})
    return out


def rollup_shift(stat: dict, buckets: int) -> int | None:
    """The rollup level a series' buckets are read from (None: read it exactly): the coarsest that gives every
    bucket MIN_BLOCKS_PER_BUCKET blocks, if the series' blocks cover it. Steps are any int64; Python's integers
    and >> (floor division) match PostgreSQL's."""
    if not stat["covered"]:
        return None
    for shift in reversed(ROLLUP_SHIFTS):
        least = MIN_FINEST_BLOCKS_PER_BUCKET if shift == ROLLUP_SHIFTS[0] else MIN_BLOCKS_PER_BUCKET
        if (stat["hi"] >> shift) - (stat["lo"] >> shift) + 1 >= least * buckets:
            return shift
    return None


def _fill_buckets(series: dict, large: list[dict], buckets: int) -> None:
    rows = bucket_rows(large, buckets)
    for cid, name, _, vmin, vmax, smin, smax, tmin, tmax, n in rows:
        one = series[(cid, name)]
        if n == 1 or vmin == vmax:
            one.x.append(smin)
            one.y.append(finite_or_none(vmin))
            one.t.append(tmin)
            continue
        # Both extremes at the bucket's middle step: a vertical stroke, honest about what a pixel holds.
        mid, tmid = (smin + smax) / 2, (tmin + tmax) / 2
        one.x += [mid, mid]
        one.y += [finite_or_none(vmin), finite_or_none(vmax)]
        one.t += [tmid, tmid]


# Bucket b of a series covers steps [lo + b*span/B, lo + (b+1)*span/B - 1] (integer division). Each bucket is
# one range scan of the covering (candidate, name, step) INCLUDE (value, timestamp) index feeding a plain
# aggregate: no hash table or sort over a million rows, which made a GROUP BY on the bucket number about three
# times slower. The bounds are worked out in numeric, since any int64 step is accepted and a span from -1 to
# 2**63-1 overflows bigint (span and b*span do), then cast back: both lie in [lo, hi], so they fit, and a
# bigint bound keeps the index range scan.
_BUCKETS_SQL = """
SELECT s.candidate_id, s.name, b.b, a.vmin, a.vmax, a.smin, a.smax, a.tmin, a.tmax, a.n
FROM (VALUES {values}) AS s(candidate_id, name, lo, span)
CROSS JOIN generate_series(0, %s - 1) AS b(b)
CROSS JOIN LATERAL (
    SELECT min(m.value) AS vmin, max(m.value) AS vmax, min(m.step) AS smin, max(m.step) AS smax,
           min(m.timestamp) AS tmin, max(m.timestamp) AS tmax, count(*) AS n
    FROM {table} m
    WHERE m.candidate_id = s.candidate_id AND m.name = s.name
      AND m.step >= (s.lo + div(b.b * s.span, %s))::bigint
      AND m.step <= (s.lo + div((b.b + 1) * s.span, %s) - 1)::bigint
) AS a
WHERE a.n > 0
"""
# The same over rollup blocks: bucket b covers blocks [lo + b*span/B, lo + (b+1)*span/B - 1] of one level, where
# lo is the series' first block and span its number of blocks (at least MIN_BLOCKS_PER_BUCKET * B). min/max of
# the blocks' min/max are the min/max of their points, NaN included (float8's order is the same in both).
_ROLLUP_BUCKETS_SQL = """
SELECT s.candidate_id, s.name, b.b, a.vmin, a.vmax, a.smin, a.smax, a.tmin, a.tmax, a.n
FROM (VALUES {values}) AS s(candidate_id, name, shift, lo, span)
CROSS JOIN generate_series(0, %s - 1) AS b(b)
CROSS JOIN LATERAL (
    SELECT min(r.vmin) AS vmin, max(r.vmax) AS vmax, min(r.smin) AS smin, max(r.smax) AS smax,
           min(r.tmin) AS tmin, max(r.tmax) AS tmax, sum(r.n)::bigint AS n
    FROM {table} r
    WHERE r.candidate_id = s.candidate_id AND r.name = s.name AND r.shift = s.shift
      AND r.block >= (s.lo + div(b.b * s.span, %s))::bigint
      AND r.block <= (s.lo + div((b.b + 1) * s.span, %s) - 1)::bigint
) AS a
WHERE a.n > 0
"""


def bucket_rows(large: list[dict], buckets: int) -> list[tuple]:
    """(candidate_id, name, bucket, vmin, vmax, smin, smax, tmin, tmax, n) per non-empty bucket of each series,
    in series then bucket order: one query, exact series and rollup series side by side (UNION ALL)."""
    parts, params = [], []
    exact, rolled = [], []
    for s in large:
        shift = rollup_shift(s, buckets)
        if shift is None:
            exact.append(s)
        else:
            rolled.append((s, shift))
    if exact:
        values = ", ".join(["(%s::bigint, %s::text, %s::numeric, %s::numeric)"] * len(exact))
        parts.append(_BUCKETS_SQL.format(values=values, table=CandidateMetric._meta.db_table))
        for s in exact:
            params += [s["candidate_id"], s["name"], s["lo"], s["hi"] - s["lo"] + 1]
        params += [buckets, buckets, buckets]
    if rolled:
        values = ", ".join(["(%s::bigint, %s::text, %s::smallint, %s::numeric, %s::numeric)"] * len(rolled))
        parts.append(_ROLLUP_BUCKETS_SQL.format(values=values, table=CandidateMetricRollup._meta.db_table))
        for s, shift in rolled:
            lo = s["lo"] >> shift
            params += [s["candidate_id"], s["name"], shift, lo, (s["hi"] >> shift) - lo + 1]
        params += [buckets, buckets, buckets]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 2, 3", params)
        return cursor.fetchall()


def metric_history_rows(*, candidate_id: int, name: str) -> Iterator[tuple[int, float, int]]:
    """Every (step, value, timestamp) of one metric in step order, streamed from a server-side cursor."""
    return (
        CandidateMetric.objects.filter(candidate_id=candidate_id, name=name)
        .order_by("step", "timestamp")
        .values_list("step", "value", "timestamp")
        .iterator(chunk_size=5000)
    )
