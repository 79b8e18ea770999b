"""Roles as groups with their model permissions, and deadline policy v1 with SPEC §4 defaults."""
import datetime

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    # Business rules are enforced by cases.permissions inside the services; these model
    # permissions govern what each role may open in the Django admin.
    "intake_clerk": {"view": ["complaint", "department", "calendarday"]},
    "investigator": {"view": ["complaint", "department"]},
    "department_head": {"view": ["complaint", "department", "departmentmembership"]},
    "senior_manager": {"view": ["complaint", "department", "deadlinepolicy", "stagerule"]},
    "supervisor": {
        "view": ["complaint", "department", "departmentmembership", "deadlinepolicy", "stagerule",
                 "calendarday", "calendaryear", "caseevent", "accesslog",
                 "policyvolume", "target", "kpisnapshot", "followupvisit"],
        "add": ["target", "policyvolume", "kpisnapshot"],
        "change": ["target", "policyvolume"],
    },
    "administrator": "all",
}

STAGE_DEFAULTS = {
    "simple": {"acknowledge": 1, "dispatch": 1, "form_team": 2, "report": 6, "plan": 8, "approval": 9, "decision": 10},
    "complex": {"acknowledge": 1, "dispatch": 1, "form_team": 2, "report": 12, "plan": 16, "approval": 18, "decision": 20},
}


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    portal_apps = ["cases", "assessment", "auth", "authtoken", "axes"]
    for role, spec in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        if spec == "all":
            perms = Permission.objects.filter(content_type__app_label__in=portal_apps)
        else:
            codenames = [f"{action}_{model}" for action, models in spec.items() for model in models]
            perms = Permission.objects.filter(
                content_type__app_label__in=["cases", "assessment"], codename__in=codenames
            )
        group.permissions.set(perms)

    DeadlinePolicy = apps.get_model("cases", "DeadlinePolicy")
    StageRule = apps.get_model("cases", "StageRule")
    policy, created = DeadlinePolicy.objects.get_or_create(
        version=1,
        defaults={"name": "Default (SPEC §4)", "effective_from": datetime.date(2000, 1, 1)},
    )
    if created:
        rules = []
        for tier, stages in STAGE_DEFAULTS.items():
            for stage, days in stages.items():
                rules.append(StageRule(policy=policy, tier=tier, stage=stage, working_days=days))
        # The especially complex tier keeps the complex stage targets; only its cap moves.
        for stage, days in STAGE_DEFAULTS["complex"].items():
            rules.append(StageRule(policy=policy, tier="special", stage=stage, working_days=days))
        StageRule.objects.bulk_create(rules)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLE_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("assessment", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("authtoken", "0003_tokenproxy"),
        ("axes", "0010_accessattemptexpiration"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
