"""Every read of cases on behalf of a user goes through here, already limited to what the
user may see. A case the user may not see is NotFound, exactly like a missing one."""
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from complaints_portal.common.errors import NotFound
from complaints_portal.common.roles import DEPARTMENT_HEAD, INVESTIGATOR, user_review_case_ids, user_roles

from .models import CaseEvent, Complaint, TeamMember
from .models.case import OPEN_STATUSES, Status
from .permissions import department_ids, sees_all_cases


def case_list_visible_to(user, *, team_list=False):
    """All cases the user may see (SPEC §1): everything for clerks, senior managers and
    supervisors; for department staff, their departments' cases and the reviews they sit on.

    ``team_list`` (read-only requests): the review teams' case ids are read first and filtered
    by as a list (see ``_team_case_ids``), so PostgreSQL counts and pages a department's cases
    from its indexes alone; with the subquery it read every matching row of the table (57 ms
    for one department's 15,000 investigating cases at a million). The list is read once per
    request, so a request that changes the user's teams must not use it."""
    qs = Complaint.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if sees_all_cases(user):
        return qs
    if user_roles(user) & {INVESTIGATOR, DEPARTMENT_HEAD}:
        # A subquery, not a join on ``team``: the join multiplies rows and needs DISTINCT
        # over every column, which at a million cases made each list a sort of the backlog.
        teams = _team_case_ids(user) if team_list else TeamMember.objects.filter(user=user, ended_at__isnull=True).values("case_id")
        return qs.filter(Q(department_id__in=department_ids(user)) | Q(pk__in=teams))
    return qs.none()


def _team_case_ids(user):
    """Ids of the cases whose review team the user sits on (a handful), read first.

    PostgreSQL cannot combine ``department OR id IN (subquery)`` through indexes. With a list, ``department_id IN (…) OR id IN (…)`` is a BitmapOr of the queue index and the
    primary key, so a department's queue reads only that department's rows at a million cases
    (bench/README.md). Read with the user's roles in one query and cached on the user object
    for the request (complaints_portal.common.roles.user_review_case_ids)."""
    return user_review_case_ids(user)


def case_get_for_user(user, reference, *, for_update=False):
    qs = case_list_visible_to(user)
    if for_update:
        # of=("self",): PostgreSQL cannot lock the nullable side of the department outer join.
        case = qs.select_for_update(of=("self",)).select_related("department").filter(reference=reference).first()
        if case is None:
            raise NotFound()
        return case
    # Not merged_into: a whole second case row (every column) for the few merged cases; the
    # case page reads its reference lazily (one query, only when the case was merged).
    case = qs.select_related("department", "registered_by").filter(reference=reference).first()
    if case is None:
        raise NotFound()
    return case


def case_queue(user, *, status=None, department=None, category=None, channel=None, overdue=None,
               due_soon=None, search=None, received_after=None, received_before=None, open_only=False, today=None,
               within=None):
    """Cases the user may see, filtered, nearest due date first (indexed: department, status, next_due).

    ``within``: a condition naming only cases of the user's departments and review teams (see
    ``_visible_within``); it replaces the visibility filter instead of repeating it."""
    qs = (_visible_within(user, within) if within is not None else case_list_visible_to(user)).select_related("department")
    today = today or timezone.localdate()
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES, merged_into__isnull=True)
    if status:
        qs = qs.filter(status__in=status if isinstance(status, list | tuple) else [status])
    if department:
        qs = qs.filter(department__code=department)
    if category:
        qs = qs.filter(category=category)
    if channel:
        qs = qs.filter(channel=channel)
    if overdue is True:
        qs = qs.filter(next_due__lt=today)
    elif overdue is False:
        qs = qs.filter(Q(next_due__gte=today) | Q(next_due__isnull=True))
    if due_soon:
        qs = qs.filter(next_due__gte=today, next_due__lte=today + timedelta(days=2))
    if received_after:
        qs = qs.filter(received_at__date__gte=received_after)
    if received_before:
        qs = qs.filter(received_at__date__lte=received_before)
    if search:
        term = search.strip()
        qs = qs.filter(
            Q(reference__iexact=term) | Q(customer_name__icontains=term) | Q(customer_phone=term)
            | Q(policy_numbers__icontains=term)
        )
    # Cases with nothing more due (closed, archived) go last on every database (SQLite sorts
    # NULL first by default, PostgreSQL last).
    return qs.order_by(F("next_due").asc(nulls_last=True), "received_at")


def intake_queue(user, **filters):
    """Cases not yet with a department, or not yet acknowledged."""
    return case_queue(user, **filters).filter(
        Q(status__in=[Status.RECEIVED, Status.ACKNOWLEDGED]) | Q(acknowledged_at__isnull=True, status__in=OPEN_STATUSES),
        merged_into__isnull=True,
    )


def _visible_within(user, condition):
    """``case_list_visible_to(user).filter(condition)`` for a condition that names only cases of
    the user's departments and of the review teams they sit on, without repeating the visibility.

    Such cases are visible to everyone who may see cases at all: to department staff they are
    exactly their visibility, the other roles see every case. Repeating the visibility's
    ``OR id IN (subquery)`` made PostgreSQL count a department's open cases from the table
    (3,600 pages at a million cases) instead of the partial index ``case_open_queue`` alone."""
    if sees_all_cases(user) or user_roles(user) & {INVESTIGATOR, DEPARTMENT_HEAD}:
        return Complaint.objects.filter(condition)
    return case_list_visible_to(user).filter(condition)


def department_queue(user, **filters):
    """Open cases of the user's departments (and reviews the user sits on)."""
    own = Q(department_id__in=department_ids(user)) | Q(pk__in=_team_case_ids(user))
    return case_queue(user, open_only=True, within=own, **filters)


def possible_duplicates(phone, policy_numbers="", exclude_pk=None):
    """Open cases with the same phone or one of the same policy numbers (intake warning)."""
    cond = Q(customer_phone=phone) if phone else Q(pk__in=[])
    for number in [p.strip() for p in (policy_numbers or "").replace("，", ",").split(",") if p.strip()]:
        cond |= Q(policy_numbers__icontains=number)
    qs = Complaint.objects.filter(cond, status__in=OPEN_STATUSES, merged_into__isnull=True)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.only("reference", "status", "received_at", "summary")[:10]


def case_events(case):
    """The case timeline, oldest first."""
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")
