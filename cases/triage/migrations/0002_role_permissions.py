"""The admin's triage pages: the supervisor reads the model versions and the suggestions (the
live acceptance rate is on the versions' list); the administrator role gets every permission of
the app, as it has of the others (cases 0002)."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view_triagemodel", "view_triagesuggestion"]


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("triage")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    supervisor, _ = Group.objects.get_or_create(name="supervisor")
    supervisor.permissions.add(*Permission.objects.filter(content_type__app_label="triage", codename__in=VIEW))
    administrator, _ = Group.objects.get_or_create(name="administrator")
    administrator.permissions.add(*Permission.objects.filter(content_type__app_label="triage"))


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="triage").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0001_initial"),
        ("cases", "0002_roles_and_default_policy"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
