"""Personal data (SPEC §8): ID numbers encrypted at rest and masked, phones masked, full values
only for the roles that need them, each view logged."""
import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases.models import AccessLog
from cases.services import personal_data_reveal
from cases.services.privacy import masked
from complaints_portal.common.errors import NotFound, PermissionDenied
from tests.factories.cases import ComplaintFactory, clerk

pytestmark = pytest.mark.django_db

PHONE, ID_NUMBER = "13812345678", "110105199001011232"


def test_id_number_is_encrypted_in_the_database_and_masked_for_display(people):
    case = ComplaintFactory()

    with connection.cursor() as cursor:
        cursor.execute("SELECT customer_id_number FROM cases_complaint WHERE id = %s", [case.pk])
        stored = cursor.fetchone()[0]

    assert ID_NUMBER not in stored
    assert case.customer_id_number == ID_NUMBER
    assert masked(case, "customer_id_number") == "110***********1232"
    assert masked(case, "customer_phone") == "138****5678"


@pytest.mark.parametrize("role", ["clerk", "inv_sales", "head_sales", "senior", "supervisor"])
def test_reveal_by_an_entitled_user_returns_the_value_and_logs_the_view(people, role):
    # given: a SALES case registered by `clerk`
    case = ComplaintFactory(assigned=True)
    # when
    phone = personal_data_reveal(actor=people[role], reference=case.reference, field="customer_phone")
    id_number = personal_data_reveal(actor=people[role], reference=case.reference, field="customer_id_number")
    # then
    assert (phone, id_number) == (PHONE, ID_NUMBER)
    logs = AccessLog.objects.filter(case=case, user=people[role])
    assert sorted(logs.values_list("field", flat=True)) == ["customer_id_number", "customer_phone"]
    assert set(logs.values_list("via", flat=True)) == {"web"}


def test_any_clerk_may_reveal_the_phone_of_an_open_case_and_the_reveal_is_logged(people):
    # given: a case another clerk registered
    case = ComplaintFactory(assigned=True)
    other = clerk("clerk2")
    # when
    phone = personal_data_reveal(actor=other, reference=case.reference, field="customer_phone")
    # then
    assert phone == PHONE
    assert list(AccessLog.objects.filter(case=case).values_list("user", "field")) == [(other.pk, "customer_phone")]


def test_a_clerk_who_did_not_register_the_case_may_not_reveal_its_id_number(people):
    case = ComplaintFactory(assigned=True)

    with pytest.raises(PermissionDenied):
        personal_data_reveal(actor=clerk("clerk2"), reference=case.reference, field="customer_id_number")

    assert not AccessLog.objects.exists()


def test_a_clerk_who_did_not_register_a_closed_case_may_not_reveal_its_phone(people):
    case = ComplaintFactory(closed=True)

    with pytest.raises(PermissionDenied):
        personal_data_reveal(actor=clerk("clerk2"), reference=case.reference, field="customer_phone")

    assert not AccessLog.objects.exists()


def test_reveal_on_another_departments_case_is_not_found(people):
    case = ComplaintFactory(assigned=True, department="SALES")

    with pytest.raises(NotFound):
        personal_data_reveal(actor=people["inv_cs"], reference=case.reference, field="customer_phone")

    assert not AccessLog.objects.exists()


def test_only_personal_fields_can_be_revealed(people):
    case = ComplaintFactory()

    with pytest.raises(PermissionDenied):
        personal_data_reveal(actor=people["senior"], reference=case.reference, field="summary")


def test_api_never_returns_the_full_phone_or_id_number_outside_the_reveal_call(people):
    # given
    case = ComplaintFactory(responded=True)
    client = APIClient()
    client.force_authenticate(people["senior"])
    # when
    bodies = [client.get(url).content.decode() for url in (
        "/api/v1/complaints/", f"/api/v1/complaints/{case.reference}/",
        f"/api/v1/complaints/{case.reference}/history/")]
    # then
    for body in bodies:
        assert PHONE not in body and ID_NUMBER not in body
    assert "138****5678" in bodies[1] and "110***********1232" in bodies[1]
    assert not AccessLog.objects.exists()
