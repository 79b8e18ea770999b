"""The intake form's suggestions (htmx endpoint), registration from the form with the suggestion
kept, the case page's panel and the acceptance rate in the admin."""
import re

import pytest
from django.urls import reverse

from cases.models import Complaint
from cases.triage import selectors
from cases.triage.models import TriageSuggestion
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

TEXT = {"summary": "理赔被拒", "description": "我在等待期内确诊了甲状腺癌，申请理赔被拒，理赔员说不符合合同定义。",
        "expected_resolution": "要求按合同赔付"}
INTAKE = {"channel": "hotline", "complaint_type": "complaint", "customer_name": "张三", "customer_phone": "13812345678",
          **TEXT}


@pytest.fixture
def clerk_client(client, model):
    client.force_login(f.clerk())
    return client


@pytest.fixture
def register(clerk_client, django_capture_on_commit_callbacks, monkeypatch):
    """POST the intake form as the clerk; the suggestion task it queues after the commit runs at
    once, in this process."""
    from cases.triage.tasks import triage_record_suggestion

    monkeypatch.setattr(triage_record_suggestion, "delay", lambda *args: triage_record_suggestion.apply(args=args))

    def _register(data):
        with django_capture_on_commit_callbacks(execute=True):
            return clerk_client.post(reverse("case_create"), data)
    return _register


def suggest(client, data=TEXT, **headers):
    return client.post(reverse("triage_suggest"), data, **headers)


def test_the_endpoint_shows_the_top_three_per_target_with_scores_and_fills_the_fields(clerk_client, model):
    body = suggest(clerk_client).content.decode()
    assert f"model v{model.version}" in body
    for target in ("category", "dispute_type", "department"):
        buttons = re.findall(rf'data-triage-field="id_{target}" data-triage-value="(\w+)"', body)
        assert 2 <= len(buttons) <= 3, target
    top = selectors.triage_suggest("\n".join(TEXT.values()))["targets"]
    assert f'data-triage-field="id_dispute_type" data-triage-value="{top["dispute_type"][0][0]}"' in body
    assert re.search(r'Claims dispute <span class="badge text-bg-light">\d+%</span>', body)


def test_the_fragment_speaks_chinese_to_a_chinese_browser(clerk_client):
    body = suggest(clerk_client, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "根据相似的已结案件建议" in body and "理赔纠纷" in body and "纠纷类型" in body


def test_the_endpoint_is_for_intake_clerks_and_takes_post_only(client, model):
    url = reverse("triage_suggest")
    assert client.post(url, TEXT).status_code == 302  # to the log-in page
    client.force_login(f.investigator("SALES"))
    assert client.post(url, TEXT).status_code == 403
    client.force_login(f.clerk())
    assert client.get(url, TEXT).status_code == 405


def test_without_a_model_or_text_the_fragment_is_empty(clerk_client):
    assert suggest(clerk_client, {"summary": "", "description": "", "expected_resolution": ""}).content.strip() == b""
    from cases.triage.models import TriageModel

    TriageModel.objects.all().delete()
    assert suggest(clerk_client).content.strip() == b""


def test_the_intake_form_posts_only_the_text_fields_to_the_endpoint(clerk_client):
    page = clerk_client.get(reverse("case_create")).content.decode()
    container = re.search(r'<div id="triage-suggestions"[^>]*>', page).group(0)
    assert f'hx-post="{reverse("triage_suggest")}"' in container and "?" not in container
    assert 'hx-params="summary,description,expected_resolution"' in container
    assert "delay:" in container  # debounced
    assert 'name="department"' in page and "triage/triage.js" in page


def test_registration_keeps_the_suggestion_and_what_the_clerk_took(register, clerk_client, model):
    # given the model's suggestions for the text
    top = selectors.triage_suggest("\n".join(TEXT.values()))["targets"]
    other = next(v for v in ("service", "product", "misconduct") if v != top["category"][0][0])
    # when the clerk takes the first dispute type and department but chooses another category
    response = register({
        **INTAKE, "category": other, "misconduct_kind": "other", "dispute_type": top["dispute_type"][0][0],
        "department": top["department"][0][0],
    })
    # then the case is registered, dispatched, and keeps the suggestion
    case = Complaint.objects.get(is_legacy=False)
    assert response.status_code == 302 and response.url == reverse("case_detail", args=[case.reference])
    assert case.status == "assigned" and case.department.code == top["department"][0][0]
    record = TriageSuggestion.objects.get(case=case)
    assert record.model_id == model.version
    assert (record.category_accepted, record.dispute_type_accepted, record.department_accepted) == (False, True, True)
    assert [v for v, _s in record.ranked["category"]] == [v for v, _s in top["category"]]


def test_registration_without_a_department_leaves_the_case_undispatched(register, clerk_client):
    register({**INTAKE, "category": "product"})
    case = Complaint.objects.get(is_legacy=False)
    assert case.status == "received" and case.department is None
    assert TriageSuggestion.objects.get(case=case).department_accepted is None


def test_an_unknown_department_is_refused_and_nothing_is_registered(register, clerk_client):
    response = register({**INTAKE, "category": "product", "department": "NOPE"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Complaint.objects.filter(is_legacy=False).exists()


def test_registration_without_a_model_records_nothing(register, clerk_client):
    from cases.triage.models import TriageModel

    TriageModel.objects.all().delete()
    register({**INTAKE, "category": "product"})
    assert Complaint.objects.filter(is_legacy=False).count() == 1 and not TriageSuggestion.objects.exists()


def test_the_api_intake_records_no_suggestion(client, model):
    client.force_login(f.clerk())
    response = client.post("/api/v1/complaints/", {**f.INTAKE, **TEXT}, content_type="application/json")
    assert response.status_code == 201 and not TriageSuggestion.objects.exists()


def test_the_case_page_shows_the_suggestion_kept_at_registration(register, clerk_client, model):
    top = selectors.triage_suggest("\n".join(TEXT.values()))["targets"]
    register({**INTAKE, "category": top["category"][0][0],
                                               "misconduct_kind": "other"})
    case = Complaint.objects.get(is_legacy=False)
    body = clerk_client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert "Suggestion at intake" in body and f"Model v{model.version}" in body
    assert "first suggestion taken" in body


def test_a_case_without_a_suggestion_has_no_panel(clerk_client):
    case = f.ComplaintFactory()
    assert "Suggestion at intake" not in clerk_client.get(reverse("case_detail", args=[case.reference])).content.decode()


def test_the_supervisor_reads_the_live_acceptance_rate_in_the_admin(register, client, clerk_client, model):
    top = selectors.triage_suggest("\n".join(TEXT.values()))["targets"]
    for category in (top["category"][0][0], top["category"][1][0]):
        register({**INTAKE, "category": category, "misconduct_kind": "other"})
    client.force_login(f.UserFactory(username="supervisor", roles=[f.SUPERVISOR], is_staff=True))
    page = client.get(reverse("admin:triage_triagemodel_changelist"))
    assert page.status_code == 200
    assert "50.0% (1/2)" in page.content.decode()
    assert client.get(reverse("admin:triage_triagemodel_change", args=[model.version])).status_code == 200
    assert client.get(reverse("admin:triage_triagesuggestion_changelist")).status_code == 200
    assert client.get(reverse("admin:triage_triagemodel_add")).status_code == 403
