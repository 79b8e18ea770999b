"""One complaint from intake to archive, entirely through the browser forms."""
from django.urls import reverse

from cases.models import CaseEvent, Complaint

from .helpers import act


def test_full_lifecycle_through_the_html_forms(client, users, org):
    # given: the clerk registers a complaint on the intake form
    client.force_login(users["clerk"])
    response = client.post(reverse("case_create"), {
        "channel": "hotline", "category": "misconduct", "misconduct_kind": "mis_selling",
        "complaint_type": "complaint", "summary": "Sold as a savings product", "customer_name": "李四",
        "customer_phone": "13900001111", "policy_numbers": "P-77", "description": "Told it was a deposit.",
    })
    case = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.reference])
    assert client.get(response["Location"]).status_code == 200

    def step(user, action, expected_status, **data):
        client.force_login(users[user])
        page = client.get(reverse("case_detail", args=[case.reference]))
        assert f'data-action="{action}"' in page.content.decode(), f"{user} cannot see {action}"
        response = act(client, case.reference, action, **data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert Complaint.objects.get(pk=case.pk).status == expected_status

    # when: every role does its step from the case page
    step("clerk", "acknowledge", "acknowledged", method="phone", note="Told we would call back in 10 days")
    step("clerk", "assign", "assigned", department="SALES")
    step("head_sales", "form_team", "investigating", lead="inv_sales", members=["inv_sales"], recusal_attested_by="inv_sales")
    step("inv_sales", "submit_report", "reported", facts="The agent overstated returns.", at_fault="true",
         recommendation="Refund the premium", root_cause="mis_selling", responsible_staff="Agent 007")
    step("inv_sales", "propose_plan", "plan_pending", plan="Full refund of the first premium", redress_amount="5000.00")
    step("head_sales", "approve_plan", "plan_approved", reason="Agreed")
    step("inv_sales", "notify_decision", "responded", method="phone", decision="We refund the first premium.")
    step("clerk", "customer_accepts", "closed")
    step("supervisor", "archive", "archived")

    # then: the timeline on the case page shows every step, with who did it
    case.refresh_from_db()
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["created", "acknowledge", "assign", "form_team", "submit_report", "propose_plan",
                     "approve_plan", "notify_decision", "customer_accepts", "archive"]
    assert case.redress_amount == 5000
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert 'data-action="archive"' not in page
    assert case.team.get(user=users["inv_sales"]).recusal_attested
