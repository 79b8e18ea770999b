"""Organised-complaint signals (SPEC §13): at intake, daily, the review list and its outcome."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.warning import organised
from assessment.warning.models import OrganisedReview, SignalKeyword
from assessment.warning.tasks import organised_case_check, organised_text_check
from complaints_portal.common.errors import PermissionDenied, ValidationFailed
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

LETTER = ("本人于2019年购买的分红险存在销售误导，业务员夸大收益、隐瞒退保损失，"
          "现要求贵公司全额退还已交保费并承担利息损失，否则将向监管部门投诉。")


@pytest.fixture
def calendar(db):
    f.calendar_seed()


@pytest.fixture
def sup(calendar):
    return f.supervisor()


def register(name="张三", phone="13812345678", **fields):
    """A complaint registered through the intake service, then the signals' task it queues (the
    text too short to compare unless a description is given)."""
    intake = {"customer": {"name": name, "phone": phone}, "description": "", **fields}
    case = f.ComplaintFactory(intake=intake)
    organised_case_check(case.pk)
    return case


def kinds(case):
    review = OrganisedReview.objects.filter(case=case).first()
    return {s["kind"] for s in review.signals} if review else set()


def signal(case, kind):
    return next(s for s in OrganisedReview.objects.get(case=case).signals if s["kind"] == kind)


def test_same_phone_for_three_complainants_flags_the_third_at_intake(calendar):
    first, second = register("王一", "13900000001"), register("李二", "13900000001")
    assert kinds(second) == set()  # two complainants are not a group yet
    third = register("赵三", "13900000001")
    assert kinds(third) == {"shared_phone"}
    assert signal(third, "shared_phone")["related"] == sorted([first.pk, second.pk])


def test_one_customer_complaining_three_times_is_no_signal(calendar):
    cases = [register("王一", "13900000002") for _ in range(3)]
    assert kinds(cases[-1]) == set()


@pytest.mark.parametrize("field, values", [
    ("customer_email", ["agent@example.com"] * 3),
    ("customer_address", ["北京市朝阳区某路1号"] * 3),
    ("agent_name", ["维权中心刘某"] * 3),
])
def test_shared_email_address_or_agent_flags_the_case(calendar, field, values):
    extra = {"agent_relation": "代理人", "agent_authorisation": "委托书"} if field == "agent_name" else {}
    cases = [register(name, f"1390000001{i}", **{field: value}, **extra)
             for i, (name, value) in enumerate(zip(["甲", "乙", "丙"], values, strict=True))]
    expected = {"customer_email": "shared_email", "customer_address": "shared_address", "agent_name": "shared_agent"}
    assert kinds(cases[-1]) == {expected[field]}


def test_cases_older_than_the_window_do_not_count(calendar):
    old = timezone.now() - datetime.timedelta(days=100)
    register("王一", "13900000003", received_at=old.isoformat())
    register("李二", "13900000003", received_at=old.isoformat())
    assert kinds(register("赵三", "13900000003")) == set()


def test_agent_without_authorisation_and_keywords_are_signals(calendar):
    case = register(agent_name="刘某", agent_relation="朋友", description="委托代理退保，要求全额退保。")
    assert kinds(case) == {"agent_unauthorised", "keyword"}
    words = {s["value"] for s in OrganisedReview.objects.get(case=case).signals if s["kind"] == "keyword"}
    assert words == {"代理退保", "全额退保"}
    SignalKeyword.objects.filter(word="全额退保").update(active=False)
    assert {s.get("value") for s in organised.signals_of_case(case)} == {None, "代理退保"}


def test_a_case_without_signals_has_no_review(calendar):
    assert not OrganisedReview.objects.filter(case=register()).exists()


def test_near_identical_texts_are_flagged_both_ways_and_different_ones_not(calendar):
    first = register("王一", "13900000004", description=LETTER)
    copy = register("李二", "13900000005", description=LETTER.replace("2019", "2020"))
    other = register("赵三", "13900000006", description="理赔款到账太慢，客服电话一直打不通，希望尽快处理我的住院理赔申请。")
    organised_text_check(copy.pk)  # the text check alone (as queued before organised_case_check)
    assert signal(copy, "similar_text")["related"] == [first.pk] and signal(copy, "similar_text")["score"] >= 0.8
    assert signal(first, "similar_text")["related"] == [copy.pk]
    assert "similar_text" not in kinds(other)


def test_daily_run_flags_every_member_of_a_group_and_a_rerun_changes_nothing(calendar):
    cases = [register(name, "13900000007", description="") for name in ("王一", "李二", "赵三")]
    assert kinds(cases[0]) == set()  # registered before the group formed
    organised.organised_signals_daily()
    assert all(kinds(case) == {"shared_phone"} for case in cases)
    assert signal(cases[0], "shared_phone")["related"] == [cases[1].pk, cases[2].pk]
    history = sum(OrganisedReview.objects.get(case=case).history.count() for case in cases)
    organised.organised_signals_daily()
    assert sum(OrganisedReview.objects.get(case=case).history.count() for case in cases) == history


def test_outcome_is_recorded_and_never_refuses_the_case(sup):
    case = register(agent_name="刘某", agent_relation="朋友")
    review = OrganisedReview.objects.get(case=case)
    with pytest.raises(ValidationFailed) as missing:
        organised.organised_review_decide(actor=sup, review_id=review.pk, outcome="not_authorised", evidence="")
    assert missing.value.code == "evidence_required"
    with pytest.raises(PermissionDenied):
        organised.organised_review_decide(actor=f.clerk(), review_id=review.pk, outcome="genuine", evidence="")
    organised.organised_review_decide(actor=sup, review_id=review.pk, outcome="not_authorised",
                                      evidence="The customer says on the recorded call she authorised no one.")
    review.refresh_from_db()
    assert (review.outcome, review.decided_by) == ("not_authorised", sup)
    assert review.history.latest().history_user == sup
    case.refresh_from_db()
    assert case.status == "received"  # the case goes on as any other
    with pytest.raises(organised.AlreadyDecided):
        organised.organised_review_decide(actor=sup, review_id=review.pk, outcome="genuine", evidence="")


def test_review_list_shows_signals_and_related_cases_to_the_supervisor(client, sup):
    first, second = register("王一", "13900000008"), register("李二", "13900000008")
    third = register("赵三", "13900000008")
    review = OrganisedReview.objects.get(case=third)
    client.force_login(sup)
    page = client.get(reverse("warning_reviews")).content.decode()
    assert third.reference in page and first.reference in page and second.reference in page
    response = client.post(reverse("warning_review_decide", args=[review.pk]), {"outcome": "genuine", "evidence": ""})
    assert response.status_code == 302
    assert OrganisedReview.objects.get(pk=review.pk).outcome == "genuine"
    assert third.reference not in client.get(reverse("warning_reviews")).content.decode()  # no longer pending
    client.force_login(f.clerk())
    assert client.get(reverse("warning_reviews")).status_code == 403


def test_registration_queues_one_signal_check_after_the_commit_and_writes_no_review(calendar, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        cases = [f.ComplaintFactory(intake={"customer": {"name": name, "phone": "13900000009"}, "description": LETTER})
                 for name in ("王一", "李二", "赵三")]
    queued = [getattr(callback, "enqueues", None) for callback in callbacks]
    assert [q for q in queued if q and q[0].startswith("assessment.warning.")] == [
        ("assessment.warning.tasks.organised_case_check", (case.pk,)) for case in cases]
    assert not OrganisedReview.objects.exists()  # the registration waits for no look-up
    organised_case_check(cases[-1].pk)
    assert kinds(cases[-1]) == {"shared_phone", "similar_text"}


def test_the_signal_check_of_a_case_gone_does_nothing(calendar):
    assert organised.case_signals_record(0) is None
