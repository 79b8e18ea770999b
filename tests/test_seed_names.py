"""Seeded names read as users call them (issue 20 item 3): the default bonus rules, their tiers,
the training topics and the checklist items in Chinese, objects in the admin by a readable name,
and the administration's own section names translated."""
import pytest
from django.utils import translation

from assessment.bonus.models import BonusRuleSet, BonusTier, TrainingTopic
from assessment.kpi.models import Target
from assessment.supervision.models import ChecklistItem
from cases.management.commands.load_cn_calendar import cn_exceptions
from cases.models import Department

pytestmark = pytest.mark.django_db


def test_seeded_rules_topics_and_checklist_have_the_names_users_know():
    assert BonusRuleSet.objects.filter(name="默认奖惩规则").exists()
    assert not BonusRuleSet.objects.filter(name__contains="SPEC").exists()
    assert set(BonusTier.objects.values_list("label", flat=True)) >= {"奖励 +10%", "扣减 -10%"}
    assert "沟通技巧" in set(TrainingTopic.objects.values_list("name", flat=True))
    assert "记录完整" in set(ChecklistItem.objects.values_list("label", flat=True))


def test_holidays_are_loaded_with_their_chinese_names():
    names = {name for _kind, name in cn_exceptions(2025).values()}
    assert "国庆节" in names and "National Day" not in names


def test_objects_read_well_in_the_admin_not_as_model_object_ids():
    department = Department.objects.create(code="CLAIMS", name="核保理赔部")
    target = Target.objects.create(period="2026Q2", department=department, on_time_rate=95)
    with translation.override("zh-hans"):
        text = str(target)
    assert "object" not in text and "2026Q2" in text and "核保理赔部" in text


def test_the_sign_in_lock_out_section_is_named_in_the_readers_language():
    from django.apps import apps

    with translation.override("zh-hans"):
        assert str(apps.get_app_config("axes").verbose_name) != "Sign-in lock-outs"
        assert str(apps.get_model("axes", "AccessAttempt")._meta.verbose_name) != "access attempt"
