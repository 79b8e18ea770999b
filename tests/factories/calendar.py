"""Minimal data for the calendar, deadline and sweep tests: the calendar, users, a case."""
import itertools
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cases.calendar import WorkCalendar
from cases.management.commands.load_cn_calendar import cn_exceptions, load_cn_years
from cases.models import (
    CalendarDay,
    CaseDeadline,
    Complaint,
    DeadlinePolicy,
    Department,
    DepartmentMembership,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def calendar_years():
    """The years the test calendar covers: from 2025 (the fixed dates of the tests) to the year
    after today's, since a case received today has deadlines weeks ahead, into the next year in
    December. A year chinesecalendar has no State Council notice for yet is covered with the
    Monday–Friday week alone: in tests only (load_cn_calendar refuses such a year)."""
    return tuple(range(2025, timezone.localdate().year + 2))


def cn_calendar(years=(2025, 2026)):
    """An in-memory WorkCalendar from chinesecalendar, without touching the database."""
    holidays, workdays = set(), set()
    for year in years:
        for d, (kind, _name) in cn_exceptions(year).items():
            (workdays if kind == CalendarDay.Kind.WORKDAY else holidays).add(d)
    return WorkCalendar(holidays=holidays, workdays=workdays, covered_years=set(years))


def seed_calendar(years=None):
    load_cn_years(list(years or calendar_years()))


def local_dt(d, hour=10, minute=0):
    return datetime.combine(d, time(hour, minute), tzinfo=SHANGHAI)


def make_user(username, role=None, department=None, dept_role=None, email=True):
    user = get_user_model().objects.create_user(
        username=username, password="x", email=f"{username}@example.com" if email else ""
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    if department is not None:
        DepartmentMembership.objects.create(user=user, department=department, role=dept_role or "investigator")
    return user


def make_department(code="CLAIMS"):
    return Department.objects.get_or_create(code=code, defaults={"name": code})[0]


def make_case(d0, **fields):
    """A complaint received at 10:00 local time on `d0`, under policy version 1."""
    n = next(_seq)
    values = {
        "reference": f"TS-T-{n:06d}",
        "channel": "hotline",
        "category": "service",
        "summary": "Late claim payment",
        "customer_name": "张三",
        "customer_phone": "13800000000",
        "received_at": local_dt(d0),
        "clock_start": d0,
        "deadline_policy": DeadlinePolicy.objects.get(version=1),
    }
    values.update(fields)
    return Complaint.objects.create(**values)


def due_dates(case):
    return dict(CaseDeadline.objects.filter(case=case).values_list("stage", "due_on"))


def deadline_effect(case, action, at):
    """What action ``action`` does to the case's deadlines (its row in cases.actions), as the
    lifecycle service applies it after the handler."""
    from cases.actions.table import ACTIONS
    from cases.deadlines import on_action

    row = ACTIONS[action]
    on_action(case, at, meets=row.stages_met(case.round), clock=row.clock)
