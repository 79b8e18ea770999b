"""SPEC §8: every change of configuration is kept with who and when, and every write to an
audited model records its history row (django-simple-history records nothing for a bare
bulk_create or queryset.update). The supervisor's configuration audit lists every
configuration table, each entry with who, when and old → new."""
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.sites import site
from django.test import RequestFactory
from simple_history.models import HistoricalChanges

from assessment.bonus.models import BonusRuleSet, BonusTier
from assessment.bonus.services import rulesets
from assessment.supervision import reports as sv_reports
from cases.models import DeadlinePolicy, StageRule, TeamMember
from tests.factories import cases as f

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for d in ("cases", "assessment", "complaints_portal") for p in (ROOT / d).rglob("*.py")
           if "migrations" not in p.parts]
# Audited models that are a case's own records (shown in the case history), not configuration.
CASE_RECORDS = {
    "complaint", "teammember", "report", "plan", "extension", "pause", "decision", "inboundmail", "followupvisit",
    "spotcheck", "rectification", "correctiveaction", "bonusproposal", "trainingplan", "surgealert",
    "organisedreview", "notice", "mediation",
}


def _audited():
    """The models django-simple-history keeps (not the historical models themselves)."""
    return [m for m in apps.get_models() if hasattr(m, "history") and not issubclass(m, HistoricalChanges)]


def test_no_audited_model_is_written_by_a_bare_bulk_write():
    names = {m.__name__ for m in _audited()}
    bare = re.compile(r"\b(\w+)\.objects(?:\.using\([^)]*\))?\.bulk_(?:create|update)\(")
    found = [f"{path.relative_to(ROOT)}: {name}" for path in SOURCES
             for name in bare.findall(path.read_text()) if name in names]
    assert found == []


def test_every_configuration_table_is_on_the_audit_page():
    shown = {m._meta.model_name for _label, m in sv_reports.audited_models()}
    configuration = {m._meta.model_name for m in _audited()} - CASE_RECORDS
    assert configuration <= shown


def test_each_team_member_has_its_history_row():
    f.calendar_seed()
    case = f.ComplaintFactory(state="investigating")
    members = TeamMember.objects.filter(case=case)
    assert members.count() >= 1
    assert TeamMember.history.filter(case_id=case.pk, history_type="+").count() == members.count()


def test_a_copied_deadline_policy_has_each_stage_rule_in_its_history_and_on_the_audit(admin_user):
    policy = DeadlinePolicy.objects.get(version=1)
    rules = policy.stage_rules.count()
    request = RequestFactory().post("/")
    request.user = admin_user
    request._messages = type("Messages", (), {"add": lambda *a, **k: None})()
    model_admin = site._registry[DeadlinePolicy]
    model_admin.copy_as_new_version(request, DeadlinePolicy.objects.filter(pk=policy.pk))
    copy = DeadlinePolicy.objects.order_by("-version").first()
    assert copy.version == 2
    created = StageRule.history.filter(policy_id=copy.pk, history_type="+")
    assert created.count() == rules > 0
    entries = [e for e in sv_reports.config_audit(limit=100) if e["model"] == "stagerule"]
    assert entries and all(e["changes"] for e in entries)  # created: every value shown as — → new


def test_a_new_bonus_rule_version_is_on_the_audit_with_who_and_its_values():
    supervisor = f.supervisor()
    rule_set, _warnings = rulesets.rule_set_create(
        supervisor, name="2026H2", effective_from="2026Q3",
        weights=dict.fromkeys(("complaint_rate", "on_time_rate", "satisfaction_rate"), Decimal(1)),
        tiers=[{"label": "All +5", "combine": "all", "adjustment_percent": Decimal(5)}])
    assert BonusRuleSet.history.filter(id=rule_set.pk).exists()
    assert BonusTier.history.filter(rule_set_id=rule_set.pk).count() == 1
    # The newest entry of each kind: the seeded version 1 also has history rows, written by a data
    # migration (its names as users call them), where there is no user.
    entries = {}
    for entry in sv_reports.config_audit(kinds=["bonusruleset", "bonustier"]):
        entries.setdefault(entry["model"], entry)
    assert entries["bonusruleset"]["user"] == supervisor
    assert ("name", None, "2026H2") in entries["bonusruleset"]["changes"]
    assert entries["bonustier"]["user"] == supervisor


def test_the_audit_page_filters_by_the_new_kinds(client):
    supervisor = f.supervisor()
    rulesets.rule_set_create(
        supervisor, name="2026H2", effective_from="2026Q3",
        weights=dict.fromkeys(("complaint_rate", "on_time_rate", "satisfaction_rate"), Decimal(1)),
        tiers=[{"label": "All +5", "combine": "all", "adjustment_percent": Decimal(5)}])
    client.force_login(supervisor)
    page = client.get("/assessment/supervision/audit/", {"kind": "bonusruleset"}).content.decode()
    assert "2026H2" in page and 'value="bonustier"' in page
