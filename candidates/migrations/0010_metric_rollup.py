"""Rollup of metric histories (min/max per block of steps, four levels), kept on write: long histories chart from
it (candidates/metrics/charts.py). A new table: its unique index is built with it, nothing blocks the history."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('candidates', '0009_param_sort_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='CandidateMetricRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=250)),
                ('shift', models.PositiveSmallIntegerField(help_text='block size is 2**shift steps')),
                ('block', models.BigIntegerField(help_text='step >> shift')),
                ('vmin', models.FloatField()),
                ('vmax', models.FloatField()),
                ('smin', models.BigIntegerField()),
                ('smax', models.BigIntegerField()),
                ('tmin', models.BigIntegerField()),
                ('tmax', models.BigIntegerField()),
                ('n', models.BigIntegerField()),
                ('candidate', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='candidates.candidate')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('candidate', 'name', 'shift', 'block'), include=('vmin', 'vmax', 'smin', 'smax', 'tmin', 'tmax', 'n'), name='candidate_metric_rollup_block')],
            },
        ),
    ]
