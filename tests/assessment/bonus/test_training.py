"""Training needs: root causes of at-fault complaints mapped to topics; plans and their effect."""
import datetime

import pytest

from assessment.bonus.models import RootCauseTopic, TrainingTopic
from assessment.bonus.services import training as training_services
from complaints_portal.common.errors import PermissionDenied
from tests.assessment.kpi.test_services import make_user
from tests.factories.assessment import ComplaintFactory, DepartmentFactory, local_dt

pytestmark = pytest.mark.django_db


def test_seeded_topics_and_mapping():
    assert set(TrainingTopic.objects.values_list("code", flat=True)) == {
        "product_terms", "communication_skills", "compliance_selling", "process"}
    assert RootCauseTopic.objects.get(root_cause="mis_selling").topic.code == "compliance_selling"
    assert RootCauseTopic.objects.get(root_cause="process_delay").topic.code == "process"


def test_needs_count_at_fault_root_causes_per_topic_and_list_unmapped_ones():
    sales = DepartmentFactory(code="SALES", name="Sales")
    for cause in ("mis_selling", "mis_selling", "info_security", "communication", "other"):
        ComplaintFactory(department=sales, at_fault=True, root_cause=cause)
    ComplaintFactory(department=sales, at_fault=False, root_cause="communication")  # not at fault
    needs = training_services.training_needs("2026Q2")
    assert len(needs) == 1 and needs[0]["department"] == sales
    topics = {(e["topic"].code if e["topic"] else None): e for e in needs[0]["topics"]}
    assert topics["compliance_selling"]["count"] == 3
    assert topics["compliance_selling"]["causes"] == {"mis_selling": 2, "info_security": 1}
    assert topics["communication_skills"]["count"] == 1
    assert topics[None]["causes"] == {"other": 1}


def test_a_changed_mapping_moves_the_count():
    sales = DepartmentFactory(code="SALES", name="Sales")
    ComplaintFactory(department=sales, at_fault=True, root_cause="system_error")
    mapping = RootCauseTopic.objects.get(root_cause="system_error")
    mapping.topic = TrainingTopic.objects.get(code="product_terms")
    mapping.save()
    assert training_services.training_needs("2026Q2")[0]["topics"][0]["topic"].code == "product_terms"


def test_supervisor_plans_and_completes_training_and_sees_repeat_causes_before_and_after():
    sales = DepartmentFactory(code="SALES", name="Sales")
    supervisor = make_user("supervisor", "supervisor")
    topic = TrainingTopic.objects.get(code="compliance_selling")
    for day in ("2026-03-10", "2026-04-01", "2026-04-20"):
        ComplaintFactory(department=sales, at_fault=True, root_cause="mis_selling", received_at=local_dt(day))
    ComplaintFactory(department=sales, at_fault=True, root_cause="mis_selling", received_at=local_dt("2026-05-20"))
    with pytest.raises(PermissionDenied):
        training_services.training_plan_create(make_user("head", "department_head", sales, membership="head"), topic=topic,
                                 department=sales, audience="Agents", date=datetime.date(2026, 5, 1),
                                 owner=supervisor)
    plan = training_services.training_plan_create(supervisor, topic=topic, department=sales, audience="Bancassurance agents",
                                    date=datetime.date(2026, 5, 1), owner=supervisor, period="2026Q2")
    plan = training_services.training_plan_complete(supervisor, plan, note="42 attended")
    first = plan.completed_at
    assert training_services.training_plan_complete(supervisor, plan).completed_at == first
    effect = training_services.training_effect(plan, today=datetime.date(2026, 9, 1))
    assert effect == {"before": 3, "after": 1, "window_days": 90, "after_days": 90, "fell": True}
    partial = training_services.training_effect(plan, today=datetime.date(2026, 6, 1))
    assert partial["after_days"] == 32 and partial["fell"] is None
