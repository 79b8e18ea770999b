"""Validation of the public complaint form and the status look-up form."""
import pytest

from cases.identity import phone_normalise as normalise_phone
from cases.public.forms import PublicComplaintForm, StatusLookupForm


def test_complete_form_is_valid(complaint_data):
    form = PublicComplaintForm(data=complaint_data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["customer_phone"] == "13800138000"


@pytest.mark.parametrize("field", ["customer_name", "customer_phone", "category", "summary", "description",
                                   "expected_resolution", "consent"])
def test_form_without_a_required_field_is_refused(complaint_data, field):
    complaint_data.pop(field)
    form = PublicComplaintForm(data=complaint_data)
    assert not form.is_valid()
    assert field in form.errors


def test_form_without_consent_says_why(complaint_data):
    complaint_data.pop("consent")
    form = PublicComplaintForm(data=complaint_data)
    assert not form.is_valid()
    assert "privacy notice" in form.errors["consent"][0]


@pytest.mark.parametrize(("field", "limit"), [
    ("customer_name", 100), ("customer_phone", 30), ("customer_email", 254), ("customer_id_number", 30),
    ("policy_numbers", 200), ("product_line", 100), ("summary", 200), ("description", 5000),
    ("expected_resolution", 2000), ("agent_name", 100), ("agent_relation", 50), ("agent_authorisation", 200),
    ("website", 200),
])
def test_every_text_field_has_a_maximum_length(complaint_data, field, limit):
    form = PublicComplaintForm()
    assert form.fields[field].max_length == limit
    complaint_data[field] = "x" * (limit + 1)
    bound = PublicComplaintForm(data=complaint_data)
    assert not bound.is_valid()
    assert field in bound.errors


@pytest.mark.parametrize("phone", ["12345", "1380013800", "23800138000", "abc13800138000", "138001380001"])
def test_bad_phone_number_is_refused(complaint_data, phone):
    complaint_data["customer_phone"] = phone
    form = PublicComplaintForm(data=complaint_data)
    assert not form.is_valid()
    assert form.errors["customer_phone"][0].startswith("Enter a mainland China mobile number")


@pytest.mark.parametrize(("raw", "expected"), [
    ("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000"), ("008613800138000", "13800138000"),
    ("8613800138000", "13800138000"), ("010-62345678", "01062345678"), ("(0755) 2234 5678", "075522345678"),
])
def test_phone_numbers_are_normalised_to_digits(raw, expected):
    assert normalise_phone(raw) == expected


def test_id_number_needs_its_type(complaint_data):
    complaint_data["customer_id_number"] = "11010519491231002X"
    form = PublicComplaintForm(data=complaint_data)
    assert not form.is_valid()
    assert "customer_id_type" in form.errors


def test_malformed_resident_id_is_refused(complaint_data):
    complaint_data.update(customer_id_type="resident_id", customer_id_number="1101051949")
    form = PublicComplaintForm(data=complaint_data)
    assert not form.is_valid()
    assert "customer_id_number" in form.errors


def test_agent_needs_a_relation(complaint_data):
    complaint_data["agent_name"] = "王大明"
    form = PublicComplaintForm(data=complaint_data)
    assert not form.is_valid()
    assert "agent_relation" in form.errors


def test_misconduct_kind_is_dropped_for_other_categories(complaint_data):
    complaint_data["misconduct_kind"] = "mis_selling"
    form = PublicComplaintForm(data=complaint_data)
    assert form.is_valid()
    assert form.case_data()["misconduct_kind"] == ""


@pytest.mark.parametrize("category", ["", "fraud"])
def test_category_must_be_one_of_the_choices(complaint_data, category):
    complaint_data["category"] = category
    assert "category" in PublicComplaintForm(data=complaint_data).errors


def test_status_form_normalises_code_and_phone():
    form = StatusLookupForm(data={"code": " k7q4-mz9t-p2x8 ", "phone": "+86 13800138000"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"code": "K7Q4MZ9TP2X8", "phone": "13800138000"}


@pytest.mark.parametrize("code", ["123", "K7Q4-MZ9T-P2X", "K7Q4-MZ9T-P2XU"])
def test_status_form_refuses_a_malformed_code(code):
    form = StatusLookupForm(data={"code": code, "phone": "13800138000"})
    assert "code" in form.errors
