"""Smaller things staff and customers meet (issue 20.11): invalid fields marked, conditionally
required fields with an asterisk, the language menu in each language's own name, a "forgot
password" page, and the company's name and hotline on the public pages."""
from django.urls import reverse

from cases.models import Complaint


def test_invalid_fields_get_a_red_border_and_say_they_are_invalid(login):
    client = login("clerk")
    response = client.post(reverse("case_create"), {"channel": "hotline", "customer_name": "张三",
                                                    "complaint_type": "complaint"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html
    assert 'class="form-control is-invalid"' in html  # the phone, required
    name_input = html.split('name="customer_name"')[1].split(">")[0]
    assert "is-invalid" not in name_input  # a valid field is left alone


def test_fields_required_for_one_choice_carry_an_asterisk(login):
    html = login("clerk").get(reverse("case_create")).content.decode()
    for name in ("regulator_reference", "misconduct_kind"):
        label = html.split(f'for="id_{name}">')[1].split("</label>")[0]
        assert 'title="Required in this case"' in label and "*" in label
    assert "*" not in html.split('for="id_regulator_date">')[1].split("</label>")[0]


def test_the_language_menu_names_each_language_in_itself(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<option value="en" lang="en">English</option>' in html
    assert ">简体中文</option>" in html and "英语" not in html


def test_the_login_page_leads_to_what_to_do_about_a_forgotten_password(client, settings):
    assert reverse("password_forgotten") in client.get(reverse("login")).content.decode()
    settings.LDAP_SERVER_URI = ""
    assert "Ask the portal's administrator" in client.get(reverse("password_forgotten")).content.decode()
    settings.LDAP_SERVER_URI = "ldaps://directory.example.com"
    assert "company account (the directory)" in client.get(reverse("password_forgotten")).content.decode()


def test_public_pages_name_the_company_and_its_hotline_also_when_a_case_is_not_found(client, settings, db):
    settings.COMPANY_NAME, settings.CUSTOMER_HOTLINE = "Example Life Insurance", "95599"
    page = client.get(reverse("public_status")).content.decode()
    assert 'id="company-name">Example Life Insurance<' in page and "95599" in page
    response = client.post(reverse("public_status"), {"code": "K7Q4-MZ9T-P2X8", "phone": "13900000000"})
    not_found = response.content.decode().split('id="status-not-found">')[1].split("</div>")[0]
    assert "call our hotline 95599" in not_found
    assert not Complaint.objects.exists()
