import django.db.models.deletion
from django.db import migrations, models

# The case's index of the timeline is event_case_at (case, at); the foreign key's own index on
# the case alone served no query and slowed every event's insert. Only the index is dropped:
# Django's AlterField would also drop and re-add the foreign key, checking every row again.
INDEX = "cases_caseevent_case_id_6c6031ac"


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0031_group_and_major_complaints"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="caseevent",
                    name="case",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="events", to="cases.complaint"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "cases_caseevent" ("case_id")',
                ),
            ],
        ),
    ]
