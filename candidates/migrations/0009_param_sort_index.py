"""The candidates table's sort by a param walks an index on (name, left(value, 200), candidate), as the sort by a
tag does (0006); it replaces the index on name alone, which its leading column serves. Built concurrently: the
params table is large (tests/test_migrations.py)."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Left


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("candidates", "0008_experiment_count_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="candidateparam",
            index=models.Index(F("name"), Left("value", 200), F("candidate"), name="candidate_param_name_value"),
        ),
        RemoveIndexConcurrently(model_name="candidateparam", name="candidate_param_name"),
    ]
