"""The built-in notice templates (cases.notices.placeholders), stored so that the administrator
edits them in the admin (with history from here on)."""
from django.db import migrations


def seed(apps, schema_editor):
    from cases.notices.placeholders import DEFAULTS

    NoticeTemplate = apps.get_model("cases", "NoticeTemplate")
    for language, texts in DEFAULTS.items():
        for kind, (title, body) in texts.items():
            NoticeTemplate.objects.get_or_create(kind=str(kind), language=language, defaults={"title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [("cases", "0028_notices_and_proof_of_notice")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
