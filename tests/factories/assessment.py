"""Factories for the assessment tests: complaints built directly with the fields a KPI reads."""
import datetime
import itertools
import zoneinfo

import factory
from django.conf import settings

from assessment.kpi.readmodel import kpi_cases_refresh
from assessment.models import FollowUpAttempt, FollowUpVisit, PolicyVolume, Target
from cases.models import CaseDeadline, DeadlinePolicy, Department

_seq = itertools.count(1)


def local_dt(day, hour=10, minute=0):
    """Aware datetime at ``hour:minute`` local time on ``day`` (a date or ISO string)."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


class KpiReadModelMixin:
    """Cases built directly (not through the services) get their KPI read-model row as the
    services write it: after the object and its post-generation fields are saved."""

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if create:
            visited_at = getattr(instance, "visited_at", None)
            kpi_cases_refresh([getattr(instance, "case_id", None) or instance.pk], [visited_at] if visited_at else ())


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Department {o.code}")


class ComplaintFactory(KpiReadModelMixin, factory.django.DjangoModelFactory):
    """A first-round complaint received 2026-04-10 10:00 local, due 2026-04-27, open."""

    class Meta:
        model = "cases.Complaint"
        skip_postgeneration_save = True

    reference = factory.LazyFunction(lambda: f"TS-T-{next(_seq):07d}")
    status = "investigating"
    channel = "hotline"
    category = "service"
    complaint_type = "complaint"
    summary = "Test complaint"
    customer_name = "Test Customer"
    customer_phone = "13800000000"
    received_at = factory.LazyFunction(lambda: local_dt("2026-04-10"))
    clock_start = factory.LazyAttribute(
        lambda o: o.received_at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()
    )
    department = factory.SubFactory(DepartmentFactory, code="SALES", name="Sales")
    deadline_policy = factory.LazyFunction(lambda: DeadlinePolicy.objects.get(version=1))
    due_overall = datetime.date(2026, 4, 27)

    @factory.post_generation
    def notified(obj, create, extracted, **kwargs):
        """``notified=<aware datetime>`` sets notified_at and first_notified_at and responds."""
        if extracted:
            obj.notified_at = obj.first_notified_at = extracted
            obj.status = "responded"
            if create:
                obj.save()


class CaseDeadlineFactory(KpiReadModelMixin, factory.django.DjangoModelFactory):
    class Meta:
        model = CaseDeadline

    case = factory.SubFactory(ComplaintFactory)
    stage = "acknowledge"
    due_on = datetime.date(2026, 4, 13)


class FollowUpVisitFactory(KpiReadModelMixin, factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpVisit

    case = factory.SubFactory(ComplaintFactory)
    department_id = factory.SelfAttribute("case.department_id")
    outcome = "completed"
    rating = 5
    visited_at = factory.LazyFunction(lambda: local_dt("2026-05-05"))


class FollowUpAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpAttempt

    case = factory.SubFactory(ComplaintFactory)
    at = factory.LazyFunction(lambda: local_dt("2026-05-05"))
    result = "no_answer"


class PolicyVolumeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyVolume

    period = "2026Q2"
    department = factory.SubFactory(DepartmentFactory, code="SALES", name="Sales")
    new_policies = 10_000


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    period = "2026Q2"
    department = factory.SubFactory(DepartmentFactory, code="SALES", name="Sales")
