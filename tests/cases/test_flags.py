"""Customer flags (SPEC §12): elderly from a resident ID at receipt, entered flags, faster stage
rules per flag, the set_flags action, and where they show."""
import datetime

import pytest
from django.test import Client

from cases.flags import is_elderly, resident_birth_date
from cases.models import CaseDeadline, DeadlinePolicy, StageRule
from cases.services import case_create, case_transition
from complaints_portal.common.errors import PermissionDenied, ValidationFailed
from tests.factories.cases import local_dt

pytestmark = pytest.mark.django_db


def resident_id(born):
    """An 18-character resident ID number of someone born on ``born``, with its check digit."""
    body = f"110105{born:%Y%m%d}123"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def intake(**extra):
    return {"channel": "hotline", "category": "service", "summary": "Late claim", "description": "Six weeks.",
            "customer_name": "李四", "customer_phone": "13812345678", "received_at": local_dt("2026-11-02", 9),
            **extra}


def test_birth_dates_and_the_sixtieth_birthday():
    assert resident_birth_date(resident_id(datetime.date(1966, 11, 2))) == datetime.date(1966, 11, 2)
    assert resident_birth_date("110105661102123") == datetime.date(1966, 11, 2)  # the old 15 digits
    assert resident_birth_date("11010519661302123X") is None
    on = datetime.date(2026, 11, 2)
    assert is_elderly("resident_id", resident_id(datetime.date(1966, 11, 2)), on)
    assert not is_elderly("resident_id", resident_id(datetime.date(1966, 11, 3)), on)
    assert not is_elderly("passport", resident_id(datetime.date(1950, 1, 1)), on)


def test_intake_derives_elderly_and_keeps_entered_flags(people):
    old = case_create(actor=people["clerk"], data=intake(
        customer_id_type="resident_id", customer_id_number=resident_id(datetime.date(1950, 3, 1)),
        customer_flags=["language_barrier"], customer_flags_note="Speaks Cantonese only"))
    assert old.flags == ["elderly", "language_barrier"] and old.customer_flags_note == "Speaks Cantonese only"
    young = case_create(actor=people["clerk"], data=intake(
        customer_id_type="resident_id", customer_id_number=resident_id(datetime.date(1990, 3, 1))))
    assert young.flags == []
    with pytest.raises(ValidationFailed) as caught:
        case_create(actor=people["clerk"], data=intake(customer_flags=["vip"]))
    assert "customer_flags" in caught.value.extra["fields"]


def test_a_faster_rule_for_a_flag_moves_only_flagged_cases(people):
    policy = DeadlinePolicy.objects.get(version=1)
    usual = StageRule.objects.filter(policy=policy, tier="simple", stage="report", category="", channel="").first()
    StageRule.objects.create(policy=policy, stage="report", tier="simple", customer_flag="elderly",
                             working_days=usual.working_days - 3)
    flagged = case_create(actor=people["clerk"], data=intake(customer_flags=["elderly"]))
    plain = case_create(actor=people["clerk"], data=intake())
    due = {c: CaseDeadline.objects.get(case=c, stage="report") for c in (flagged, plain)}
    assert due[flagged].due_on < due[plain].due_on
    assert "Elderly" in due[flagged].explanation and "Elderly" not in due[plain].explanation
    # flagging a case later recomputes its dates; the investigator may not change flags
    case_transition(actor=people["clerk"], reference=plain.reference, action="set_flags",
                    data={"flags": ["elderly", "disability"], "note": "Wheelchair"})
    assert CaseDeadline.objects.get(case=plain, stage="report").due_on == due[flagged].due_on
    plain.refresh_from_db()
    assert plain.flags == ["elderly", "disability"]
    case_transition(actor=people["clerk"], reference=plain.reference, action="assign", data={"department": "SALES"})
    with pytest.raises(PermissionDenied):
        case_transition(actor=people["inv_sales"], reference=plain.reference, action="set_flags", data={"flags": []})


def test_flags_show_on_the_case_page_and_in_the_queue(people):
    case = case_create(actor=people["clerk"], data=intake(customer_flags=["disability"]))
    client = Client(headers={"accept-language": "en"})
    client.force_login(people["clerk"])
    assert "Disability" in client.get(f"/cases/{case.reference}/").content.decode()
    assert "Disability" in client.get("/queue/intake/").content.decode()


def test_the_dashboard_breaks_down_by_flag(people):
    from assessment.kpi import drilldown
    from assessment.kpi.periods import period_parse

    flagged = case_create(actor=people["clerk"], data=intake(customer_flags=["elderly", "disability"]))
    case_create(actor=people["clerk"], data=intake(customer_flags=["disability"]))
    case_create(actor=people["clerk"], data=intake())
    period, as_of = period_parse("2026Q4"), datetime.date(2026, 12, 7)
    assert dict(drilldown.volumes(period, as_of)["customer_flags"]) == {"disability": 2, "elderly": 1}
    cases = drilldown.volume_cases(period, as_of, "customer_flags", "elderly")
    assert [c["reference"] if isinstance(c, dict) else c.reference for c in cases] == [flagged.reference]
