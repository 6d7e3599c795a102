"""Indexes for the candidates table: sort by a tag (name, left(value, 200)) and a parent's children (partial on
mlflow.parentRunId). Built concurrently: candidate metadata is a large table (tests/test_migrations.py)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models import F, Q
from django.db.models.functions import Left


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("candidates", "0005_candidate_table_prefs"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="candidatemetadata",
            index=models.Index(F("name"), Left("value", 200), F("candidate"), name="candidate_metadata_name_value"),
        ),
        AddIndexConcurrently(
            model_name="candidatemetadata",
            index=models.Index(
                Left("value", 64), name="candidate_metadata_parent", condition=Q(name="mlflow.parentRunId")
            ),
        ),
    ]
