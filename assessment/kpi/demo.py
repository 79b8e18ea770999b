"""Eight quarters of demo history (legacy cases, policy volumes, targets, follow-up visits) for
the dashboard, trend and reports, through the import code with a fixed seed; skipped when
any legacy case exists."""
import csv
import datetime
import io
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cases.models import Complaint, Department
from cases.triage.textgen import generate_text

from .imports import policy_volumes_import
from .legacy_import import complaints_import
from .legacy_rows import OPTIONAL, REQUIRED
from .models import Target
from .periods import local_today, previous_quarter, quarter_of, quarters_ending

COLUMNS = [*REQUIRED, *OPTIONAL]  # the columns of import_complaints, in the order of SPEC §9
CHANNELS = ["hotline"] * 6 + ["online"] * 3 + ["letter", "visit", "regulator", "regulator", "media"]
# Per department: (cases per quarter, share decided late, satisfied share): a visible spread.
PROFILE = {"SALES": (22, 0.08, 0.78), "CS": (14, 0.03, 0.92), "CLAIMS": (18, 0.12, 0.85)}


def _legacy_text(serial, category, department):
    """A varied complaint text (cases.triage.textgen) of the case's category and department, kept
    as a legacy system keeps it: in the one summary column. Its own seed per line, so that the
    history's figures (drawn from `rng`) stay what they were."""
    text = generate_text(random.Random(serial), category=category, department=department)
    return {"summary": text.compact(), "dispute_type": text.dispute_type, "product_line": text.product_line}


def _rows(rng, quarters, departments):
    now = timezone.localtime()
    serial = 0
    for quarter in quarters:
        days = (quarter.end - quarter.start).days + 1
        for department in departments:
            count, late_share, satisfied_share = PROFILE.get(department.code, (15, 0.05, 0.85))
            for _ in range(count + rng.randint(-4, 4)):
                serial += 1
                received = datetime.datetime.combine(
                    quarter.start + datetime.timedelta(days=rng.randrange(days)),
                    datetime.time(rng.randint(8, 18), rng.randint(0, 59)),
                )
                category = rng.choice(["product", "service", "service", "misconduct"])
                row = {
                    "reference": f"LG-{quarter.code}-{serial:05d}",
                    "received_at": received.isoformat(timespec="minutes"),
                    "channel": rng.choice(CHANNELS), "category": category, "department": department.code,
                    "complaint_type": "feedback" if rng.random() < 0.06 else "complaint",
                    "tier": "complex" if rng.random() < 0.1 else "simple",
                    "customer_name": f"历史客户{serial:04d}", "customer_phone": f"139{serial:08d}",
                    "policy_number": f"P{quarter.code[:4]}{serial:06d}",
                    **_legacy_text(serial, category, department.code),
                }
                if rng.random() < 0.04:
                    withdrawn = received + datetime.timedelta(days=rng.randint(1, 6))
                    row.update(withdrawn_at=withdrawn.isoformat(timespec="minutes"),
                               closed_at=withdrawn.isoformat(timespec="minutes"))
                else:
                    late = rng.random() < late_share
                    notified = received + datetime.timedelta(days=rng.randint(16, 24) if late else rng.randint(3, 13),
                                                             hours=rng.randint(0, 5))
                    if notified >= now.replace(tzinfo=None):
                        continue
                    closed = notified + datetime.timedelta(days=2)
                    row.update(notified_at=notified.isoformat(timespec="minutes"),
                               closed_at=closed.isoformat(timespec="minutes"))
                    if rng.random() < 0.85:
                        visit = notified + datetime.timedelta(days=rng.randint(1, 5))
                        outcome = rng.choices(["completed", "unreachable", "refused"], [85, 10, 5])[0]
                        row.update(revisit_at=visit.isoformat(timespec="minutes"), revisit_outcome=outcome)
                        if outcome == "completed":
                            satisfied = rng.random() < satisfied_share
                            row["revisit_rating"] = rng.choice([4, 5, 5]) if satisfied else rng.choice([1, 2, 3])
                yield row


def _csv(rows, columns):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return io.StringIO(out.getvalue())


def ensure_demo_history(seed=2026):
    """Import the history once; returns the number of legacy cases created (0 when present)."""
    if Complaint.objects.filter(is_legacy=True).exists():
        return 0
    rng = random.Random(seed)
    quarters = quarters_ending(previous_quarter(local_today()), 8)
    departments = list(Department.objects.filter(code__in=PROFILE).order_by("code"))
    with transaction.atomic():
        result = complaints_import(_csv(_rows(rng, quarters, departments), COLUMNS))
        volumes = [
            {"period": q.code, "department": d.code, "new_policies": rng.randint(9000, 16000),
             "policies_in_force": rng.randint(120000, 200000), "premium": rng.randint(80, 160) * 1_000_000,
             "insured_persons": rng.randint(130000, 220000)}
            for q in [*quarters, quarter_of(local_today())] for d in departments
        ]
        policy_volumes_import(_csv(volumes, list(volumes[0])))
        for q in [*quarters, quarter_of(local_today())]:
            for department in [None, *departments]:
                Target.objects.get_or_create(period=q.code, department=department, defaults={
                    "complaint_rate": Decimal("0.1500"), "on_time_rate": Decimal("95.00"),
                    "satisfaction_rate": Decimal("85.00")})
    return result.created
