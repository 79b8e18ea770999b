"""Factories for the lifecycle tests: people in each role, and cases in every state.

Cases are built by calling the services (case_create, then case_transition step by step), so a
case "in state X" has exactly the parts, events, deadlines and history the real path leaves.
Usernames follow load_demo: `clerk`, `senior`, `supervisor`, `inv_<code>`, `head_<code>`.
"""
import datetime
import zoneinfo

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cases.deadlines.configuration import configuration_changed
from cases.models import CalendarDay, CalendarYear, Complaint, Department, DepartmentMembership
from cases.services import case_create, case_transition
from complaints_portal.common.roles import (
    DEPARTMENT_HEAD,
    INTAKE_CLERK,
    INVESTIGATOR,
    SENIOR_MANAGER,
    SUPERVISOR,
)

from .calendar import calendar_years

User = get_user_model()
PASSWORD = "test-pass-123"


def local_dt(day, hour=10, minute=0):
    """Aware datetime at `hour:minute` local time on `day` (a date or ISO string)."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


# -- the calendar ------------------------------------------------------------------------------
def calendar_seed(years=None):
    """Cover `years` (default: calendar_years()) with the State Council exceptions from chinesecalendar.

    Written in bulk on purpose (test data: thousands of days): the configuration's change is
    then recorded by hand, without the recompute that would publish a Celery task in
    transactional tests."""
    from chinese_calendar import constants

    years = years or calendar_years()
    days = []
    for d, name in constants.holidays.items():
        if d.year in years and d.weekday() < 5:
            days.append(CalendarDay(date=d, kind=CalendarDay.Kind.HOLIDAY, name=str(name), source="test"))
    for d, name in constants.workdays.items():
        if d.year in years and d.weekday() >= 5:
            days.append(CalendarDay(date=d, kind=CalendarDay.Kind.WORKDAY, name=str(name), source="test"))
    CalendarDay.objects.bulk_create(days, ignore_conflicts=True)
    CalendarYear.objects.bulk_create([CalendarYear(year=y, source="test") for y in years], ignore_conflicts=True)
    configuration_changed("calendar", recompute=False)


# -- people ------------------------------------------------------------------------------------
class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Department {o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    """A user; `roles=[...]` adds role groups, `department=` + `membership=` a membership."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        for name in extracted or ():
            obj.groups.add(Group.objects.get_or_create(name=name)[0])

    @factory.post_generation
    def department(obj, create, extracted, **kwargs):
        if extracted:
            code = extracted.code if isinstance(extracted, Department) else extracted
            dept = DepartmentFactory(code=code)
            role = kwargs.get("role", DepartmentMembership.Role.INVESTIGATOR)
            DepartmentMembership.objects.get_or_create(user=obj, department=dept, defaults={"role": role})


def clerk(username="clerk"):
    return UserFactory(username=username, roles=[INTAKE_CLERK])


def senior(username="senior"):
    return UserFactory(username=username, roles=[SENIOR_MANAGER])


def supervisor(username="supervisor"):
    return UserFactory(username=username, roles=[SUPERVISOR])


def investigator(code="SALES", username=None):
    return UserFactory(username=username or f"inv_{code.lower()}", roles=[INVESTIGATOR], department=code,
                       department__role=DepartmentMembership.Role.INVESTIGATOR)


def head(code="SALES", username=None):
    return UserFactory(username=username or f"head_{code.lower()}", roles=[DEPARTMENT_HEAD], department=code,
                       department__role=DepartmentMembership.Role.HEAD)


# -- cases ---------------------------------------------------------------------------------------
INTAKE = {
    "channel": "hotline",
    "category": "service",
    "summary": "Claim paid late",
    "description": "The customer waited six weeks for a claim payment.",
    "customer": {"name": "张三", "phone": "13812345678", "id_type": "resident_id", "id_number": "110105199001011232",
                 "policy_number": "P-2026-0001"},
}

# The path to each state: (action, actor-kind, data). The actor kind is resolved per department.
ROUND_ONE = [
    ("acknowledged", "acknowledge", "clerk", {"method": "phone", "note": "Told the customer we will call back."}),
    ("assigned", "assign", "clerk", {}),
    ("investigating", "form_team", "head", {}),
    ("reported", "submit_report", "inv",
     {"facts": "Payment delayed by missing documents.", "at_fault": True, "recommendation": "Pay interest.",
      "root_cause": "process_delay"}),
    ("plan_pending", "propose_plan", "inv", {"plan": "Pay the claim with interest.", "redress_amount": "120.00"}),
    ("plan_approved", "approve_plan", "head", {}),
    ("responded", "notify_decision", "clerk", {"method": "phone", "decision": "We pay the claim with interest."}),
]
STATES = ["received"] + [step[0] for step in ROUND_ONE] + ["closed", "archived"]


def actors(code="SALES"):
    """The people the factory walks a case with (created on first use)."""
    return {"clerk": clerk(), "head": head(code), "inv": investigator(code), "senior": senior(),
            "supervisor": supervisor()}


def step_data(action, people, code, data):
    data = dict(data)
    if action == "assign":
        data["department"] = code
    if action == "form_team":
        data.update(lead=people["inv"].username, members=[people["inv"].username],
                    recusal_attested_by=[people["inv"].username])
    return data


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A case registered by the clerk and walked to `state` through the services.

    Traits name the states (`ComplaintFactory(investigating=True)`); `department` is the code the
    case is dispatched to; `received_at` defaults to now; extra intake fields go in `intake`.
    `closed` is reached through the customer's acceptance, `archived` by the supervisor.
    """

    class Meta:
        model = Complaint

    state = "received"
    department = "SALES"
    received_at = None
    intake = factory.Dict({})

    class Params:
        acknowledged = factory.Trait(state="acknowledged")
        assigned = factory.Trait(state="assigned")
        investigating = factory.Trait(state="investigating")
        reported = factory.Trait(state="reported")
        plan_pending = factory.Trait(state="plan_pending")
        plan_approved = factory.Trait(state="plan_approved")
        responded = factory.Trait(state="responded")
        closed = factory.Trait(state="closed")
        archived = factory.Trait(state="archived")

    @classmethod
    def _create(cls, model_class, state="received", department="SALES", received_at=None, intake=None, **kwargs):
        people = actors(department)
        data = {**INTAKE, **(intake or {}), **kwargs}
        if received_at is not None:
            data["received_at"] = received_at
        case = case_create(actor=people["clerk"], data=data)
        return walk(case, state, people=people, department=department)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("cases are only made through the services; use create()")


def walk(case, state, *, people=None, department="SALES"):
    """Take `case` (round 1) forward to `state` through case_transition; returns it reloaded."""
    people = people or actors(department)
    if state not in STATES:
        raise ValueError(f"unknown state {state}")
    for reached, action, who, data in ROUND_ONE:
        if STATES.index(case.status) >= STATES.index(state):
            break
        if STATES.index(case.status) >= STATES.index(reached):
            continue
        case = case_transition(actor=people[who], reference=case.reference, action=action,
                               data=step_data(action, people, department, data))
    if state in ("closed", "archived") and case.status == "responded":
        case = case_transition(actor=people["clerk"], reference=case.reference, action="customer_accepts")
    if state == "archived" and case.status == "closed":
        case = case_transition(actor=people["supervisor"], reference=case.reference, action="archive")
    return Complaint.objects.get(pk=case.pk)


def review_case(department="SALES", **kwargs):
    """A case whose first-round decision the customer disputed: round 2, back in `assigned`."""
    case = ComplaintFactory(responded=True, department=department, **kwargs)
    return case_transition(actor=clerk(), reference=case.reference, action="customer_disputes",
                           data={"reason": "The interest is too low."})


class frozen_now:
    """Context manager fixing `django.utils.timezone.now` (and so localdate) at an aware datetime.

    Every module here calls `timezone.now()` through the module attribute, so one patch covers
    the services, the deadlines and the auto_now fields."""

    def __init__(self, at):
        from unittest import mock

        self._patch = mock.patch("django.utils.timezone.now", return_value=at)

    def __enter__(self):
        return self._patch.__enter__()

    def __exit__(self, *exc):
        return self._patch.__exit__(*exc)
