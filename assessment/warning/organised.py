"""Organised-complaint signals (SPEC §13: 代理退保 and the like) and the supervisor's review.

Signals of a case: the same phone, email, address or agent as other complainants (at least
ORGANISED_SHARED_MIN distinct customer names, this case's included, received within
ORGANISED_WINDOW_DAYS); near-identical text (character n-gram TF-IDF cosine ≥
ORGANISED_TEXT_SIMILARITY, scikit-learn); an agent without an authorisation on file; a keyword
of the admin-edited list. A case with a signal gets an OrganisedReview row for a supervisor.
Nothing here changes a case: a signal is never a refusal, the review records the finding.

When: after a registration (``case_changed`` with created=True), one task queued for after
the commit computes the new case's signals (``case_signals_record``: indexed equality look-ups
and the keywords, bench/organised.py measures them at a large table, then the text comparison,
which must read the window's texts); the registration does not wait for them. Daily (beat), everything again over the window, so the earlier members of a
group that formed later, and cases not registered through intake, are flagged too, with a
fixed number of queries (set-based reads, reviews written in batches: 93 s and 265 queries at
1M cases where the per-group and per-case queries had not finished in 30 minutes,
bench/README.md). Both merge into the review's signals by one rule (``_review_with``), so a
rerun changes nothing.
"""
import contextlib
import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assessment.supervision.common import require_supervisor
from cases.deadlines.configuration import configuration_changed
from cases.deadlines.configuration import memo as configuration_memo
from cases.models import Complaint
from complaints_portal.common.errors import ApplicationError, NotFound, ValidationFailed
from complaints_portal.common.queueing import enqueue_on_commit

from .models import OrganisedReview, SignalKeyword, SignalKind

# The case's columns compared for each "shared" signal.
SHARED_COLUMNS = {
    SignalKind.SHARED_PHONE: "customer_phone",
    SignalKind.SHARED_EMAIL: "customer_email",
    SignalKind.SHARED_ADDRESS: "customer_address",
    SignalKind.SHARED_AGENT: "agent_name",
}
# Cases sharing a value read per look-up at intake (a larger group is flagged by the daily job).
SHARED_LIMIT = 200
# Reviews read, locked and written per statement by the daily run (its writes are set-based).
REVIEW_BATCH = 1000
# Cells of the text-similarity product computed at a time: character n-grams are shared by most
# texts, so a row of the product is nearly dense; 4M cells (about 50 MB) whatever the window's size.
PRODUCT_CELLS = 4_000_000


class EvidenceRequired(ValidationFailed):
    code = "evidence_required"
    default_message = gettext_lazy("Record the evidence for this finding.")


class AlreadyDecided(ApplicationError):
    code = "already_decided"
    status_code = 409
    default_message = gettext_lazy("This review already has an outcome.")


def _window(until):
    since = until - datetime.timedelta(days=settings.ORGANISED_WINDOW_DAYS)
    return Complaint.objects.filter(received_at__gte=since, received_at__lte=until, merged_into__isnull=True)


def _name(name):
    return " ".join((name or "").split()).casefold()


def case_text(case):
    """The text compared for near-identical complaints."""
    return f"{case.summary}\n{case.description}".strip()


def _signal(kind, related=(), **extra):
    return {"kind": str(kind), "related": sorted(set(related)), **extra}


def _keywords_read():
    return tuple(SignalKeyword.objects.filter(active=True).values_list("word", flat=True))


def keywords_active(memo=None):
    """The active keywords: from the configuration memo where the caller has one (intake), so
    that a registration reads them once per configuration version, not once per case."""
    return list(memo.value("signal_keywords", _keywords_read) if memo is not None else _keywords_read())


# The keywords are configuration: a change gives a new version token, so no memo keeps old ones.
def _keywords_changed(sender, instance, **kwargs):
    configuration_changed("signal keywords", recompute=False)


post_save.connect(_keywords_changed, sender=SignalKeyword, dispatch_uid="organised-keywords-saved")
post_delete.connect(_keywords_changed, sender=SignalKeyword, dispatch_uid="organised-keywords-deleted")


def signals_of_case(case, keywords=None):
    """The signals of one case that need no text comparison: the shared values (one indexed
    look-up per value the case has) and the case's own signals."""
    found = []
    for kind, column in SHARED_COLUMNS.items():
        value = (getattr(case, column) or "").strip()
        if not value:
            continue
        rows = list(_window(case.received_at).filter(**{column: value}).exclude(pk=case.pk)
                    .values_list("pk", "customer_name")[:SHARED_LIMIT])
        if len({_name(case.customer_name)} | {_name(name) for _pk, name in rows}) >= settings.ORGANISED_SHARED_MIN:
            found.append(_signal(kind, [pk for pk, _name_ in rows]))
    return found + own_signals(case, keywords_active() if keywords is None else keywords)


def own_signals(case, keywords):
    """The signals a case carries by itself, without reading other cases: an agent without an
    authorisation on file, the keywords found in its text."""
    found = []
    if case.agent_name.strip() and not case.agent_authorisation.strip():
        found.append(_signal(SignalKind.AGENT_UNAUTHORISED))
    text = f"{case.summary}\n{case.description}\n{case.expected_resolution}"
    found.extend(_signal(SignalKind.KEYWORD, value=word) for word in keywords if word in text)
    return found


# Fields own_signals reads (the daily run loads only these).
OWN_SIGNAL_FIELDS = ("pk", "summary", "description", "expected_resolution", "agent_name", "agent_authorisation")


def _merge(current, new):
    """``current`` with ``new`` added: one entry per (kind, value), the related cases united."""
    merged = {(s["kind"], s.get("value")): dict(s) for s in current}
    for signal in new:
        key = (signal["kind"], signal.get("value"))
        if key in merged:
            entry = merged[key]
            entry["related"] = sorted(set(entry.get("related", [])) | set(signal.get("related", [])))
            if "score" in signal:
                entry["score"] = max(entry.get("score", 0), signal["score"])
        else:
            merged[key] = dict(signal)
    return sorted(merged.values(), key=lambda s: (s["kind"], s.get("value") or ""))


def _review_with(review, case_id, signals, now):
    """The rule of a review row, for one case: (the review, whether it must be written).

    A new review holds the signals, pending. An existing one gets the new signals merged in
    (one entry per kind and value, related cases united, the highest score) and nothing else:
    its outcome, evidence and decision are never touched, so a decided review is not reopened,
    and the case itself is never changed (a signal is not a refusal). Unchanged: not written,
    so a rerun writes no history row."""
    if review is None:
        return OrganisedReview(case_id=case_id, signals=_merge([], signals), flagged_at=now), True
    merged = _merge(review.signals, signals)
    if merged == review.signals:
        return review, False
    review.signals = merged
    return review, True


def reviews_record(signals_by_case):
    """Add each case's signals to its review (created where it has none), set-based: per batch of
    REVIEW_BATCH cases one locking read, one insert and one update, each with its history rows
    (django-simple-history's bulk helpers, so the audit stays complete). Returns {case id: review}
    of the cases with signals. The rule of a row is ``_review_with``."""
    wanted = {case_id: signals for case_id, signals in signals_by_case.items() if signals}
    reviews = {}
    ids = sorted(wanted)
    for start in range(0, len(ids), REVIEW_BATCH):
        chunk = ids[start:start + REVIEW_BATCH]
        try:
            reviews.update(_reviews_write(chunk, wanted))
        except IntegrityError:
            # A registration created one of these reviews between the read and the insert: the
            # batch was rolled back whole; read again, the new review is then merged into.
            reviews.update(_reviews_write(chunk, wanted))
    return reviews


def _reviews_write(case_ids, wanted):
    now = timezone.now()
    with transaction.atomic():
        existing = {review.case_id: review for review in
                    OrganisedReview.objects.select_for_update().filter(case_id__in=case_ids).order_by("case_id")}
        reviews, created, changed = {}, [], []
        for case_id in case_ids:
            review, write = _review_with(existing.get(case_id), case_id, wanted[case_id], now)
            reviews[case_id] = review
            if write:
                (changed if review.pk else created).append(review)
        if created:
            bulk_create_with_history(created, OrganisedReview)
        if changed:
            bulk_update_with_history(changed, OrganisedReview, ["signals"])
    return reviews


def review_record(case_id, signals):
    """Add ``signals`` to the case's review (created if it has none); returns the review, or None
    without signals. The single-case form of ``reviews_record`` (the same rule, the same writes)."""
    return reviews_record({case_id: signals}).get(case_id)


def case_registered(sender, case, created=False, **kwargs):
    """``case_changed`` receiver: at registration, one task queued for after the commit records
    the new case's signals (``case_signals_record``). Off the request: the look-ups and the
    review's writes were a tenth of a registration's CPU; should the task be lost, the daily
    run finds the same signals."""
    if created:
        enqueue_on_commit("assessment.warning.tasks.organised_case_check", case.pk)


def case_signals_record(case_id):
    """The signals of a case just registered: the shared values and its own (the keywords from
    the configuration memo), then, for a text long enough, the near-identical texts among the
    window's latest ORGANISED_TEXT_RECENT cases. Returns the review, or None."""
    case = Complaint.objects.filter(pk=case_id).first()
    if case is None:
        return None
    review = review_record(case.pk, signals_of_case(case, keywords_active(configuration_memo())))
    if len(case_text(case)) >= settings.ORGANISED_TEXT_MIN_CHARS:
        review = text_signals_record([case.pk], recent=settings.ORGANISED_TEXT_RECENT).get(case.pk, review)
    return review


# -- near-identical text ----------------------------------------------------------------------------
def similar_texts(case_ids, until=None, recent=None):
    """{case id: [(other case id, cosine)]} for the given cases against the window's texts:
    character 2–3-gram TF-IDF (scikit-learn), cosine ≥ ORGANISED_TEXT_SIMILARITY. The vocabulary
    and weights are learnt on the texts compared, so a phrase every complaint uses counts little.
    ``recent``: only the window's latest ``recent`` cases (the check after each registration:
    fitting the whole window of a large table takes seconds, bench/organised.py; the daily run
    compares with all of it)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    until = until or timezone.now()
    columns = ("pk", "summary", "description")
    window = _window(until).order_by("-received_at").values_list(*columns)
    texts = dict((pk, (summary, description)) for pk, summary, description in (window[:recent] if recent else window))
    if recent:  # the cases checked, whether or not among the latest
        texts.update((pk, (s, d)) for pk, s, d in _window(until).filter(pk__in=case_ids).values_list(*columns))
    rows = [(pk, f"{summary}\n{description}".strip()) for pk, (summary, description) in texts.items()]
    rows = [(pk, text) for pk, text in rows if len(text) >= settings.ORGANISED_TEXT_MIN_CHARS]
    position = {pk: i for i, (pk, _text) in enumerate(rows)}
    targets = [position[pk] for pk in case_ids if pk in position]
    if not targets or len(rows) < 2:
        return {}
    # 2–3-grams: half the time of 2–4-grams (0.46 against 0.88 s of CPU for 5,000 complaint
    # texts, bench/organised.py) for the same near-identical pairs.
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True).fit_transform(
        [text for _pk, text in rows]).tocsr()
    others = matrix.T.tocsr()  # transposed once, not per block
    threshold = settings.ORGANISED_TEXT_SIMILARITY
    found = {}
    # The product in blocks of PRODUCT_CELLS cells (rows of nearly dense scores), thresholded in
    # NumPy: only the pairs at or above the similarity reach Python. At 124,000 texts in the
    # window the earlier loop over every score of every row (about 300M for two days' cases)
    # cost more than the product itself (bench/README.md).
    step = max(1, PRODUCT_CELLS // len(rows))
    for start in range(0, len(targets), step):
        block = targets[start:start + step]
        scores = (matrix[block] @ others).tocsr()
        scores.data[scores.data < threshold] = 0
        scores.eliminate_zeros()
        for row, target in enumerate(block):
            cells = slice(scores.indptr[row], scores.indptr[row + 1])
            pairs = [(rows[col][0], round(float(score), 3))
                     for col, score in zip(scores.indices[cells], scores.data[cells], strict=True) if col != target]
            if pairs:
                found[rows[target][0]] = sorted(pairs)
    return found


def text_signals(case_ids, until=None, recent=None):
    """{case id: [near-identical-text signal]} of the given cases and of the cases they resemble."""
    found = {}
    for case_id, pairs in similar_texts(case_ids, until, recent).items():
        best = max(score for _pk, score in pairs)
        found.setdefault(case_id, []).append(_signal(SignalKind.SIMILAR_TEXT, [pk for pk, _s in pairs], score=best))
        for other, score in pairs:
            found.setdefault(other, []).append(_signal(SignalKind.SIMILAR_TEXT, [case_id], score=score))
    return found


def text_signals_record(case_ids, until=None, recent=None):
    """Record the near-identical-text signal on the given cases and on the cases they resemble."""
    return reviews_record(text_signals(case_ids, until, recent))


# -- the daily run -----------------------------------------------------------------------------------
def shared_group_signals(window):
    """{case id: [shared-value signals]}: every member of every group of the window sharing a
    phone, email, address or agent across ORGANISED_SHARED_MIN customer names. One query per
    column (the members of all its groups, the groups as a subquery), grouped here: the number
    of queries does not grow with the number of groups."""
    flagged = {}
    for kind, column in SHARED_COLUMNS.items():
        groups = (window.exclude(**{column: ""}).values(column).annotate(names=Count("customer_name", distinct=True))
                  .filter(names__gte=settings.ORGANISED_SHARED_MIN).values(column))
        members = {}
        for value, pk in window.filter(**{f"{column}__in": groups}).values_list(column, "pk"):
            members.setdefault(value, []).append(pk)
        for pks in members.values():
            for pk in pks:
                flagged.setdefault(pk, []).append(_signal(kind, [m for m in pks if m != pk]))
    return flagged


def recent_cases(window, now):
    """The window's cases received in the last two days (the daily run's own and text signals)."""
    return list(window.filter(received_at__gte=now - datetime.timedelta(days=2)).only(*OWN_SIGNAL_FIELDS))


def organised_signals_daily(now=None, phase=None):
    """All signals again over the window: the shared values as groups (every member flagged), the
    own signals and the text comparison of the cases received in the last two days; the reviews
    written in batches. Returns the number of cases with signals found by this run.

    A fixed number of queries plus a few per REVIEW_BATCH reviews written: per group or per case
    queries made the run last beyond 30 minutes at 1M cases (bench/README.md). ``phase``: a
    context manager factory called with each phase's name (bench/organised.py times them)."""
    phase = phase or (lambda name: contextlib.nullcontext())
    now = now or timezone.now()
    window = _window(now)
    with phase("shared groups"):
        flagged = shared_group_signals(window)
    with phase("per-case signals"):
        recent = recent_cases(window, now)
        keywords = keywords_active()
        for case in recent:
            flagged.setdefault(case.pk, []).extend(own_signals(case, keywords))
    with phase("text comparison"):
        for case_id, signals in text_signals([case.pk for case in recent], now).items():
            flagged.setdefault(case_id, []).extend(signals)
    with phase("review rows"):
        reviews_record(flagged)
    return sum(1 for signals in flagged.values() if signals)


# -- the review ----------------------------------------------------------------------------------------
def organised_review_decide(*, actor, review_id, outcome, evidence):
    """Record the supervisor's finding: genuine, or not filed by the complainant or an
    authorised agent (Art. 18), which needs the evidence. The case itself is not changed."""
    require_supervisor(actor)
    evidence = (evidence or "").strip()
    if outcome not in (OrganisedReview.Outcome.GENUINE, OrganisedReview.Outcome.NOT_AUTHORISED):
        raise ValidationFailed(extra={"fields": {"outcome": [_("Choose an outcome.")]}})
    if outcome == OrganisedReview.Outcome.NOT_AUTHORISED and not evidence:
        raise EvidenceRequired(extra={"fields": {"evidence": [_("This field is required.")]}})
    with transaction.atomic():
        review = OrganisedReview.objects.select_for_update().filter(pk=review_id).first()
        if review is None:
            raise NotFound()
        if review.outcome != OrganisedReview.Outcome.PENDING:
            raise AlreadyDecided()
        review.outcome, review.evidence = outcome, evidence
        review.decided_by, review.decided_at = actor, timezone.now()
        review._history_user = actor
        review.save(update_fields=["outcome", "evidence", "decided_by", "decided_at"])
    return review


def reviews_related_cases(reviews):
    """{case id: case} of every case the reviews' signals name, in one query (the list page)."""
    ids = {pk for review in reviews for signal in review.signals for pk in signal.get("related", [])}
    return Complaint.objects.in_bulk(ids) if ids else {}
