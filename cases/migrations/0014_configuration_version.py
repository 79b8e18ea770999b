"""The deadline configuration's version row replaces the statement triggers of 0006: the
signals of the configuration models give it a new token in the transaction of each change
(cases.deadlines.configuration), so no table keeps a trigger of its own."""
import uuid
from importlib import import_module

from django.db import migrations, models

# 0006's triggers, function and change table: undone here, made again when going back.
TRIGGERS = import_module("cases.migrations.0006_deadline_inputs_changes")


def first_version(apps, schema_editor):
    apps.get_model("cases", "ConfigurationVersion").objects.create(id=1, token=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0013_public_code'),
    ]

    operations = [
        migrations.CreateModel(
            name='ConfigurationVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.UUIDField()),
            ],
            options={
                'verbose_name': 'deadline configuration version',
            },
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
        migrations.RunPython(TRIGGERS.backward, TRIGGERS.forward),
    ]
