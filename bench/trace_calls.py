"""`@mlflow.trace` side by side (issue 12 item 7): a traced function called 3 times with the real 3.x client and its
default retry settings, against any tracking URI. Prints how long the calls took, how long the trace export
took to finish, mlflow's WARNING/ERROR log lines, and how many traces the server holds afterwards.

    MLFLOW_TRACKING_TOKEN=... .venv/bin/python bench/trace_calls.py <tracking uri>
"""

import json
import logging
import sys
import time

import mlflow


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(f"{record.levelname} {record.name}: {record.getMessage()[:160]}")


def main() -> None:
    uri = sys.argv[1]
    records = Records()
    logging.getLogger("mlflow").addHandler(records)
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(f"traced-{int(time.time())}")

    @mlflow.trace
    def add(a, b):
        return a + b

    started = time.monotonic()
    results = [add(i, 1) for i in range(3)]
    returned = time.monotonic() - started
    mlflow.flush_trace_async_logging()
    exported = time.monotonic() - started
    try:
        stored = len(mlflow.search_traces(return_type="list"))
    except Exception as exc:  # noqa: BLE001 - a server without traces answers an error
        stored = f"error: {str(exc)[:80]}"
    print(
        json.dumps(
            {
                "uri": uri,
                "results": results,
                "calls_s": round(returned, 3),
                "export_done_s": round(exported, 3),
                "warnings": len(records.lines),
                "log": records.lines,
                "traces_stored": stored,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
