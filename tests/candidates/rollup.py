"""What CandidateMetricRollup must hold for a candidate, recomputed in Python from its history."""

import math

from candidates.models import ROLLUP_SHIFTS, CandidateMetric, CandidateMetricRollup


def pg_order(value: float) -> tuple:
    """PostgreSQL's float8 order: NaN above +inf (Python's min/max give no order to NaN)."""
    return (math.isnan(value), 0.0 if math.isnan(value) else value)


def comparable(value):
    return "NaN" if isinstance(value, float) and math.isnan(value) else value


def expected_rollup(candidate_id: int) -> dict:
    blocks: dict[tuple, list] = {}
    points = CandidateMetric.objects.filter(candidate_id=candidate_id).values_list(
        "name", "value", "step", "timestamp"
    )
    for name, value, step, ts in points:
        for shift in ROLLUP_SHIFTS:
            blocks.setdefault((name, shift, step >> shift), []).append((value, step, ts))
    out = {}
    for key, rows in blocks.items():
        values = [r[0] for r in rows]
        steps, stamps = [r[1] for r in rows], [r[2] for r in rows]
        out[key] = (
            comparable(min(values, key=pg_order)),
            comparable(max(values, key=pg_order)),
            min(steps),
            max(steps),
            min(stamps),
            max(stamps),
            len(rows),
        )
    return out


def stored_rollup(candidate_id: int) -> dict:
    rows = CandidateMetricRollup.objects.filter(candidate_id=candidate_id).values_list(
        "name", "shift", "block", "vmin", "vmax", "smin", "smax", "tmin", "tmax", "n"
    )
    return {
        (name, shift, block): (comparable(vmin), comparable(vmax), smin, smax, tmin, tmax, n)
        for name, shift, block, vmin, vmax, smin, smax, tmin, tmax, n in rows
    }
