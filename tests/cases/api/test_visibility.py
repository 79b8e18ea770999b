"""Another department's case is "not found" to investigators and heads, everywhere in the API,
exactly like a case that does not exist (SPEC §1)."""
import pytest
from rest_framework.test import APIClient

from cases.models import CaseEvent
from tests.factories.cases import ComplaintFactory

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def sales_case(people):
    return ComplaintFactory(investigating=True, department="SALES")


@pytest.mark.parametrize("role", ["inv_cs", "head_cs"])
@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "", None),
    ("get", "history/", None),
    ("post", "transitions/", {"action": "withdraw", "reason": "x"}),
    ("post", "transitions/", {"action": "nonsense"}),
    ("get", "attachments/", None),
    ("get", "attachments/1/", None),
    ("post", "personal-data/", {"field": "customer_phone"}),
])
def test_other_departments_case_is_404_like_a_missing_one(people, sales_case, role, method, path, body):
    client = api(people[role])
    events = CaseEvent.objects.filter(case=sales_case).count()

    hidden = getattr(client, method)(f"/api/v1/complaints/{sales_case.reference}/{path}", body, format="json")
    missing = getattr(client, method)(f"/api/v1/complaints/TS-2026-999999/{path}", body, format="json")

    # Bad bodies are answered 400 before the case is looked up, identically for both.
    assert hidden.status_code == missing.status_code
    assert hidden.status_code in (404, 400)
    assert hidden.json() == missing.json()
    assert CaseEvent.objects.filter(case=sales_case).count() == events


@pytest.mark.parametrize("role", ["inv_cs", "head_cs"])
def test_other_departments_case_is_not_listed_even_when_filtered_for(people, sales_case, role):
    response = api(people[role]).get("/api/v1/complaints/", {"department": "SALES"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize("role", ["inv_sales", "head_sales", "clerk", "senior", "supervisor"])
def test_own_department_and_all_seeing_roles_see_the_case(people, sales_case, role):
    client = api(people[role])

    assert client.get(f"/api/v1/complaints/{sales_case.reference}/").status_code == 200
    assert client.get(f"/api/v1/complaints/{sales_case.reference}/history/").status_code == 200
    assert client.get("/api/v1/complaints/").json()["count"] == 1


def test_a_review_team_member_from_another_department_sees_the_case(people):
    # given: a SALES case in review, with inv_cs on the review team
    case = ComplaintFactory(responded=True)
    api(people["clerk"]).post(f"/api/v1/complaints/{case.reference}/transitions/",
                              {"action": "customer_disputes", "reason": "No."}, format="json")
    api(people["senior"]).post(f"/api/v1/complaints/{case.reference}/transitions/",
                               {"action": "form_team", "lead": "inv_cs", "recusal_attested_by": ["inv_cs"]},
                               format="json")
    # then: inv_cs sees it, head_cs (not on the team) does not
    assert api(people["inv_cs"]).get(f"/api/v1/complaints/{case.reference}/").status_code == 200
    assert api(people["inv_cs"]).get("/api/v1/complaints/").json()["count"] == 1
    assert api(people["head_cs"]).get(f"/api/v1/complaints/{case.reference}/").status_code == 404
