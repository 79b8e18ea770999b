"""HTML pages for staff: selectors read, services write; an ApplicationError re-renders the page
with its message and HTTP status, and a case the user may not see is a 404 like a missing one."""
from functools import lru_cache
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db import connections, router
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints_portal.common.errors import ApplicationError, NotFound
from complaints_portal.common.roles import (
    DEPARTMENT_HEAD,
    INTAKE_CLERK,
    INVESTIGATOR,
    SENIOR_MANAGER,
    SUPERVISOR,
)
from complaints_portal.db_router import replica_view

from . import exports, groups, listing, saved_filters, searches, selectors, services
from .actions.forms import action_form, bulk_forms
from .actions.table import ACTIONS, actions_for, waiting_for
from .deadlines import configuration, explain_in_language
from .forms import (
    AttachmentForm,
    CaseFilterForm,
    DuplicateCheckForm,
    IntakeForm,
)
from .inbound.selectors import cases_awaiting_classification
from .inbound.views import correspondence
from .models import (
    Attachment,
    Complaint,
    Decision,
    Department,
    Extension,
    InboundMail,
    Mediation,
    Notice,
    Pause,
    Plan,
    PlanApproval,
    Report,
    TeamMember,
)
from .models.case import Status
from .models.deadlines import STAGE_ORDER, Stage
from .notices.views import notices_panel
from .permissions import can_reveal, can_see_personal_data, can_upload, is_clerk, sees_all_cases
from .services.privacy import REVEALABLE, masked
from .services.submissions import AlreadySubmitted
from .timeline import case_timeline
from .triage.forms import IntakeDepartmentForm
from .triage.models import TriageSuggestion
from .triage.selectors import triage_panel
from .triage.views import intake_registered

PAGE_SIZE = 25
STAGE_POSITION = {stage: i for i, stage in enumerate([*STAGE_ORDER, Stage.OVERALL, Stage.REVIEW])}


def _apply_error(form, exc):
    """Put a service error on the form: field errors where the service named a field."""
    fields = (exc.extra or {}).get("fields") or {}
    placed = False
    for name, errors in fields.items():
        if form is not None and name in form.fields:
            for error in errors:
                form.add_error(name, error)
            placed = True
    if form is not None:
        form.add_error(None, exc.message)
    return placed


# --- home -------------------------------------------------------------------------------------

def _counts(qs, today):
    return qs.aggregate(
        total=Count("pk", distinct=True),
        overdue=Count("pk", filter=Q(next_due__lt=today), distinct=True),
        due_soon=Count("pk", filter=selectors.due_soon_condition(today), distinct=True),
    )


@login_required
def home(request):
    """Landing page fitted to the user's roles: the queues they work, with overdue counts."""
    user, roles, today = request.access, request.access.roles, timezone.localdate()
    panels = []
    if INTAKE_CLERK in roles:
        panels.append({"title": _("Intake queue"), "url": "intake_queue",
                       "counts": _counts(selectors.intake_queue(user), today)})
    if roles & {INVESTIGATOR, DEPARTMENT_HEAD}:
        panels.append({"title": _("My department"), "url": "department_queue",
                       "counts": _counts(selectors.department_queue(user), today)})
    if roles & {SENIOR_MANAGER, SUPERVISOR} or (sees_all_cases(user) and not panels):
        panels.append({"title": _("All open cases"), "url": "case_list",
                       "counts": _counts(selectors.case_queue(user, open_only=True), today)})
    if roles & {INVESTIGATOR, DEPARTMENT_HEAD}:
        urgent = selectors.department_queue(user)
    elif INTAKE_CLERK in roles:
        urgent = selectors.intake_queue(user)
    else:
        urgent = selectors.case_queue(user, open_only=True)
    urgent = listing.case_rows(listing.case_table_queryset(urgent.filter(next_due__isnull=False))[:10])
    review_cases = None
    if SENIOR_MANAGER in roles:
        # Reviews wait for a senior manager to form a team of people new to the case.
        review_cases = selectors.case_queue(user, status=Status.ASSIGNED).filter(round__gt=1)[:10]
    return render(request, "cases/home.html", {
        "panels": panels, "urgent": urgent, "review_cases": review_cases, "today": today,
    })


# --- lists ------------------------------------------------------------------------------------

def _case_list_page(request, *, title, selector, template="cases/case_list.html", department_filter=False, intro="",
                    awaiting_email=(), default_sort=None):
    departments = Department.objects.filter(active=True).order_by("code") if department_filter else None
    form = CaseFilterForm(searches.filter_data(request), departments=departments)
    if request.method == "POST":
        # The search is kept server-side and the list shown at ?s=<key> (cases.searches).
        if form.is_valid():
            key = searches.search_store(request, form.stored())
            return redirect(f"{request.path}?{urlencode({searches.SEARCH_PARAM: key})}")
    sort = form.order(default_sort)
    qs = listing.case_table_queryset(selector(request.access, sort=sort, **form.selector_filters()))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {
        "title": title, "intro": intro, "filter_form": form, "filter_fields": listing.filter_fields(form),
        "page": page, "rows": listing.case_rows(page.object_list),
        "today": timezone.localdate(), "filtered": bool(form.is_bound and form.selector_filters()),
        "awaiting_email": awaiting_email, "bulk_forms": bulk_forms(request.access),
        "sort": sort or "next_due", "chips": form.chips(request),
        "saved_filters": saved_filters.saved_filter_list(request.user) if default_sort else None,
    }, status=400 if form.is_bound and not form.is_valid() else 200)


@login_required
@require_http_methods(["GET", "POST"])
def case_list(request):
    """Every case the user may see (selectors decide), newest first unless sorted otherwise, with
    the user's saved filters."""
    return _case_list_page(request, title=_("All cases"), selector=selectors.case_queue,
                           department_filter=sees_all_cases(request.access), default_sort="-received")


@login_required
@replica_view
def case_list_export(request, fmt):
    """The all-cases list with the page's filters (the stored search too), as CSV or XLSX (no
    personal data)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    departments = Department.objects.filter(active=True).order_by("code") if sees_all_cases(request.access) else None
    form = CaseFilterForm(searches.filter_data(request), departments=departments)
    filters = form.selector_filters()
    qs = selectors.case_queue(request.access, sort=form.order("-received"), **filters)
    if fmt == "xlsx":
        return exports.case_list_xlsx(qs, form, request.user)
    return exports.case_list_csv(qs, form, request.user)


@login_required
@require_http_methods(["GET", "POST"])
def intake_queue(request):
    """Cases waiting for contact with the customer or for dispatch."""
    return _case_list_page(request, title=_("Intake queue"), selector=selectors.intake_queue,
                           intro=_("Not yet dispatched, or the customer not yet contacted."),
                           awaiting_email=cases_awaiting_classification(request.access))


@login_required
@require_http_methods(["GET", "POST"])
def department_queue(request):
    """Open cases of the user's departments, nearest due date first."""
    return _case_list_page(request, title=_("My department"), selector=selectors.department_queue)


# --- intake -----------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def case_create(request):
    """The clerk's intake form; on success the new case page."""
    if not is_clerk(request.access):
        raise DjangoPermissionDenied
    form = IntakeForm(request.POST or None)
    dispatch_form = IntakeDepartmentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if all([form.is_valid(), dispatch_form.is_valid()]):  # both, so that both show their errors
            try:
                case = services.case_create(actor=request.access, data=form.to_data(),
                                            submission=form.submission(f"intake_form:{request.user.pk}"))
            except AlreadySubmitted as exc:
                # The same form again (a double click, a resent POST): the case it registered.
                messages.info(request, _("This form was already submitted: complaint %(ref)s.")
                              % {"ref": exc.case.reference})
                return redirect("case_detail", reference=exc.case.reference)
            except ApplicationError as exc:
                _apply_error(form, exc)
                status = exc.status_code
            else:
                messages.success(request, _("Complaint %(ref)s registered.") % {"ref": case.reference})
                case = intake_registered(request, case, dispatch_form)
                return redirect("case_detail", reference=case.reference)
        else:
            status = 400
    return render(request, "cases/case_form.html", {"form": form, "dispatch_form": dispatch_form}, status=status)


@login_required
@require_POST
def duplicate_check(request):
    """htmx: open cases with the same phone or policy number. POST, so no personal data in URLs."""
    if not is_clerk(request.access):
        raise DjangoPermissionDenied
    form = DuplicateCheckForm(request.POST)
    duplicates = []
    if form.is_valid() and (form.cleaned_data["customer_phone"] or form.cleaned_data["policy_numbers"]):
        duplicates = selectors.possible_duplicates(form.cleaned_data["customer_phone"].strip(),
                                                   form.cleaned_data["policy_numbers"])
    return render(request, "cases/_duplicates.html", {"duplicates": duplicates})


# --- the case page ----------------------------------------------------------------------------

def _get_case(access, reference):
    try:
        return selectors.case_get_for_user(access, reference)
    except NotFound as exc:
        raise Http404 from exc


def _action_form(name, access, case, data=None):
    return action_form(name, data, case=case, access=access)


# The case page's sections that are often empty: (name, model, the case's foreign key, extra condition).
SECTIONS = (
    ("team", TeamMember, "case_id", ""),
    ("reports", Report, "case_id", ""),
    ("plans", Plan, "case_id", ""),
    ("decisions", Decision, "case_id", ""),
    ("extensions", Extension, "case_id", ""),
    ("pauses", Pause, "case_id", ""),
    ("attachments", Attachment, "case_id", " AND removed_at IS NULL"),
    ("duplicates", Complaint, "merged_into_id", ""),
    ("inbound_mails", InboundMail, "case_id", ""),
    ("notices", Notice, "case_id", ""),
    ("mediations", Mediation, "case_id", ""),
    ("triage", TriageSuggestion, "case_id", ""),  # only cases a clerk registered have one
)


@lru_cache(maxsize=4)
def _section_sql(alias):
    quote = connections[alias].ops.quote_name
    parts = [f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} WHERE {quote(fk)} = %s{extra})"  # noqa: S608  # nosec B608 - names from _meta
             for _name, model, fk, extra in SECTIONS]
    token, token_params = configuration.token_sql(alias)
    return "SELECT " + ", ".join([*parts, token]), token_params


def _section_flags(case):
    """({section: whether the case has any row of it}, the deadline configuration's version
    token), in one plain SQL query (a query per section, or eight compiled ORM subqueries, cost
    more; the token is a query of its own otherwise, configuration.memo)."""
    alias = router.db_for_read(Complaint)
    sql, token_params = _section_sql(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [case.pk] * len(SECTIONS) + token_params)
        *flags, token = cursor.fetchone()
    return {name: bool(flag) for (name, *_rest), flag in zip(SECTIONS, flags, strict=True)}, token


def _case_page(request, case, *, failed_action=None, failed_form=None, upload_form=None, status=200, error=None):
    user = request.access
    has, token = _section_flags(case)
    deadlines = sorted(case.deadlines.all(), key=lambda d: STAGE_POSITION.get(d.stage, 99))
    pauses = list(case.pauses.select_related("created_by")) if has["pauses"] else []
    extensions = list(case.extensions.select_related("decided_by")) if has["extensions"] else []
    explain_in_language(case, deadlines, extensions, pauses, token=token)
    pause = next((p for p in pauses if p.end is None), None)
    items = [{"name": name, "title": ACTIONS[name].title, "primary": ACTIONS[name].primary}
             for name in actions_for(user, case, paused=pause is not None)]
    primary = [item for item in items if item["primary"]]
    secondary = [item for item in items if not item["primary"]]
    # Open the failed form, or else the first lifecycle step: the likely next thing to do. Only
    # that form is built and rendered here; the others are fetched when opened (case_action_form).
    expanded = failed_action or (primary[0]["name"] if primary else None)
    for item in items:
        item["form"] = failed_form if item["name"] == failed_action else (
            _action_form(item["name"], user, case) if item["name"] == expanded else None)
    plans = list(case.plans.select_related("proposed_by").prefetch_related(
        Prefetch("approvals", queryset=PlanApproval.objects.select_related("approver")))) if has["plans"] else []
    may_upload = case.status != Status.ARCHIVED and can_upload(user, case)
    may_see_personal = can_see_personal_data(user, case)
    return render(request, "cases/case_detail.html", {
        "case": case,
        "deadlines": deadlines,
        # An empty section gets an empty list: the template tests and loops over it alike.
        "team": case.team.select_related("user", "named_by").order_by("round", "role", "user__username") if has["team"] else [],
        "reports": case.reports.select_related("submitted_by") if has["reports"] else [],
        "plans": plans,
        "decisions": case.decisions.select_related("notified_by") if has["decisions"] else [],
        "extensions": extensions,
        "pauses": pauses,
        "attachments": (case.attachments.filter(removed_at__isnull=True).select_related("uploaded_by")
                        if has["attachments"] else []),
        "duplicates": case.duplicates.only("reference", "status") if has["duplicates"] else [],
        "inbound": correspondence(user, case) if has["inbound_mails"] else None,
        "notices": notices_panel(user, case) if has["notices"] else None,
        "mediations": case.mediations.all() if has["mediations"] else [],
        "triage": triage_panel(case) if has["triage"] else None,
        "events": case_timeline(selectors.case_events(case)),
        "primary_forms": primary,
        "secondary_forms": secondary,
        "expanded": expanded,
        "pause": pause,
        # The lifecycle's next step is someone else's: say whose, and what it is.
        "waiting": [] if primary else waiting_for(case, paused=pause is not None),
        "error": error,
        "may_see_personal": may_see_personal,
        "may_reveal_phone": can_reveal(user, case, "customer_phone"),
        "may_reveal_id": can_reveal(user, case, "customer_id_number"),
        "masked_phone": masked(case, "customer_phone"),
        # A group's representatives: their phones as the customer's, masked for who may not see it.
        "representatives": case.representatives if may_see_personal else groups.masked(case.representatives),
        "masked_id": masked(case, "customer_id_number"),
        "may_upload": may_upload,
        "upload_form": upload_form or (AttachmentForm() if may_upload else None),
        "today": timezone.localdate(),
    }, status=status)


@login_required
def case_detail(request, reference):
    return _case_page(request, _get_case(request.access, reference))


@login_required
@require_GET
def case_action_form(request, reference, action):
    """htmx: the form of one action of the case page's panel, when its item is first opened
    (the page renders only the open one); 404 for an action the user may not take now."""
    case = _get_case(request.access, reference)
    if action not in ACTIONS or action not in actions_for(request.access, case):
        raise Http404
    return render(request, "cases/_action_form.html",
                  {"case": case, "name": action, "form": _action_form(action, request.access, case)})


@login_required
@require_POST
def case_action(request, reference, action):
    """Perform one action from the case page's action panel."""
    case = _get_case(request.access, reference)
    if action not in ACTIONS or not ACTIONS[action].public:
        raise Http404
    form = _action_form(action, request.access, case, request.POST)
    if not form.is_valid():
        if "version" in form.errors:
            form.add_error(None, _("The form is incomplete. Reload the page and try again."))
        return _case_page(request, case, failed_action=action, failed_form=form, status=400)
    try:
        services.case_transition(actor=request.access, reference=case.reference, action=action, data=form.to_data(),
                                 expected_version=form.cleaned_data["version"])
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        _apply_error(form, exc)
        # Re-read: the page must show the case as it is now, not as the stale form saw it.
        case = _get_case(request.access, reference)
        failed = action if action in actions_for(request.access, case) else None
        return _case_page(request, case, failed_action=failed, failed_form=form if failed else None,
                          status=exc.status_code, error=None if failed else exc.message)
    messages.success(request, _("Done: %(action)s.") % {"action": form.title})
    return redirect("case_detail", reference=case.reference)


@login_required
@require_POST
@never_cache
def personal_data_show(request, reference, field):
    """htmx: the full phone or ID number for users allowed to see it; every view is logged."""
    if field not in REVEALABLE:
        raise Http404
    try:
        value = services.personal_data_reveal(actor=request.access, reference=reference, field=field)
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        return render(request, "cases/_personal_data.html", {"error": exc.message}, status=exc.status_code)
    return render(request, "cases/_personal_data.html", {"value": value or "—"})


@login_required
@require_POST
def attachment_upload(request, reference):
    case = _get_case(request.access, reference)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _case_page(request, case, upload_form=form, status=400)
    try:
        services.attachment_add(actor=request.access, reference=case.reference,
                                uploaded_file=form.cleaned_data["file"], kind=form.cleaned_data["kind"])
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        form.add_error("file", exc.message)
        return _case_page(request, _get_case(request.access, reference), upload_form=form, status=exc.status_code)
    messages.success(request, _("File uploaded."))
    return redirect("case_detail", reference=case.reference)


@login_required
def attachment_download(request, reference, attachment_id):
    try:
        return services.attachment_open(actor=request.access, reference=reference, attachment_id=attachment_id)
    except NotFound as exc:
        raise Http404 from exc


# --- the public form --------------------------------------------------------------------------

def public_complaint(request):
    """/complain/ (linked from the login page) leads to the customer channel in cases/public,
    which adds rate limits, attachments and the confirmation message; one public form only."""
    return redirect("public_complaint_form")
