"""Migrations on large tables build their indexes concurrently.

A plain CREATE INDEX (AddIndex, a unique constraint, a new indexed or foreign-key column) holds a lock that blocks
every write to the table until the build ends: minutes of failed log-batch calls on a big metric history. So every
migration after the cutoff below that builds an index on a large table must use `AddIndexConcurrently` (or
`CREATE [UNIQUE] INDEX CONCURRENTLY` in RunSQL, then `ADD CONSTRAINT ... USING INDEX`) in a migration with
`atomic = False`. The check reads the SQL each migration would run (what `sqlmigrate` prints), so it sees indexes
made implicitly by a field or a constraint too. Older migrations are left as they are (see CUTOFF).
"""

import re

import pytest
from django.apps import apps
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader

# The latest migration of each app on 2026-12-02, when this rule started; every later one is checked. An app missing
# here (a new app) has all its migrations checked.
# Known blocking builds before the cutoff (the last test shows the check catches them): candidates/0002 recreates
# the metric history index with a plain CREATE INDEX, candidates/0004 adds its unique constraint (an index built
# under the table lock).
CUTOFF = {
    "candidates": "0004_metric_point_unique",
    "ci_integration": "0001_ci_server_and_build",
    "experiments": "0001_initial",
    "model_registry": "0002_version_package",
    "packages_registry": "0002_logged_model_metric",
    "projects": "0001_initial",
}
# Tables that grow with use (one row per run, point, file...): an index build on them must not block writes.
LARGE_MODELS = (
    "candidates.Candidate",
    "candidates.CandidateParam",
    "candidates.CandidateMetadata",
    "candidates.CandidateMetric",
    "candidates.CandidateLatestMetric",
    "candidates.CandidateMetricRollup",
    "candidates.CandidateInput",
    "packages_registry.Package",
    "packages_registry.PackageFile",
    "packages_registry.LoggedModel",
    "packages_registry.LoggedModelTag",
    "packages_registry.LoggedModelParam",
    "packages_registry.LoggedModelMetric",
    "packages_registry.LoggedModelOutput",
    "ci_integration.CiBuild",
    "traces.Trace",
    "traces.TraceTag",
    "traces.TraceMetadata",
)
OUR_APPS = (
    "candidates",
    "ci_integration",
    "experiments",
    "model_registry",
    "packages_registry",
    "projects",
    "traces",
)

_CREATE_INDEX = re.compile(
    r'CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?.*?\sON\s+"?(\w+)"?', re.I | re.S
)
_CREATE_TABLE = re.compile(r'CREATE\s+TABLE\s+"?(\w+)"?', re.I)
_ALTER_TABLE = re.compile(r'ALTER\s+TABLE\s+(?:ONLY\s+)?"?(\w+)"?', re.I)
_INDEXED_CONSTRAINT = re.compile(r"\b(UNIQUE|PRIMARY\s+KEY|EXCLUDE)\b(?!.*\bUSING\s+INDEX\b)", re.I | re.S)


def large_tables() -> set[str]:
    return {apps.get_model(label)._meta.db_table for label in LARGE_MODELS}


def migration_sql(migration, state) -> list[str]:
    """The statements `sqlmigrate` would print for this migration, from the project state before it."""
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        migration.apply(state.clone(), editor, collect_sql=True)
    return editor.collected_sql


def blocking_index_builds(migration, state, tables: set[str]) -> list[str]:
    """What in this migration builds an index on a large table while blocking writes (empty: nothing)."""
    problems = []
    statements = [" ".join(statement.split()) for statement in migration_sql(migration, state)]
    tables = tables - {table for sql in statements for table in _CREATE_TABLE.findall(sql)}  # new: empty
    for sql in statements:
        for concurrently, table in _CREATE_INDEX.findall(sql):
            if table not in tables:
                continue
            if not concurrently:
                problems.append(f"not concurrent: {sql}")
            elif migration.atomic:
                problems.append(f"concurrent index in an atomic migration (set atomic = False): {sql}")
        altered = _ALTER_TABLE.match(sql)
        if altered and altered.group(1) in tables and _INDEXED_CONSTRAINT.search(sql):
            problems.append(f"builds an index while it holds the table lock: {sql}")
    return problems


def checked_migrations(loader: MigrationLoader, cutoff: dict[str, str]) -> list[tuple[str, str]]:
    """Our apps' migrations after their cutoff, in the order they apply."""
    before = set()  # each cutoff and its ancestors in the same app (not the later ones other apps depend on)
    for app, name in cutoff.items():
        before.update(node for node in loader.graph.forwards_plan((app, name)) if node[0] == app)
    leaves = [node for node in loader.graph.leaf_nodes() if node[0] in OUR_APPS]
    plan = []
    for leaf in leaves:
        plan += [node for node in loader.graph.forwards_plan(leaf) if node not in plan]
    return [node for node in plan if node[0] in OUR_APPS and node not in before]


@pytest.fixture
def loader():
    return MigrationLoader(connection, ignore_no_migrations=True)


def blocking_migrations(loader, cutoff: dict[str, str]) -> dict[str, list[str]]:
    for app, name in cutoff.items():
        assert (app, name) in loader.graph.nodes, f"cutoff {app}.{name} is not a migration"
    tables, problems = large_tables(), {}
    for node in checked_migrations(loader, cutoff):
        found = blocking_index_builds(
            loader.graph.nodes[node], loader.project_state(node, at_end=False), tables
        )
        if found:
            problems[".".join(node)] = found
    return problems


@pytest.mark.django_db(transaction=True)  # AddIndexConcurrently refuses to run inside a transaction
def test_every_migration_after_the_cutoff_builds_large_table_indexes_concurrently(loader):
    problems = blocking_migrations(loader, CUTOFF)
    assert problems == {}, (
        "use AddIndexConcurrently in a migration with atomic = False (README, Development):\n"
        + "\n".join(f"{node}: {p}" for node, found in problems.items() for p in found)
    )


def _probe(loader, operations, *, atomic=True):
    """A migration that would come next in `candidates`, with these operations, and the state it applies to."""
    leaf = next(node for node in loader.graph.leaf_nodes() if node[0] == "candidates")
    migration = type("Migration", (migrations.Migration,), {"atomic": atomic, "operations": operations})(
        "9999_probe", "candidates"
    )
    return migration, loader.project_state(leaf)


def _index():
    return models.Index(fields=["name", "timestamp"], name="candidate_metric_probe")


@pytest.mark.django_db(transaction=True)  # AddIndexConcurrently refuses to run inside a transaction
def test_the_check_catches_blocking_index_builds_on_large_tables(loader):
    tables = large_tables()
    blocking = [
        [migrations.AddIndex(model_name="candidatemetric", index=_index())],
        [
            migrations.AddConstraint(
                model_name="candidateparam",
                constraint=models.UniqueConstraint(
                    fields=["candidate", "value"], name="candidate_param_probe"
                ),
            )
        ],
        [
            migrations.AddField(
                model_name="candidatemetric", name="probe", field=models.IntegerField(db_index=True)
            )
        ],
        [
            migrations.AddField(
                model_name="candidate",
                name="probe",
                field=models.CharField(max_length=10, null=True, unique=True),
            )
        ],
        [
            migrations.AddField(
                model_name="candidatemetadata",
                name="probe",
                field=models.ForeignKey("projects.Project", null=True, on_delete=models.CASCADE),
            )
        ],
        [migrations.RunSQL('CREATE INDEX candidate_probe ON "candidates_candidate" (name)')],
    ]
    for operations in blocking:
        migration, state = _probe(loader, operations)
        assert blocking_index_builds(migration, state, tables), operations

    concurrent = [AddIndexConcurrently(model_name="candidatemetric", index=_index())]
    migration, state = _probe(loader, concurrent, atomic=False)
    assert blocking_index_builds(migration, state, tables) == []
    migration, state = _probe(loader, concurrent, atomic=True)
    assert blocking_index_builds(migration, state, tables) == [
        "concurrent index in an atomic migration (set atomic = False): "
        'CREATE INDEX CONCURRENTLY "candidate_metric_probe" ON "candidates_candidatemetric" ("name", "timestamp");'
    ]
    # A column without an index, or an index on a small table, is fine.
    plain_column = [
        migrations.AddField(model_name="candidate", name="probe", field=models.IntegerField(null=True))
    ]
    migration, state = _probe(loader, plain_column)
    assert blocking_index_builds(migration, state, tables) == []
    assert blocking_index_builds(migration, state, {"projects_project"}) == []


@pytest.mark.django_db(transaction=True)
def test_the_check_would_have_caught_the_blocking_migrations_before_the_cutoff(loader):
    earlier = {**CUTOFF, "candidates": "0001_initial", "packages_registry": "0001_initial"}
    problems = blocking_migrations(loader, earlier)
    # packages_registry/0002 indexes only the table it creates: nothing to block.
    assert sorted(problems) == [
        "candidates.0002_metric_history_covering",
        "candidates.0004_metric_point_unique",
    ]
    (covering,) = problems["candidates.0002_metric_history_covering"]
    assert covering.startswith(
        'not concurrent: CREATE INDEX "candidate_metric_history" ON "candidates_candidatemetric"'
    )
    assert problems["candidates.0004_metric_point_unique"] == [
        'builds an index while it holds the table lock: ALTER TABLE "candidates_candidatemetric" ADD CONSTRAINT '
        '"candidate_metric_point" UNIQUE ("candidate_id", "name", "step", "timestamp", "value");'
    ]
