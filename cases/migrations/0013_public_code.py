"""The customer's status look-up code: a random code per case (cases.fields.new_public_code).

Existing cases get one each: on PostgreSQL in SQL (a 12-hex-digit code from md5 of a random
value and the row id; hex digits are part of the code alphabet), redrawn until unique; on
other databases row by row."""
from django.db import migrations, models

import cases.fields


def fill(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_complaint SET public_code = upper(substr(md5(random()::text || id::text), 1, 12))"
            )
            while True:
                cursor.execute(
                    "UPDATE cases_complaint SET public_code = upper(substr(md5(random()::text || id::text), 1, 12)) "
                    "WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY public_code ORDER BY id) n "
                    "FROM cases_complaint) d WHERE n > 1)"
                )
                if cursor.rowcount == 0:
                    break
        return
    Complaint = apps.get_model("cases", "Complaint")
    used = set()
    for pk in Complaint.objects.values_list("pk", flat=True).iterator():
        code = cases.fields.new_public_code()
        while code in used:
            code = cases.fields.new_public_code()
        used.add(code)
        Complaint.objects.filter(pk=pk).update(public_code=code)


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_team_member_ended")]

    operations = [
        migrations.AddField(
            model_name="complaint", name="public_code",
            field=models.CharField(blank=True, editable=False, max_length=12, null=True,
                                   verbose_name="status look-up code"),
        ),
        migrations.AddField(
            model_name="historicalcomplaint", name="public_code",
            field=models.CharField(blank=True, editable=False, max_length=12, null=True,
                                   verbose_name="status look-up code"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="complaint", name="public_code",
            field=models.CharField(blank=True, default=cases.fields.new_public_code, editable=False, max_length=12,
                                   null=True, unique=True, verbose_name="status look-up code"),
        ),
        migrations.AlterField(
            model_name="historicalcomplaint", name="public_code",
            field=models.CharField(blank=True, default=cases.fields.new_public_code, editable=False,
                                   max_length=12, null=True, verbose_name="status look-up code"),
        ),
    ]
