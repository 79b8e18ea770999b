import pytest
from django.contrib.auth.models import Group

from cases.models import DeadlinePolicy
from complaints_portal.common import roles


@pytest.mark.django_db
def test_every_role_exists_as_a_group_with_permissions():
    groups = {g.name: g for g in Group.objects.prefetch_related("permissions")}
    assert set(roles.ALL_ROLES) <= set(groups)
    for role in roles.ALL_ROLES:
        assert groups[role].permissions.exists(), role
    assert groups[roles.SUPERVISOR].permissions.filter(codename="change_target").exists()
    assert not groups[roles.INVESTIGATOR].permissions.filter(codename="change_complaint").exists()


@pytest.mark.django_db
def test_default_deadline_policy_has_spec_defaults():
    policy = DeadlinePolicy.objects.get(version=1)
    assert (policy.simple_days, policy.complex_days, policy.special_days) == (15, 30, 60)
    simple = {r.stage: r.working_days for r in policy.stage_rules.filter(tier="simple")}
    assert simple == {"acknowledge": 1, "dispatch": 1, "form_team": 2, "report": 6, "plan": 8, "approval": 9, "decision": 10}
    complex_ = {r.stage: r.working_days for r in policy.stage_rules.filter(tier="complex")}
    assert complex_["report"] == 12 and complex_["plan"] == 16 and complex_["approval"] == 18 and complex_["decision"] == 20
