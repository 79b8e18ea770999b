"""Group and major complaints on the pages (SPEC §12): the intake form's group, the case page's
badge and actions, the queue's mark, in both languages."""
from django.urls import reverse
from django.utils import translation

from cases.models import Complaint
from cases.services import case_transition

from .conftest import INTAKE
from .test_case_page import actions_on_page
from .test_double_submit import token_of


def test_the_intake_form_registers_a_group_with_its_representatives(login):
    client = login("clerk")
    response = client.post(reverse("case_create"), {
        **INTAKE, "complaint_type": "complaint", "submission_token": token_of(client),
        "complainant_count": "23", "representatives": "李四, 138 0013 8000\n王五，010-6512 3456\n"})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Complaint.objects.get()
    assert case.complainant_count == 23
    assert case.representatives == [{"name": "李四", "phone": "13800138000"}, {"name": "王五", "phone": "01065123456"}]


def test_the_intake_form_shows_six_representatives_as_an_error_on_the_field(login):
    client = login("clerk")
    six = "\n".join(f"代表{i}, 1380013800{i}" for i in range(6))
    response = client.post(reverse("case_create"), {
        **INTAKE, "complaint_type": "complaint", "submission_token": token_of(client), "representatives": six})
    assert response.status_code == 400
    page = response.content.decode()
    assert "群体投诉最多 5 名代表" in page or "at most 5 representatives" in page
    assert not Complaint.objects.exists()


def test_a_major_group_case_shows_its_badge_on_the_page_and_in_the_queue(login, assigned_case, users):
    ref = assigned_case.reference
    case_transition(actor=users["clerk"], reference=ref, action="set_group",
                    data={"complainant_count": 31, "representatives": [{"name": "李四", "phone": "13800138000"}]})
    case_transition(actor=users["clerk"], reference=ref, action="mark_major", data={"reason": "in_person"})
    client = login("head_sales")
    with translation.override("en"):
        page = client.get(reverse("case_detail", args=[ref]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="case-major"' in page and 'id="case-group"' in page
    assert actions_on_page(client, ref) == {"form_team", "withdraw", "extend", "pause", "restart_clock", "merge",
                                            "set_flags", "mediation_start", "set_group", "submit_emergency_report"}
    zh = client.get(reverse("case_detail", args=[ref]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "重大" in zh and "20 人以上现场投诉" in zh
    queue = client.get(reverse("case_list")).content.decode()
    assert "bi-people-fill" in queue and "text-bg-danger" in queue


def test_the_department_head_sees_a_representative_phone_in_full(login, assigned_case, users):
    ref = assigned_case.reference
    case_transition(actor=users["clerk"], reference=ref, action="set_group",
                    data={"complainant_count": 2, "representatives": [{"name": "李四", "phone": "13800138000"}]})
    head_page = login("head_sales").get(reverse("case_detail", args=[ref])).content.decode()
    assert "13800138000" in head_page


def test_the_case_list_filters_major_complaints_and_the_dashboard_links_to_it(login, assigned_case, make_case, users):
    other = make_case()
    case_transition(actor=users["clerk"], reference=assigned_case.reference, action="mark_major",
                    data={"reason": "media"})
    client = login("supervisor")
    with translation.override("en"):
        listed = client.get(reverse("case_list"), {"major": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    page = listed.content.decode()
    assert assigned_case.reference in page and other.reference not in page
    assert "Major complaints" in page  # the applied filter's chip
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert f'{reverse("case_list")}?major=on' in dashboard
