"""Phone and ID numbers are checked once (cases.identity), the same way in every channel."""
import datetime

import pytest
from django.utils import timezone

from cases.identity import (
    InvalidNumber,
    customer_numbers_check,
    id_number_clean,
    phone_clean,
    resident_id_check_character,
)

VALID_RESIDENT_ID = "11010519491231002X"  # the standard's own example


@pytest.mark.parametrize(("raw", "expected"), [
    ("13911112222", "13911112222"), ("+86 139-1111-2222", "13911112222"), ("0086 13911112222", "13911112222"),
    ("010-6512 3456", "01065123456"), ("(0755)88889999", "075588889999"), ("0571-8765432", "05718765432"),
    ("", ""), ("   ", ""),
])
def test_mobile_and_landline_numbers_are_accepted_and_stored_as_digits(raw, expected):
    assert phone_clean(raw) == expected


@pytest.mark.parametrize("raw", [
    "abc123", "12345", "12911112222", "1391111222", "139111122223", "010-1234567", "0755-0888999",
    "20-12345678", "1391111222x",
])
def test_anything_else_is_not_a_phone_number(raw):
    with pytest.raises(InvalidNumber):
        phone_clean(raw)


def test_a_resident_id_is_accepted_with_its_check_character_and_stored_upper_case():
    assert id_number_clean("resident_id", VALID_RESIDENT_ID.lower()) == VALID_RESIDENT_ID
    assert resident_id_check_character("11010519900101123") == "2"
    assert id_number_clean("resident_id", "110105199001011232") == "110105199001011232"


@pytest.mark.parametrize(("number", "why"), [
    ("11010519491231002", "17 characters"),
    ("110105194912310021", "wrong check character"),
    ("11010519900230001X", "30 February"),
    ("110105180001010010", "born before 1900"),
    ("01010519491231002X", "no province starts with 0"),
    ("11010519491231002Y", "Y is no check character"),
])
def test_a_resident_id_with_a_wrong_length_check_character_or_birth_date_is_refused(number, why):
    with pytest.raises(InvalidNumber):
        id_number_clean("resident_id", number)


def test_a_resident_id_born_in_the_future_is_refused():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    first17 = f"110105{tomorrow:%Y%m%d}001"
    with pytest.raises(InvalidNumber):
        id_number_clean("resident_id", first17 + resident_id_check_character(first17))


@pytest.mark.parametrize(("id_type", "good", "bad"), [
    ("passport", "E12345678", "E1"),
    ("hk_macao", "H12345678", "X12345678"),
    ("hk_macao", "M1234567890", "H1234567"),
    ("other", "A-1234", "!!"),
])
def test_other_id_types_follow_their_own_rules(id_type, good, bad):
    assert id_number_clean(id_type, good) == good
    with pytest.raises(InvalidNumber):
        id_number_clean(id_type, bad)


def test_a_number_without_its_type_is_refused_on_the_type():
    data = {"customer_phone": "13911112222", "customer_id_type": "", "customer_id_number": "E12345678"}
    assert set(customer_numbers_check(data)) == {"customer_id_type"}


def test_the_check_normalises_in_place_and_names_each_failing_field():
    data = {"customer_phone": "+86 139 1111 2222", "customer_id_type": "resident_id",
            "customer_id_number": "11010519491231002x"}
    assert customer_numbers_check(data) == {}
    assert data["customer_phone"] == "13911112222" and data["customer_id_number"] == VALID_RESIDENT_ID
    bad = {"customer_phone": "abc123", "customer_id_type": "resident_id", "customer_id_number": "12345"}
    assert set(customer_numbers_check(bad)) == {"customer_phone", "customer_id_number"}
