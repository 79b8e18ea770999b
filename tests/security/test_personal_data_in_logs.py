"""Personal data never reaches the logs or the console (SPEC §8: "No personal data in URLs,
logs or error reports").

Every log record (root logger at DEBUG) and everything written to stdout/stderr is captured
while a complaint goes through its whole life twice: once through the API, once through the
HTML pages (plus the public form, the status look-up, the personal-data reveal, refusals and a
404). On-commit callbacks run and Celery tasks run eagerly, so notification and customer-message
delivery log what they log. The customer's name, phone and ID number must appear nowhere.
"""
import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from cases.models import Complaint
from complaints_portal.celery import app as celery_app
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

NAME = "欧阳测试"
PHONE = "13987654321"
ID_NUMBER = "110105199001011232"
SECRETS = (NAME, PHONE, ID_NUMBER, "139 8765 4321")

CUSTOMER = {"name": NAME, "phone": PHONE, "id_number": ID_NUMBER, "policy_number": "P-2026-7788"}


@pytest.fixture
def everything_logged(caplog, settings):
    caplog.set_level(logging.DEBUG)  # the root logger: every record that propagates
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    settings.SMS_BACKEND = "cases.public.messaging.ConsoleSmsBackend"
    cache.clear()
    yield caplog
    celery_app.conf.task_always_eager = eager
    cache.clear()


@pytest.fixture
def staff(calendar):
    people = {"clerk": f.clerk(), "senior": f.senior(), "supervisor": f.supervisor(),
              "inv": f.investigator("SALES"), "head": f.head("SALES"), "inv_cs": f.investigator("CS")}
    return people


def assert_no_personal_data(caplog, capsys):
    out = capsys.readouterr()
    records = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '') or ''}"
        for r in caplog.records
    )
    assert caplog.records, "nothing was logged: the capture is not working"
    for secret in SECRETS:
        assert secret not in records, f"{secret!r} in the log records"
        assert secret not in out.out, f"{secret!r} on stdout"
        assert secret not in out.err, f"{secret!r} on stderr"


def api(user):
    client = Client()
    token, _ = Token.objects.get_or_create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_api_lifecycle_logs_no_personal_data(staff, everything_logged, capsys, django_capture_on_commit_callbacks):
    p = staff
    with django_capture_on_commit_callbacks(execute=True):
        created = post(api(p["clerk"]), "/api/v1/complaints/", {**f.INTAKE, "customer": CUSTOMER})
        assert created.status_code == 201, created.content
        ref = created.json()["reference"]
        url = f"/api/v1/complaints/{ref}/transitions/"
        steps = [
            ("clerk", {"action": "acknowledge", "method": "phone", "note": "Called back."}),
            ("clerk", {"action": "assign", "department": "SALES"}),
            ("head", {"action": "form_team", "lead": "inv_sales", "members": ["inv_sales"],
                      "recusal_attested_by": ["inv_sales"]}),
            ("inv", {"action": "submit_report", "facts": "Late.", "at_fault": True, "recommendation": "Pay."}),
            ("inv", {"action": "propose_plan", "plan": "Pay with interest."}),
            ("head", {"action": "approve_plan"}),
            ("clerk", {"action": "notify_decision", "method": "phone", "decision": "We pay."}),
            ("clerk", {"action": "customer_disputes", "reason": "Too little."}),
            ("clerk", {"action": "approve_plan"}),  # refused: 409 is logged as a warning
            ("supervisor", {"action": "archive"}),  # refused: 409 / 403
        ]
        for who, body in steps:
            response = post(api(p[who]), url, body)
            assert response.status_code in (200, 403, 409), (body, response.content)
        assert post(api(p["clerk"]), "/api/v1/complaints/", {**f.INTAKE, "customer": {"name": NAME}}).status_code == 400
        assert api(p["inv_cs"]).get(f"/api/v1/complaints/{ref}/").status_code == 404
        assert api(p["supervisor"]).get(f"/api/v1/complaints/{ref}/history/").status_code == 200
        assert api(p["clerk"]).get("/api/v1/complaints/?status=assigned").status_code == 200
        revealed = post(api(p["supervisor"]), f"/api/v1/complaints/{ref}/personal-data/", {"field": "customer_phone"})
        assert revealed.status_code == 200 and revealed.json()["value"] == PHONE
        f.walk(Complaint.objects.get(reference=ref), "assigned")
    assert_no_personal_data(everything_logged, capsys)
    # Tasks ran (eagerly) and logged, so their records were checked too.
    assert "celery" in {r.name.split(".")[0] for r in everything_logged.records}


def test_html_lifecycle_and_public_pages_log_no_personal_data(staff, everything_logged, capsys,
                                                             django_capture_on_commit_callbacks):
    p = staff

    def login(who):
        client = Client()
        client.force_login(p[who])
        return client

    def act(who, ref, action, **data):
        version = Complaint.objects.get(reference=ref).version
        return login(who).post(reverse("case_action", args=[ref, action]), {"version": version, **data})

    with django_capture_on_commit_callbacks(execute=True):
        # the clerk's intake form, with a failed first attempt that re-renders the personal data
        form = {"channel": "hotline", "customer_name": NAME, "customer_phone": PHONE, "customer_id_type": "resident_id",
                "customer_id_number": ID_NUMBER, "category": "service", "complaint_type": "complaint",
                "summary": "Claim paid late", "description": "Waited six weeks."}
        assert login("clerk").post(reverse("case_create"), {**form, "summary": ""}).status_code == 400
        response = login("clerk").post(reverse("case_create"), form)
        assert response.status_code == 302, response.content.decode()[:2000]
        ref = Complaint.objects.get(customer_phone=PHONE).reference
        login("clerk").post(reverse("duplicate_check"), {"customer_phone": PHONE})
        assert act("clerk", ref, "acknowledge", method="phone", note="Called.").status_code == 302
        assert act("clerk", ref, "assign", department="SALES").status_code == 302
        assert act("head", ref, "form_team", lead="inv_sales", members=["inv_sales"],
                   recusal_attested_by="inv_sales").status_code == 302
        assert act("inv", ref, "submit_report", facts="Late.", at_fault="true", recommendation="Pay.").status_code == 302
        assert act("inv", ref, "propose_plan", plan="Pay.").status_code == 302
        assert act("clerk", ref, "approve_plan").status_code in (400, 403)  # refused
        assert act("head", ref, "approve_plan").status_code == 302
        assert act("clerk", ref, "notify_decision", method="phone", decision="We pay.").status_code == 302
        assert act("clerk", ref, "customer_accepts").status_code == 302
        assert act("supervisor", ref, "archive").status_code == 302
        assert login("inv").post(reverse("personal_data_show", args=[ref, "customer_phone"])).status_code == 200
        assert login("inv_cs").get(reverse("case_detail", args=[ref])).status_code == 404
        for who in ("clerk", "inv", "head", "supervisor"):
            assert login(who).get(reverse("case_detail", args=[ref])).status_code == 200
            assert login(who).get(reverse("case_list") + "?search=" + ref).status_code == 200
        # the customer's side: public form, wrong and right status look-ups, failed log-ins
        anonymous = Client()
        public = {"customer_name": NAME, "customer_phone": PHONE, "customer_id_type": "resident_id",
                  "customer_id_number": ID_NUMBER, "category": "service", "summary": "Late payment",
                  "description": "Still waiting.", "expected_resolution": "Pay now.", "consent": "on"}
        anonymous.post("/public/complain/", public, REMOTE_ADDR="203.0.113.9")
        anonymous.post("/public/status/", {"reference": ref, "phone": PHONE})
        anonymous.post("/public/status/", {"reference": ref, "phone": "13000000000"})
        anonymous.post("/accounts/login/", {"username": PHONE, "password": ID_NUMBER})
    assert Complaint.objects.filter(customer_phone=PHONE).count() == 2
    assert_no_personal_data(everything_logged, capsys)
    # Tasks ran (eagerly) and logged, so their records were checked too.
    assert "celery" in {r.name.split(".")[0] for r in everything_logged.records}


def test_the_check_catches_a_planted_record_and_a_print(everything_logged, capsys):
    logging.getLogger("cases.anything").debug("calling customer %s", PHONE)
    with pytest.raises(AssertionError, match="log records"):
        assert_no_personal_data(everything_logged, capsys)
    everything_logged.clear()
    logging.getLogger("cases.anything").debug("nothing personal")
    print(f"SMS to {PHONE}")
    with pytest.raises(AssertionError, match="stdout"):
        assert_no_personal_data(everything_logged, capsys)
