"""Training needs from root causes, plans and their effect."""
import datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.kpi.drilldown import complaint_cohort
from assessment.kpi.periods import day_start, local_today, period_parse
from cases.models import Complaint, Department
from complaints_portal.common.errors import ValidationFailed

from ..models import (
    RootCauseTopic,
    TrainingPlan,
)
from .common import (
    _ONE_DAY,
    _require_supervisor,
)


def training_needs(period_code, departments=None, as_of=None):
    """Per department: the root causes of its at-fault complaints in the period, mapped to
    training topics, with counts. Causes without a mapping are listed under no topic."""
    period = period_parse(period_code)
    as_of = as_of or local_today()
    qs = complaint_cohort(period, as_of).filter(at_fault=True).exclude(root_cause="")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    mapping = {m.root_cause: m.topic for m in RootCauseTopic.objects.select_related("topic")}
    result = {}
    for group in qs.values("department_id", "root_cause").annotate(n=Count("id")).order_by():
        dept = result.setdefault(group["department_id"], {})
        topic = mapping.get(group["root_cause"])
        entry = dept.setdefault(topic.pk if topic else None, {"topic": topic, "count": 0, "causes": {}})
        entry["count"] += group["n"]
        entry["causes"][group["root_cause"]] = group["n"]
    names = {d.pk: d for d in Department.objects.filter(pk__in=[k for k in result if k is not None])}
    return [
        {"department": names.get(dept_id), "topics": sorted(topics.values(), key=lambda e: -e["count"])}
        for dept_id, topics in sorted(result.items(), key=lambda kv: names[kv[0]].code if kv[0] in names else "")
    ]


@transaction.atomic
def training_plan_create(user, *, topic, department, audience, date, owner, period=""):
    """A training plan for a department on a topic (supervisor)."""
    _require_supervisor(user)
    if not audience.strip():
        raise ValidationFailed(_("Say who the training is for."), code="training_invalid")
    return TrainingPlan.objects.create(topic=topic, department=department, audience=audience, date=date,
                                       owner=owner, period=period, created_by=user)


@transaction.atomic
def training_plan_complete(user, plan, note=""):
    """Record that a plan's training took place. Recording twice keeps the first time."""
    _require_supervisor(user)
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.completed_at is None:
        plan.completed_at = timezone.now()
        plan.completion_note = note
        plan.save()
    return plan


def training_effect(plan, window_days=90, today=None):
    """At-fault complaints of the plan's department whose root cause maps to the plan's topic,
    received in the ``window_days`` before the training date and in the same span from it
    (shorter while that span has not passed yet: ``after_days`` says how long)."""
    today = today or local_today()
    causes = list(RootCauseTopic.objects.filter(topic=plan.topic).values_list("root_cause", flat=True))
    before_start = plan.date - datetime.timedelta(days=window_days)
    after_end = min(plan.date + datetime.timedelta(days=window_days), today + _ONE_DAY)
    base = Complaint.objects.filter(department=plan.department, at_fault=True, root_cause__in=causes,
                                    complaint_type="complaint", merged_into__isnull=True)
    before = base.filter(received_at__gte=day_start(before_start), received_at__lt=day_start(plan.date)).count()
    after = base.filter(received_at__gte=day_start(plan.date), received_at__lt=day_start(after_end)).count()
    after_days = max((after_end - plan.date).days, 0)
    return {"before": before, "after": after, "window_days": window_days, "after_days": after_days,
            "fell": after < before if after_days >= window_days else None}

