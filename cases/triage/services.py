"""Writes of the triage suggestions: training and storing a model version, the monthly
retraining, and the suggestion kept with a case at registration."""
import hashlib
import logging
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints_portal.common.errors import ApplicationError

from ..models import Complaint
from . import selectors
from .models import TARGETS, TriageModel, TriageSuggestion

logger = logging.getLogger(__name__)


class TooFewCases(ApplicationError):
    code = "triage_too_few_cases"
    status_code = 409


def _period(now):
    return timezone.localtime(now).strftime("%Y-%m")


def triage_model_train(*, min_cases=None, trigger=TriageModel.Trigger.MANUAL, seed=None, now=None):
    """Train the classifiers on the closed cases, evaluate them on a held-out split and store
    them as a new version, which every process uses from its next suggestion on.

    Refused (TooFewCases, nothing stored) with fewer than `min_cases` closed cases (default
    settings.TRIAGE_MIN_CASES); a target whose label fewer cases carry (e.g. dispute types a
    legacy import did not have) is left out and named in the parameters. Runs for seconds to
    minutes (bench/triage.py); no transaction is held open meanwhile."""
    min_cases = settings.TRIAGE_MIN_CASES if min_cases is None else min_cases
    seed = settings.TRIAGE_SEED if seed is None else seed
    texts, labels = selectors.triage_training_cases()
    if len(texts) < min_cases:
        raise TooFewCases(
            _("Training needs at least %(min)d closed cases with a text; there are %(count)d.")
            % {"min": min_cases, "count": len(texts)},
            extra={"closed_cases": len(texts), "min_cases": min_cases},
        )
    usable = {target: values for target, values in labels.items() if sum(1 for v in values if v) >= min_cases}
    skipped = {target: f"fewer than {min_cases} cases with this label" for target in labels if target not in usable}
    # scikit-learn, SciPy and numpy are loaded by the training only, not by every process that
    # imports this module (a web worker would carry them for nothing).
    from . import predictor, training

    started = time.monotonic()
    result = training.fit(texts, usable, seed=seed) if usable else None
    if result is None or not result.parameters["targets"]:
        raise TooFewCases(
            _("No label is carried by enough closed cases (at least %(min)d) to learn from.") % {"min": min_cases},
            extra={"closed_cases": len(texts), "min_cases": min_cases},
        )
    parameters = {**result.parameters, "skipped": {**skipped, **result.skipped},
                  "seconds": round(time.monotonic() - started, 1)}
    blob = predictor.dumps(result.arrays)
    predictor.Predictor.from_bytes(blob, parameters["targets"])  # what is stored must load
    with transaction.atomic():
        return TriageModel.objects.create(
            trained_at=now or timezone.now(), period=_period(now or timezone.now()), trigger=trigger,
            training_size=len(texts), metrics=result.metrics, parameters=parameters, weights=blob,
            weights_sha256=hashlib.sha256(blob).hexdigest(),
        )


def triage_monthly_retrain(*, now=None):
    """The monthly job: train a new version unless one was already trained this month (by the
    job or the command); returns it, or None when there was nothing to do.

    Safe to run twice: a run that finds this month's version does nothing, and of two runs at
    once only one stores (a unique constraint on the month of the job's versions). Too few
    closed cases is not a failure of the job: it is logged and the form keeps showing the
    suggestions of the model it has, or none."""
    now = now or timezone.now()
    if TriageModel.objects.filter(period=_period(now)).exists():
        return None
    try:
        return triage_model_train(trigger=TriageModel.Trigger.MONTHLY, now=now)
    except TooFewCases as exc:
        logger.info("triage: monthly retraining skipped: %s", exc.message)
    except IntegrityError:
        logger.info("triage: this month's model was stored by another run")
    return None


def _accepted(chosen, ranked):
    if not chosen or not ranked:
        return None
    return chosen == ranked[0][0]


def triage_suggestion_record(*, case_id, chosen):
    """Keep with a case registered from the intake form what the model in use suggests for its
    text, and whether the clerk's choices (`chosen`: {target: value or ""}, as registered) were
    the first suggestions. Idempotent: one record per case, a second call returns it. None when
    nothing is suggested (no model, too little text) or the case does not exist."""
    case = Complaint.objects.filter(pk=case_id).only("summary", "description", "expected_resolution").first()
    if case is None:
        return None
    suggestion = selectors.triage_suggest(selectors.case_text(case.summary, case.description, case.expected_resolution))
    if suggestion is None:
        return None
    ranked = {target: [[value, round(score, 4)] for value, score in values]
              for target, values in suggestion["targets"].items()}
    # get_or_create inserts in a savepoint and reads the winner's row if a concurrent run of the
    # task inserted first (the case is unique).
    record, _created = TriageSuggestion.objects.get_or_create(case_id=case_id, defaults={
        "model_id": suggestion["version"], "ranked": ranked,
        **{f"{target}_accepted": _accepted(chosen.get(target), ranked.get(target)) for target in TARGETS},
    })
    return record
