"""Indexes for the experiment pages' candidate counts (capped, pages/experiment_selectors.py): running candidates
of an experiment (partial), and its last activity (updated_at). Built concurrently: the candidates table is large
(tests/test_migrations.py)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("candidates", "0007_candidate_eid_help_text"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="candidate",
            index=models.Index(
                fields=["experiment", "lifecycle"], condition=Q(status="RUNNING"), name="candidate_exp_running"
            ),
        ),
        AddIndexConcurrently(
            model_name="candidate",
            index=models.Index(fields=["experiment", "lifecycle", "-updated_at"], name="candidate_exp_life_updated"),
        ),
    ]
