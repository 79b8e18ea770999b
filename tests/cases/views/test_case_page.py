"""The case page: the action panel, refusals, stale forms, visibility and personal data."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import AccessLog, CaseEvent, Complaint
from cases.services import attachment_add, case_transition

from .helpers import act

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" + b"\x00" * 64


def actions_on_page(client, reference):
    """The actions of the page's panel: one item each (only the open one carries its form)."""
    html = client.get(reverse("case_detail", args=[reference])).content.decode()
    return {chunk.split('"', 1)[0] for chunk in html.split('data-bs-target="#act-')[1:]}


def test_illegal_action_shows_the_message_and_changes_nothing(login, make_case):
    # given a case just received
    case = make_case()
    client = login("clerk")
    # when the clerk posts a step the state does not allow (closing before any decision)
    response = act(client, case.reference, "close", reason="Customer stopped answering")
    # then: refused with the service's message, the case and its timeline untouched
    assert response.status_code == 409
    assert "is not allowed while the case is" in response.content.decode()
    after = Complaint.objects.get(pk=case.pk)
    assert (after.status, after.version) == ("received", case.version)
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == ["created"]


def test_action_the_role_may_not_do_is_refused(login, assigned_case):
    client = login("inv_sales")
    response = act(client, assigned_case.reference, "form_team", lead="inv_sales", recusal_attested_by="inv_sales")
    assert response.status_code == 403
    assert Complaint.objects.get(pk=assigned_case.pk).status == "assigned"


def test_stale_form_is_told_the_case_changed(login, make_case, users):
    # given the clerk opened the case page (version v)...
    case = make_case()
    stale_version = case.version
    # ...and meanwhile a colleague acknowledged it
    case_transition(actor=users["clerk"], reference=case.reference, action="assign", data={"department": "CS"})
    client = login("clerk")
    # when the clerk submits the old form
    response = act(client, case.reference, "acknowledge", method="phone", version=stale_version)
    # then
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert Complaint.objects.get(pk=case.pk).acknowledged_at is None


def test_invalid_form_is_shown_again_with_errors(login, assigned_case):
    client = login("head_sales")
    response = act(client, assigned_case.reference, "form_team", lead="inv_sales")  # no attestation
    assert response.status_code == 400
    assert 'class="invalid-feedback d-block"' in response.content.decode()
    assert Complaint.objects.get(pk=assigned_case.pk).status == "assigned"


@pytest.mark.parametrize("username", ["inv_cs", "head_cs", "inv_claims"])
def test_other_departments_case_is_not_found(login, assigned_case, users, username):
    attachment = attachment_add(actor=users["clerk"], reference=assigned_case.reference,
                                uploaded_file=SimpleUploadedFile("x.png", PNG))
    client = login(username)
    ref = assigned_case.reference
    assert client.get(reverse("case_detail", args=[ref])).status_code == 404
    assert client.get(reverse("attachment_download", args=[ref, attachment.pk])).status_code == 404
    assert act(client, ref, "submit_report", facts="x", at_fault="false", recommendation="y", version=1).status_code == 404
    assert client.post(reverse("personal_data_show", args=[ref, "customer_phone"])).status_code == 404
    assert client.get(reverse("case_detail", args=["TS-1999-999999"])).status_code == 404


def test_own_department_downloads_attachment_through_the_permission_check(login, assigned_case, users):
    client = login("inv_sales")
    response = client.post(reverse("attachment_upload", args=[assigned_case.reference]),
                           {"file": SimpleUploadedFile("scan.png", PNG), "kind": "evidence"})
    assert response.status_code == 302
    attachment = assigned_case.attachments.get()
    download = client.get(reverse("attachment_download", args=[assigned_case.reference, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")


def test_disguised_upload_is_refused_with_a_message(login, assigned_case):
    client = login("inv_sales")
    response = client.post(reverse("attachment_upload", args=[assigned_case.reference]),
                           {"file": SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf"), "kind": "evidence"})
    assert response.status_code == 400
    assert "not accepted" in response.content.decode()
    assert not assigned_case.attachments.exists()


def test_action_panel_shows_only_what_each_role_may_do(login, assigned_case):
    ref = assigned_case.reference
    assert actions_on_page(login("head_sales"), ref) == {"form_team", "withdraw", "extend", "pause", "restart_clock", "merge",
                                                         "set_flags", "mediation_start", "set_group", "mark_major"}
    # an investigator not yet on the team has nothing to do until the team is formed
    assert actions_on_page(login("inv_sales"), ref) == set()
    assert actions_on_page(login("clerk"), ref) == {"withdraw", "restart_clock", "merge", "reassign", "set_flags",
                                                    "mediation_start", "set_group", "mark_major"}
    assert actions_on_page(login("supervisor"), ref) == {"reassign", "set_flags", "set_group", "mark_major"}
    assert actions_on_page(login("senior"), ref) == {"form_team", "withdraw", "extend", "pause", "restart_clock", "merge",
                                                     "set_flags", "mediation_start", "set_group", "mark_major"}


def test_action_panel_of_a_received_case_for_the_clerk(login, make_case):
    case = make_case()
    assert actions_on_page(login("clerk"), case.reference) == {"acknowledge", "assign", "withdraw", "restart_clock", "merge",
                                                               "set_flags", "mediation_start", "set_group", "mark_major"}
    assert actions_on_page(login("supervisor"), case.reference) == {"set_flags", "set_group", "mark_major"}


def test_extend_offers_the_special_tier_only_to_the_senior_manager(login, assigned_case):
    ref = assigned_case.reference
    form = reverse("case_action_form", args=[ref, "extend"])  # fetched when the item is opened
    head_form = login("head_sales").get(form).content.decode()
    assert 'value="complex"' in head_form and 'value="special"' not in head_form
    senior_form = login("senior").get(form).content.decode()
    assert 'value="special"' in senior_form


def test_phone_is_masked_and_shown_only_on_request_with_a_log(login, assigned_case, users):
    client = login("inv_sales")
    page = client.get(reverse("case_detail", args=[assigned_case.reference])).content.decode()
    assert "13812345678" not in page
    assert "138****5678" in page
    assert reverse("personal_data_show", args=[assigned_case.reference, "customer_phone"]) in page
    response = client.post(reverse("personal_data_show", args=[assigned_case.reference, "customer_phone"]))
    assert response.status_code == 200 and "13812345678" in response.content.decode()
    assert AccessLog.objects.filter(user=users["inv_sales"], case=assigned_case, field="customer_phone").count() == 1


def test_clerk_who_did_not_register_the_case_can_reveal_the_phone_but_not_the_id(login, assigned_case, users,
                                                                                 django_user_model):
    from django.contrib.auth.models import Group

    other = django_user_model.objects.create_user("clerk2", password="x")
    other.groups.add(Group.objects.get(name="intake_clerk"))
    client = login("clerk")
    client.force_login(other)
    ref = assigned_case.reference
    page = client.get(reverse("case_detail", args=[ref])).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert reverse("personal_data_show", args=[ref, "customer_phone"]) in page
    assert reverse("personal_data_show", args=[ref, "customer_id_number"]) not in page
    response = client.post(reverse("personal_data_show", args=[ref, "customer_phone"]))
    assert response.status_code == 200 and "13812345678" in response.content.decode()
    assert list(AccessLog.objects.values_list("user", "field")) == [(other.pk, "customer_phone")]
    response = client.post(reverse("personal_data_show", args=[ref, "customer_id_number"]))
    assert response.status_code == 403


def test_case_page_query_count_is_bounded(login, assigned_case, users, django_assert_max_num_queries):
    ref = assigned_case.reference
    case_transition(actor=users["head_sales"], reference=ref, action="form_team",
                    data={"lead": "inv_sales", "members": ["head_sales"],
                          "recusal_attested_by": ["inv_sales", "head_sales"]})
    case_transition(actor=users["inv_sales"], reference=ref, action="submit_report",
                    data={"facts": "f", "at_fault": False, "recommendation": "r"})
    case_transition(actor=users["inv_sales"], reference=ref, action="propose_plan", data={"plan": "p"})
    for _ in range(3):
        attachment_add(actor=users["inv_sales"], reference=ref, uploaded_file=SimpleUploadedFile("x.png", PNG))
    client = login("head_sales")
    # Fixed cost: session, user, roles with memberships, review teams and the unread count,
    # case, which sections have rows, deadlines, the configuration for the explanations in the
    # reader's language (inside the test's transaction: calendar days and years, policy, stage
    # rules; outside one on PostgreSQL, one query checking the process memo), then one query per
    # non-empty section (team, report, plan + approvals, attachments), the timeline with the
    # names of the departments and the people it mentions (one query each, whatever its
    # length) and the triage suggestion kept at registration (one look-up by the case's key).
    # Nothing grows with attachments, events or team members (the team's "named by" is joined).
    with django_assert_max_num_queries(19):
        response = client.get(reverse("case_detail", args=[ref]))
    assert response.status_code == 200


def test_role_or_membership_removed_in_the_admin_takes_effect_on_the_next_request(login, assigned_case, users):
    # given the head of SALES sees the department's case and may act on it
    client = login("head_sales")
    url = reverse("case_detail", args=[assigned_case.reference])
    assert client.get(url).status_code == 200
    assert "form_team" in actions_on_page(client, assigned_case.reference)
    # when the department-head role is removed (the membership stays)
    head = users["head_sales"]
    head.groups.remove(*head.groups.filter(name="department_head"))
    # then the next request of the same session no longer offers what only a head may do
    assert "form_team" not in actions_on_page(client, assigned_case.reference)
    # and once the membership is removed too, the case is not found
    head.memberships.all().delete()
    assert client.get(url).status_code == 404


def test_timeline_names_people_departments_and_values_not_their_codes(login, assigned_case, users):
    # given: a team formed on the case (its event keeps usernames, the dispatch a department code)
    case_transition(actor=users["head_sales"], reference=assigned_case.reference, action="form_team",
                    data={"lead": "inv_sales", "members": ["head_sales"], "recusal_attested_by": ["inv_sales", "head_sales"]})
    # when
    page = login("head_sales").get(reverse("case_detail", args=[assigned_case.reference])).content.decode()
    # then
    timeline = page.split('id="h-timeline"', 1)[1]
    assert users["inv_sales"].get_full_name() and users["inv_sales"].get_full_name() in timeline
    assert "inv_sales" not in timeline and "head_sales" not in timeline
    assert assigned_case.department.name in timeline and ": SALES" not in timeline
    assert ": phone" not in timeline
