"""Closed cases with generated complaint texts (cases.triage.textgen), for the triage tests.

Imported through the legacy import (one COPY-like write per batch, closed with a decision):
hundreds of closed cases in a second, where walking each through the services would take a
minute. Their text is in the summary, as a legacy system keeps it."""
import csv
import datetime
import io

from assessment.kpi.legacy_import import complaints_import
from cases.triage.textgen import generate_cases
from tests.factories.cases import DepartmentFactory

COLUMNS = ["reference", "received_at", "channel", "category", "department", "notified_at", "closed_at",
           "summary", "dispute_type"]


def closed_cases(count, *, seed=2026, dispute_types=True, start=datetime.datetime(2025, 3, 3, 9, 0)):
    """Import `count` closed cases (departments SALES, CS, CLAIMS); returns the generated cases."""
    for code in ("SALES", "CS", "CLAIMS"):
        DepartmentFactory(code=code)
    generated = generate_cases(count, seed=seed)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for index, case in enumerate(generated):
        received = start + datetime.timedelta(hours=7 * index)
        writer.writerow({
            "reference": f"TR-{seed}-{index:05d}", "received_at": received.isoformat(timespec="minutes"),
            "channel": "hotline", "category": case.category, "department": case.department,
            "notified_at": (received + datetime.timedelta(days=5)).isoformat(timespec="minutes"),
            "closed_at": (received + datetime.timedelta(days=6)).isoformat(timespec="minutes"),
            "summary": case.compact(), "dispute_type": case.dispute_type if dispute_types else "",
        })
    result = complaints_import(io.StringIO(out.getvalue()))
    assert result.ok, result.errors[:3]
    return generated


def fitted_on_generated(count=300, seed=2026):
    """A FitResult of `count` generated cases, without the database."""
    from cases.triage import training

    cases = generate_cases(count, seed=seed)
    texts = [f"{c.summary}\n{c.description}\n{c.expected_resolution}" for c in cases]
    return training.fit(texts, {target: [getattr(c, target) for c in cases] for target in training.TARGETS}, seed=seed)


def stored_model(result, **fields):
    """A TriageModel row holding `result` (a FitResult), as the training service stores one."""
    import hashlib

    from cases.triage.models import TriageModel
    from cases.triage.predictor import dumps

    blob = dumps(result.arrays)
    for code in ("SALES", "CS", "CLAIMS"):
        DepartmentFactory(code=code)
    return TriageModel.objects.create(**{
        "period": "2026-01", "trigger": "manual", "training_size": 300, "metrics": result.metrics,
        "parameters": {**result.parameters, "skipped": {}, "seconds": 1.0}, "weights": blob,
        "weights_sha256": hashlib.sha256(blob).hexdigest(), **fields,
    })
