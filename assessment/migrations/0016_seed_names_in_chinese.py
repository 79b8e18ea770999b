"""The names the first migrations seeded, as users call them: the default bonus rule set and
its tiers, the training topics and the spot-check checklist were seeded with specification
words in English ("SPEC §6 default", "Bonus +10%", "Record complete"). A name an administrator
has since changed is left as it is. Each renamed row gets its history entry ("~", with the
reason), as every write to an audited model does."""
from django.db import migrations
from django.utils import timezone

RULE_SET = {"SPEC §6 default": "默认奖惩规则"}
TIERS = {"Bonus +10%": "奖励 +10%", "Malus -10%": "扣减 -10%"}
TOPICS = {"Product terms": "产品条款", "Communication skills": "沟通技巧", "Compliance selling": "合规销售",
          "Process": "业务流程"}
CHECKLIST = {"Record complete": "记录完整", "Investigation truthful": "调查属实", "Handling fair": "处理公正",
             "Feedback timely": "反馈及时"}


def _rename(apps, name, field, names, reverse=False):
    model = apps.get_model("assessment", name)
    try:
        history = apps.get_model("assessment", f"Historical{name}")
    except LookupError:
        history = None
    for old, new in names.items():
        if reverse:
            old, new = new, old
        for obj in model.objects.filter(**{field: old}):
            setattr(obj, field, new)
            obj.save(update_fields=[field])
            if history is not None:
                values = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
                history.objects.create(**values, history_date=timezone.now(), history_type="~",
                                       history_change_reason="Seeded name as users call it")


def forwards(apps, schema_editor, reverse=False):
    _rename(apps, "BonusRuleSet", "name", RULE_SET, reverse)
    _rename(apps, "BonusTier", "label", TIERS, reverse)
    _rename(apps, "BonusProposal", "tier_label", TIERS, reverse)
    _rename(apps, "TrainingTopic", "name", TOPICS, reverse)
    _rename(apps, "ChecklistItem", "label", CHECKLIST, reverse)


def backwards(apps, schema_editor):
    forwards(apps, schema_editor, reverse=True)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0015_verbose_names_created_updated")]
    operations = [migrations.RunPython(forwards, backwards)]
