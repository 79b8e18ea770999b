"""Reads of the triage suggestions: the training cases, the model in use, a text's suggestions,
a case's recorded suggestion, and the acceptance rates."""
import logging
from functools import lru_cache

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ..models import Complaint, Department
from ..models.case import Category, DisputeType, Status
from .models import TARGETS, TriageModel, TriageSuggestion

logger = logging.getLogger(__name__)

TOP = 3
TARGET_LABELS = {"category": _("Category"), "dispute_type": _("Dispute type"), "department": _("Department")}
# A text shorter than this says too little to suggest anything.
MIN_TEXT = 4


def case_text(summary, description, expected_resolution):
    """The text a suggestion is made from: what the clerk writes in the three text fields."""
    return "\n".join(part.strip() for part in (summary, description, expected_resolution) if part and part.strip())


def triage_training_cases():
    """(texts, labels) of the closed cases a model learns from: closed or archived, not merged
    into another case (a duplicate would count its master twice), with some text. Labels are
    the cases' final category, dispute type and department code ("" where a case has none)."""
    rows = (Complaint.objects
            .filter(status__in=[Status.CLOSED, Status.ARCHIVED], merged_into__isnull=True)
            .order_by("pk")
            .values_list("summary", "description", "expected_resolution", "category", "dispute_type",
                         "department__code"))
    texts, labels = [], {target: [] for target in TARGETS}
    for summary, description, expected, category, dispute_type, department in rows.iterator(chunk_size=2000):
        text = case_text(summary, description, expected)
        if len(text) < MIN_TEXT:
            continue
        texts.append(text)
        for target, value in zip(TARGETS, (category, dispute_type, department or ""), strict=True):
            labels[target].append(value or "")
    return texts, labels


def triage_model_latest():
    """The model in use (the newest version), without its weights; None before any training."""
    return TriageModel.objects.defer("weights").order_by("-version").first()


@lru_cache(maxsize=2)
def _predictor(version, sha256):
    """The Predictor of a model version, loaded once per process. A version's row is never
    changed after it is written; the key includes the weights' digest all the same, so that a
    database restored or rebuilt with other models under the same numbers is never answered
    from the cache. Nothing to invalidate: a new version has a new key."""
    from .predictor import Predictor  # numpy and jieba: loaded with the first suggestion, not at start-up

    model = TriageModel.objects.only("weights", "parameters").get(version=version, weights_sha256=sha256)
    return Predictor.from_bytes(model.weights, model.parameters["targets"])


def triage_predictor():
    """(version, Predictor) of the model in use, or None when there is none or it cannot be
    read (logged). One query per call: the newest version and its digest."""
    from .predictor import ModelArraysInvalid

    newest = TriageModel.objects.order_by("-version").values_list("version", "weights_sha256").first()
    if newest is None:
        return None
    try:
        return newest[0], _predictor(*newest)
    except (ModelArraysInvalid, KeyError, TriageModel.DoesNotExist) as exc:
        logger.error("triage model v%s cannot be read: %s", newest[0], exc)
        return None


def department_names(active_only=False):
    """{code: name} of the departments (only the active ones: those a case may go to)."""
    departments = Department.objects.filter(active=True) if active_only else Department.objects.all()
    return dict(departments.values_list("code", "name"))


def triage_suggest(text, departments=None):
    """{"version", "targets": {target: [(value, score), ...top 3]}} for a complaint text, or
    None (no model, too little text, nothing the model knows). Departments that are not
    active (`departments`: {code: name} of those that are, read when not given) are left out."""
    if len(text.strip()) < MIN_TEXT:
        return None
    loaded = triage_predictor()
    if loaded is None:
        return None
    version, predictor = loaded
    scores = predictor.scores(text)
    if scores is None:
        return None
    if "department" in scores:
        active = department_names(active_only=True) if departments is None else departments
        scores["department"] = [(code, score) for code, score in scores["department"] if code in active]
    return {"version": version, "targets": {target: ranked[:TOP] for target, ranked in scores.items() if ranked}}


def triage_display(targets, departments=None):
    """[(target, target label, [(value, value label, score), ...])] in the order of TARGETS,
    with the labels in the active language."""
    labels = {"category": dict(Category.choices), "dispute_type": dict(DisputeType.choices)}
    if "department" in targets:
        labels["department"] = department_names() if departments is None else departments
    return [
        (target, TARGET_LABELS[target], [(value, labels[target].get(value, value), score) for value, score in targets[target]])
        for target in TARGETS if targets.get(target)
    ]


def triage_suggestion_for_case(case):
    """The suggestion recorded when the case was registered, or None."""
    return TriageSuggestion.objects.filter(case=case).select_related("model").only(
        "ranked", "category_accepted", "dispute_type_accepted", "department_accepted", "created_at",
        "model__version", "model__trained_at").first()


def triage_acceptance(queryset=None):
    """Per model version (newest first): suggestions recorded and, per target, how many were
    decided by the clerk and how many of those took the first suggestion. Counted in the
    database (one GROUP BY)."""
    queryset = TriageModel.objects.all() if queryset is None else queryset
    annotations = {"suggested": Count("suggestions")}
    for target in TARGETS:
        field = f"suggestions__{target}_accepted"
        annotations[f"{target}_decided"] = Count("suggestions", filter=Q(**{f"{field}__isnull": False}))
        annotations[f"{target}_accepted"] = Count("suggestions", filter=Q(**{field: True}))
    return queryset.annotate(**annotations).order_by("-version")


def acceptance_rate(accepted, decided):
    """Percentage with one decimal, None without any decision."""
    return round(100 * accepted / decided, 1) if decided else None


def triage_panel(case):
    """What the case page's panel shows (jinja2/triage/_case_panel.html): the suggestion made at
    registration and, per target, what the clerk took; None for a case without one (most
    cases: API, public form, legacy). One query."""
    record = triage_suggestion_for_case(case)
    if record is None:
        return None
    rows = triage_display({target: [tuple(v) for v in values] for target, values in record.ranked.items()})
    return {
        "record": record,
        "rows": [(target, label, values, getattr(record, f"{target}_accepted")) for target, label, values in rows],
    }
