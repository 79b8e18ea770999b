"""The daily run of the organised-complaint signals (SPEC §13) at scale: set-based reads and
writes, the review rule shared with the single-case path, the bounded text comparison."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.warning import organised
from assessment.warning.models import OrganisedReview
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

LETTER = ("本人于2019年购买的分红险存在销售误导，业务员夸大收益、隐瞒退保损失，"
          "现要求贵公司全额退还已交保费并承担利息损失，否则将向监管部门投诉。")


@pytest.fixture
def calendar(db):
    f.calendar_seed()


def register(name, phone, **fields):
    """A complaint registered through the intake service, then the look-ups of the signals' task
    it queues (the text comparison left to the daily run these tests are about)."""
    case = f.ComplaintFactory(intake={"customer": {"name": name, "phone": phone}, **fields})
    organised.review_record(case.pk, organised.signals_of_case(case))
    return case


def phone_groups(first, count):
    """``count`` groups of three complainants sharing a phone (texts too short to compare)."""
    return [[register(name, f"139{first + g:08d}", description="") for name in ("王一", "李二", "赵三")]
            for g in range(count)]


def daily_queries():
    OrganisedReview.objects.all().delete()
    with CaptureQueriesContext(connection) as captured:
        organised.organised_signals_daily()
    return len(captured)


def test_daily_run_queries_do_not_grow_with_the_number_of_groups(calendar):
    # given three groups, then thirty
    groups = phone_groups(0, 3)
    three = daily_queries()
    groups += phone_groups(100, 27)
    # when the daily run finds them all again
    thirty = daily_queries()
    # then the same statements read and write them, and every member has its review
    assert thirty == three
    assert OrganisedReview.objects.count() == 90
    for members in groups:
        for case in members:
            related = next(s["related"] for s in OrganisedReview.objects.get(case=case).signals)
            assert related == sorted(m.pk for m in members if m != case)


def test_daily_run_writes_a_history_row_for_every_review_it_creates_or_changes(calendar):
    cases = phone_groups(200, 1)[0]
    organised.organised_signals_daily()
    assert [OrganisedReview.objects.get(case=c).history.count() for c in cases] == [1, 1, 1]
    fourth = register("钱四", "13900000200", description="")  # joins the group: everyone's related grows
    organised.organised_signals_daily()
    assert [OrganisedReview.objects.get(case=c).history.count() for c in cases] == [2, 2, 2]
    assert OrganisedReview.objects.get(case=cases[0]).history.latest().history_type == "~"
    assert fourth.pk in next(s["related"] for s in OrganisedReview.objects.get(case=cases[0]).signals)


def test_a_decided_review_keeps_its_outcome_when_new_signals_are_merged(calendar):
    # given a review the supervisor decided
    sup = f.supervisor()
    cases = phone_groups(300, 1)[0]
    review = OrganisedReview.objects.get(case=cases[-1])
    organised.organised_review_decide(actor=sup, review_id=review.pk, outcome="genuine", evidence="")
    # when the daily run and a single-case record add signals
    register("钱四", "13900000300", description="")
    organised.organised_signals_daily()
    organised.review_record(cases[-1].pk, [organised._signal("keyword", value="代理退保")])
    # then the finding stays as recorded, the signals are merged, the case goes on
    review.refresh_from_db()
    assert (review.outcome, review.decided_by) == ("genuine", sup)
    assert {s["kind"] for s in review.signals} == {"shared_phone", "keyword"}
    cases[-1].refresh_from_db()
    assert cases[-1].status == "received"


def test_review_record_and_reviews_record_follow_one_rule(calendar):
    case, other = register("王一", "13900000400", description=""), register("李二", "13900000401", description="")
    signals = [organised._signal("keyword", value="全额退保"), organised._signal("similar_text", [other.pk], score=0.9)]
    single = organised.review_record(case.pk, signals)
    batch = organised.reviews_record({other.pk: signals, case.pk: signals})
    assert batch[case.pk].signals == single.signals
    assert batch[other.pk].signals == single.signals
    assert organised.review_record(case.pk, []) is None


def test_daily_text_comparison_in_small_blocks_and_batches_finds_the_same(calendar, monkeypatch):
    first = register("王一", "13900000500", description=LETTER)
    copy = register("李二", "13900000501", description=LETTER.replace("2019", "2020"))
    third = register("孙五", "13900000502", description=LETTER.replace("2019", "2018"))
    register("赵三", "13900000503", description="理赔款到账太慢，客服电话一直打不通，希望尽快处理我的住院理赔申请。")
    organised.organised_signals_daily()
    expected = {r.case_id: r.signals for r in OrganisedReview.objects.all()}
    assert {first.pk, copy.pk, third.pk} <= set(expected)
    OrganisedReview.objects.all().delete()
    monkeypatch.setattr(organised, "PRODUCT_CELLS", 1)  # one row of the product at a time
    monkeypatch.setattr(organised, "REVIEW_BATCH", 2)
    organised.organised_signals_daily()
    assert {r.case_id: r.signals for r in OrganisedReview.objects.all()} == expected
