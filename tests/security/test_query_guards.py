"""Query-count guards for the list and detail pages and API reads not guarded next to their own
tests (those are: the queues, the all-cases list and home in tests/cases/views/test_lists.py,
the case page in test_case_page.py, the complaint list, detail and history in
tests/cases/api/test_complaints_api.py).

The fixture has several rows of everything each page lists (cases in two departments and in
every state, notifications, attachments, spot-checked cases, rectifications, bonus proposals),
so a query per row (N+1) exceeds the limits below, which are the page's fixed cost.
Timings are not tested here: bench/ measures them.
"""
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from assessment.supervision import spot_checks as sv
from cases.services import attachment_add
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
ROWS = 4  # per state and department: enough for a query per row to show


@pytest.fixture
def world(calendar, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    people = {"clerk": f.clerk(), "supervisor": f.supervisor(), "head": f.head("SALES"),
              "inv": f.investigator("SALES"), "senior": f.senior()}
    cases = []
    for department in ("SALES", "CS"):
        for state in ("assigned", "investigating", "responded", "closed"):
            cases += [f.ComplaintFactory(state=state, department=department) for _ in range(ROWS // 2)]
    case = next(c for c in cases if c.department.code == "SALES" and c.status == "investigating")
    for i in range(ROWS):
        attachment_add(actor=people["inv"], reference=case.reference,
                       uploaded_file=SimpleUploadedFile(f"p{i}.png", PNG, content_type="image/png"))
    # Closed cases of the current quarter are the spot-check population: draw and fail them all.
    today = timezone.localdate()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    check = sv.spot_check_draw(actor=people["supervisor"], period=quarter, department="SALES", size=ROWS, seed="g")
    answers = {item.code: (item.code != "feedback_timely", "late") for item in sv.checklist_items()}
    for item in check.items.all():
        sv.spot_check_item_review(actor=people["supervisor"], item_id=item.pk, answers=answers)
    return people, case, check, quarter


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


PAGES = [
    # (role, path, max queries): the fixed cost of the page (layout: session, user, and one
    # query for the roles, memberships, review teams and unread count)
    ("head", "/notifications/", 4),
    ("clerk", "/notifications/", 4),
    ("head", "/api/v1/complaints/{ref}/attachments/", 5),
    ("supervisor", "/cases/export.csv", 4),
    # Cold: nine quarters of KPI tables computed (warm it is a fraction).
    # 87 on PostgreSQL (KPI columns), one more on SQLite; of them one aggregate each for the
    # mediation figures, the open surge alerts' card and the open major complaints' card (the
    # customer-flag breakdown is a column of the breakdown query).
    ("supervisor", "/assessment/dashboard/", 88),
    ("supervisor", "/assessment/dashboard/cases/", 5),
    ("clerk", "/assessment/followups/", 6),
    ("supervisor", "/assessment/targets/", 5),
    ("supervisor", "/assessment/supervision/", 9),
    ("supervisor", "/assessment/supervision/spot-checks/?period={quarter}", 7),
    ("supervisor", "/assessment/supervision/spot-checks/{check}/", 8),
    ("supervisor", "/assessment/supervision/rectifications/", 4),
    ("head", "/assessment/supervision/rectifications/", 4),
    ("supervisor", "/assessment/supervision/corrective/", 5),
    ("supervisor", "/assessment/supervision/recurring/?period={quarter}", 4),
    ("supervisor", "/assessment/supervision/reports/", 4),
    ("supervisor", "/assessment/supervision/regulator/", 4),
    # One query per audited configuration table (19), plus per table with rows the changes'
    # previous rows and each foreign key of the objects' names, fetched once for all its rows,
    # plus one per related model the changes name (old and new values shown by their names).
    ("supervisor", "/assessment/supervision/audit/", 32),
    ("supervisor", "/assessment/results/?quarter={quarter}", 10),
    ("supervisor", "/assessment/results/employees/?quarter={quarter}", 5),
    ("supervisor", "/assessment/results/rules/", 5),
    ("supervisor", "/assessment/results/promotion/", 9),
    ("supervisor", "/assessment/results/training/?quarter={quarter}", 9),
]


@pytest.mark.parametrize("role,path,limit", PAGES)
def test_list_and_detail_pages_have_a_fixed_query_count(world, role, path, limit, django_assert_max_num_queries):
    people, case, check, quarter = world
    client = client_for(people[role])
    if "results" in path:
        assert client_for(people["supervisor"]).post("/assessment/results/run/", {"quarter": quarter}).status_code == 302
    url = path.format(ref=case.reference, check=check.pk, quarter=quarter)
    assert client.get(url).status_code == 200  # warm: content types, groups, calendar
    cache.clear()  # every KPI query runs, as for the first reader
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200


def test_public_status_page_has_a_fixed_query_count(world, django_assert_max_num_queries):
    _, case, _, _ = world
    client = Client()
    with django_assert_max_num_queries(3):
        response = client.post("/public/status/", {"code": case.public_code, "phone": case.customer_phone})
    assert response.status_code == 200 and 'id="status-result"' in response.content.decode()
