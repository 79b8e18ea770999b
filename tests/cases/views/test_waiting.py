"""A stopped clock and a blocked case are visible (issue 20.9): the pause in the case header and
the queues, and whom the case waits for when the reader has nothing to do on it."""

from django.urls import reverse

from cases.actions.table import ACTIONS, waiting_for
from cases.services import case_transition


def test_investigator_with_nothing_to_do_sees_whom_the_case_waits_for(login, assigned_case, users):
    # given a case dispatched to SALES, without a team yet
    client = login("inv_sales")
    # when the department's investigator opens it
    html = client.get(reverse("case_detail", args=[assigned_case.reference])).content.decode()
    # then: the head of SALES must form the team, named, instead of "nothing to do"
    assert "Nothing for you to do" not in html
    assert f"Waiting for the head of {assigned_case.department.name}" in html
    assert users["head_sales"].get_full_name() in html
    assert str(ACTIONS["form_team"].title) in html


def test_waiting_for_reads_the_action_table(assigned_case):
    # The steps a state allows and who may do them come from the rows, not from a second list.
    waits = waiting_for(assigned_case, paused=False)
    assert [w["what"] for w in waits] == [[ACTIONS["form_team"].title]]


def test_waiting_for_the_team_names_its_members(login, assigned_case, users):
    case_transition(actor=users["head_sales"], reference=assigned_case.reference, action="form_team",
                    data={"lead": "inv_sales", "members": ["inv_sales"], "recusal_attested_by": ["inv_sales"]})
    client = login("clerk")
    html = client.get(reverse("case_detail", args=[assigned_case.reference])).content.decode()
    assert f"Waiting for the investigation team ({users['inv_sales'].get_full_name()})" in html


def test_paused_case_shows_since_when_and_why_in_header_and_queue(login, assigned_case, users):
    # given the head forms a team and the team pauses the clock for an appraisal
    case_transition(actor=users["head_sales"], reference=assigned_case.reference, action="form_team",
                    data={"lead": "inv_sales", "members": ["inv_sales"], "recusal_attested_by": ["inv_sales"]})
    start = assigned_case.clock_start  # a pause cannot start before the clock (SPEC §3)
    case_transition(actor=users["inv_sales"], reference=assigned_case.reference, action="pause",
                    data={"kind": "appraisal", "start": start, "proof": "Told by phone"})
    client = login("inv_sales")
    # then: the case header says since when and why
    page = client.get(reverse("case_detail", args=[assigned_case.reference])).content.decode()
    assert f"Paused since {start.isoformat()}: External appraisal" in page
    # and so does the department queue's row
    queue = client.get(reverse("department_queue")).content.decode()
    assert f"Paused since {start.isoformat()}" in queue
    assert "External appraisal" in queue
