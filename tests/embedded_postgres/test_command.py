"""manage.py embedded_postgres {start,stop,status,uri}: what operators and scripts/serve run."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def run(*args) -> str:
    out = StringIO()
    call_command("embedded_postgres", *args, stdout=out)
    return out.getvalue().strip()


def test_start_reports_who_started_it_and_stop_stops_it(settings, data_dir):
    settings.DATA_DIR = data_dir
    with pytest.raises(CommandError, match="not running"):
        run("status")

    assert run("start") == "started"
    assert run("start") == "running"
    assert run("status").startswith("running (pid ")
    assert run("uri") == f"postgresql://assay@/assay?host={data_dir.resolve()}/postgres&port=5432"

    assert run("stop") == "stopped"
    assert run("stop") == "not running"
    with pytest.raises(CommandError, match="not running"):
        run("uri")
