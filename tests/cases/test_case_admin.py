"""The case admin shows everything and lets an administrator correct descriptive fields only."""
import pytest
from django.contrib.auth import get_user_model

from cases.models import Complaint
from cases.services import case_transition
from tests.factories.cases import ComplaintFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, people):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def test_changelist_and_change_page_render_with_masked_personal_data(admin_client_):
    case = ComplaintFactory(responded=True)

    listing = admin_client_.get("/admin/cases/complaint/")
    page = admin_client_.get(f"/admin/cases/complaint/{case.pk}/change/")

    assert listing.status_code == 200 and case.reference in listing.content.decode()
    body = page.content.decode()
    assert page.status_code == 200
    assert "138****5678" in body and "13812345678" not in body and "110105199001011232" not in body
    for model in ("department", "departmentmembership", "accesslog"):
        assert admin_client_.get(f"/admin/cases/{model}/").status_code == 200


def test_saving_a_stale_page_changes_only_the_edited_field(admin_client_, people):
    # given: the admin opens the page, then the customer accepts the decision
    case = ComplaintFactory(responded=True)
    page = admin_client_.get(f"/admin/cases/complaint/{case.pk}/change/")
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    case_transition(actor=people["clerk"], reference=case.reference, action="customer_accepts")
    # when: the admin saves a corrected summary
    data["summary"] = "Corrected summary"
    for prefix in ("deadlines", "team", "reports", "plans", "decisions", "extensions", "pauses", "attachments",
                   "events", "notices", "mediations"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client_.post(f"/admin/cases/complaint/{case.pk}/change/", data)
    # then: the summary changed, the status the service set stays, the version moved on
    assert response.status_code == 302, response.content.decode()[:2000]
    fresh = Complaint.objects.get(pk=case.pk)
    assert fresh.summary == "Corrected summary"
    assert fresh.status == "closed"
    assert fresh.version == case.version + 2
    assert fresh.history.first().history_user.username == "root"


def test_archived_case_is_read_only_and_nothing_can_be_added_or_deleted(admin_client_):
    case = ComplaintFactory(archived=True)

    assert admin_client_.post(f"/admin/cases/complaint/{case.pk}/change/", {"summary": "x"}).status_code == 403
    assert admin_client_.get("/admin/cases/complaint/add/").status_code == 403
    assert admin_client_.post(f"/admin/cases/complaint/{case.pk}/delete/").status_code == 403
