"""Every read of cases on behalf of a user goes through here, already limited to what the
user may see. A case the user may not see is NotFound, exactly like a missing one."""
import re

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from complaints_portal.common.errors import NotFound
from complaints_portal.common.roles import DEPARTMENT_HEAD, INVESTIGATOR, Access

from .deadlines import due_soon_until
from .identity import phone_normalise
from .models import CaseEvent, Complaint, Department, PlanApproval, TeamMember
from .models.case import OPEN_STATUSES, Status
from .permissions import sees_all_cases

PHONE_TAIL = re.compile(r"\d{4}")


def due_soon_condition(today, field="next_due"):
    """Cases whose nearest due date is today or "due soon" (cases.deadlines.DUE_SOON_DAYS)."""
    return Q(**{f"{field}__gte": today, f"{field}__lte": due_soon_until(today)})


def case_list_visible_to(who, *, team_list=False):
    """All cases the user may see (SPEC §1): everything for clerks, senior managers, supervisors;
    for department staff their departments' and review teams' cases. ``team_list``: the team case
    ids from the Access as a list (a BitmapOr of two indexes, where a subquery read the queue)."""
    access = Access.of(who)
    qs = Complaint.objects.all()
    if not getattr(access.user, "is_authenticated", False):
        return qs.none()
    if sees_all_cases(access):
        return qs
    if access.has(INVESTIGATOR, DEPARTMENT_HEAD):
        # A subquery, not a join on ``team`` (whose DISTINCT made each list a sort of the backlog).
        teams = access.team_case_ids if team_list else \
            TeamMember.objects.filter(user=access.user, ended_at__isnull=True).values("case_id")
        return qs.filter(Q(department_id__in=access.departments()) | Q(pk__in=teams))
    return qs.none()


def case_get_for_user(who, reference, *, for_update=False):
    if for_update:
        # of=("self",): PostgreSQL cannot lock the nullable side of the department outer join.
        case = (case_list_visible_to(who).select_for_update(of=("self",)).select_related("department")
                .filter(reference=reference).first())
        if case is None:
            raise NotFound()
        return case
    # Not merged_into (a second case row); the page reads its reference lazily when merged. The
    # team cases as a list and get() (no ORDER BY: the reference is unique) spare compiling a
    # subquery and an ordering: 1.1 ms of CPU instead of 1.6 per case page (bench/profile_pages.py).
    try:
        return case_list_visible_to(who, team_list=True).select_related("department", "registered_by").get(
            reference=reference)
    except Complaint.DoesNotExist:
        raise NotFound() from None


# The orders a list may be sorted by (?sort=key, -key descending): the only column names a
# request may put into ORDER BY. Ties go by id, so a page boundary is stable.
CASE_SORTS = {
    "reference": "reference", "next_due": "next_due", "status": "status", "customer": "customer_name",
    "department": "department__name", "received": "received_at",
}


def case_ordering(sort):
    """ORDER BY of ``sort`` (a CASE_SORTS key, "-" first for descending; None: nearest due date
    first, the queues' order). Empty values last in both directions, on every database."""
    if not sort:
        return [F("next_due").asc(nulls_last=True), "received_at"]
    descending, key = sort.startswith("-"), sort.lstrip("-")
    column = F(CASE_SORTS[key])
    return [column.desc(nulls_last=True) if descending else column.asc(nulls_last=True), "-pk" if descending else "pk"]


def case_queue(who, *, status=None, department=None, category=None, channel=None, overdue=None,
               due_soon=None, major=None, search=None, received_after=None, received_before=None, open_only=False, today=None,
               within=None, sort=None):
    """Cases the user may see, filtered, nearest due date first unless ``sort`` names another
    order (CASE_SORTS); ``within``: a condition naming only cases of the user's departments and
    review teams (see ``_visible_within``)."""
    qs = (_visible_within(who, within) if within is not None else case_list_visible_to(who)).select_related("department")
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
        qs = qs.filter(due_soon_condition(today))
    if major:
        qs = qs.exclude(major_reason="")  # marked major (SPEC §12)
    if received_after:
        qs = qs.filter(received_at__date__gte=received_after)
    if received_before:
        qs = qs.filter(received_at__date__lte=received_before)
    if search:
        qs = qs.filter(search_condition(search))
    # Cases with nothing more due (closed, archived) go last on every database (SQLite sorts
    # NULL first by default, PostgreSQL last).
    return qs.order_by(*case_ordering(sort))


def search_condition(text):
    """The cases a list search finds: the reference, part of the name or of a policy number,
    the whole phone number as typed or as stored (+86 138-1234-5678 finds 13812345678), or its
    last four digits (what a customer reads out on the phone)."""
    term = text.strip()
    condition = (Q(reference__iexact=term) | Q(customer_name__icontains=term)
                 | Q(customer_phone__in={term, phone_normalise(term) or term}) | Q(policy_numbers__icontains=term))
    if PHONE_TAIL.fullmatch(term):
        condition |= Q(customer_phone__endswith=term)
    return condition


def intake_queue(who, **filters):
    """Cases not yet with a department, or not yet acknowledged."""
    return case_queue(who, **filters).filter(
        Q(status__in=[Status.RECEIVED, Status.ACKNOWLEDGED]) | Q(acknowledged_at__isnull=True, status__in=OPEN_STATUSES),
        merged_into__isnull=True,
    )


def _visible_within(who, condition):
    """``case_list_visible_to(user).filter(condition)`` for a condition naming only cases every
    case reader of the user's kind may see, without repeating the visibility (its subquery made
    PostgreSQL count a department's open cases from the table instead of the partial index)."""
    access = Access.of(who)
    if sees_all_cases(access) or access.has(INVESTIGATOR, DEPARTMENT_HEAD):
        return Complaint.objects.filter(condition)
    return case_list_visible_to(access).filter(condition)


def department_queue(who, **filters):
    """Open cases of the user's departments (and reviews the user sits on)."""
    access = Access.of(who)
    own = Q(department_id__in=access.departments()) | Q(pk__in=access.team_case_ids)
    return case_queue(access, open_only=True, within=own, **filters)


def caseload(who, today=None):
    """Open caseload (SPEC §14) of the cases the user may see, per department and per active team
    member: open, overdue, due soon, nearest due date; (departments, people), busiest first."""
    today = today or timezone.localdate()
    open_ids = case_queue(who, open_only=True).order_by().values("pk")

    def figures(due):
        return {"open": Count("pk"), "overdue": Count("pk", filter=Q(**{f"{due}__lt": today})),
                "due_soon": Count("pk", filter=due_soon_condition(today, due)), "nearest": Min(due)}

    departments = (Complaint.objects.filter(pk__in=open_ids, department__isnull=False)
                   .values("department__code", "department__name").annotate(**figures("next_due")).order_by("-open"))
    people = list(TeamMember.objects.filter(case_id__in=open_ids, ended_at__isnull=True)
                  .values("user").annotate(**figures("case__next_due")).order_by("-open", "user__username"))
    users = get_user_model().objects.in_bulk([row["user"] for row in people])
    return list(departments), [{**row, "user": users[row["user"]]} for row in people]


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


def round_one_handlers(case):
    """Ids of everyone who handled the first round: a review must be done by others (SPEC §3)."""
    ids = set(case.team.filter(round=1).values_list("user_id", flat=True))
    ids |= set(case.reports.filter(round=1).values_list("submitted_by_id", flat=True))
    ids |= set(case.plans.filter(round=1).values_list("proposed_by_id", flat=True))
    ids |= set(PlanApproval.objects.filter(plan__case=case, plan__round=1).values_list("approver_id", flat=True))
    ids |= set(case.decisions.filter(round=1).values_list("notified_by_id", flat=True))
    return ids


# -- the choices an action's form offers (cases.actions: a field's `options`) -----------------
def department_options(case, access, *, other=False):
    """Active departments; ``other``: except the case's own (a reassignment; without a case,
    as for the cases ticked in a queue, all of them)."""
    departments = Department.objects.filter(active=True).order_by("code")
    if other and case is not None:
        departments = departments.exclude(pk=case.department_id)
    return [(d.code, d.name) for d in departments]


def team_options(case, access):
    """Who may be named to the case's team: the department's staff in the first round; in a review,
    staff of any department who did not handle the first round."""
    User = get_user_model()
    if case.round == 1:
        qs = User.objects.filter(memberships__department_id=case.department_id)
    else:
        qs = User.objects.filter(memberships__isnull=False).exclude(pk__in=round_one_handlers(case))
    # The three columns the choices show, not whole users: this runs on every page of a case
    # awaiting its team. The label is User.get_full_name()'s, or the username.
    qs = qs.filter(is_active=True).distinct().order_by("username").values_list("username", "first_name", "last_name")
    return [(username, f"{first} {last}".strip() or username) for username, first, last in qs]
