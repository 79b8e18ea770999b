"""What staff see of an online complaint: it waits in the intake queue, and whatever the
customer typed is shown as text, never run as markup or script."""
import pytest
from django.urls import reverse

from cases.demo import ensure_demo_org
from cases.models import Complaint

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def clerk(calendar):
    _departments, users = ensure_demo_org()
    return users["clerk"]


def test_online_complaint_waits_in_the_intake_queue(client, submit, clerk):
    submit()
    case = Complaint.objects.get()
    client.force_login(clerk)
    assert case.reference in client.get(reverse("intake_queue")).content.decode()


def test_script_in_text_fields_is_inert_on_the_staff_case_page(client, submit, clerk):
    # given a customer who typed markup into every free-text field
    submit(summary=PAYLOAD, description=PAYLOAD, expected_resolution=PAYLOAD, customer_name=PAYLOAD[:100],
           product_line=PAYLOAD[:100], policy_numbers=PAYLOAD)
    case = Complaint.objects.get()
    # when the clerk opens the case
    client.force_login(clerk)
    response = client.get(reverse("case_detail", args=[case.reference]))
    html = response.content.decode()
    # then it is shown escaped, and the CSP would block an inline script anyway
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    # escaped: the quotes as &quot; or &#34; (the page body is a Jinja2 template)
    assert "&lt;script&gt;alert(" in html and ")&lt;/script&gt;" in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
