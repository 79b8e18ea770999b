"""Who may reach each results URL (the rows to add to tests/security/test_url_matrix.py): the
supervisor does everything, the administrator reads and exports, a department head reads their
own department, everyone else gets 403 and anonymous users the log-in page."""
import pytest
from django.test import Client

from complaints_portal.common.roles import ADMINISTRATOR, SUPERVISOR
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "clerk", "inv_own", "inv_other", "head_own", "head_other", "senior", "supervisor", "admin")
LOGIN, OK, FORBIDDEN = 302, 200, 403


def rule(**allowed):
    """LOGIN for anonymous, 403 for staff unless given."""
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], FORBIDDEN), **allowed}


READERS = rule(head_own=OK, head_other=OK, supervisor=OK, admin=OK)
HR = rule(supervisor=OK, admin=OK)

RESULTS_MATRIX = {
    "bonus_results": ("GET", "/assessment/results/?quarter=2026Q2", None, READERS),
    "bonus_run": ("POST", "/assessment/results/run/", {"quarter": "2026Q2"}, rule(supervisor=302)),
    "bonus_approve": ("POST", "/assessment/results/approve/", {"quarter": "2026Q2"}, rule(supervisor=302)),
    "bonus_correct": ("POST", "/assessment/results/correct/", {}, rule(supervisor=302)),
    "bonus_employees": ("GET", "/assessment/results/employees/", None, READERS),
    "bonus_payroll_export": ("GET", "/assessment/results/employees/export.csv", None, READERS),
    "bonus_rules": ("GET", "/assessment/results/rules/", None, HR),
    "bonus_rules_new": ("GET", "/assessment/results/rules/new/", None, rule(supervisor=OK)),
    "bonus_rules_new POST": ("POST", "/assessment/results/rules/new/", {}, rule(supervisor=OK)),
    "bonus_promotion": ("GET", "/assessment/results/promotion/", None, HR),
    "bonus_promotion_export": ("GET", "/assessment/results/promotion/export.csv", None, HR),
    "bonus_training": ("GET", "/assessment/results/training/", None, READERS),
    "bonus_training_plan": ("POST", "/assessment/results/training/plans/", {}, rule(supervisor=OK)),
    "bonus_training_complete": ("POST", "/assessment/results/training/plans/999999/complete/", {},
                                rule(supervisor=404)),
}


@pytest.fixture
def people():
    return {
        "clerk": f.clerk(), "senior": f.senior(),
        "inv_own": f.investigator("SALES"), "head_own": f.head("SALES"),
        "inv_other": f.investigator("CS"), "head_other": f.head("CS"),
        "supervisor": f.UserFactory(username="supervisor", roles=[SUPERVISOR], is_staff=True),
        "admin": f.UserFactory(username="admin", roles=[ADMINISTRATOR], is_staff=True, is_superuser=True),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_results_url_answers_each_role_as_the_matrix_says(people, role):
    client = Client()
    if role != "anonymous":
        client.force_login(people[role])
    got = {}
    for name, (method, path, data, expected) in RESULTS_MATRIX.items():
        response = client.get(path) if method == "GET" else client.post(path, data)
        got[name] = (response.status_code, expected[role])
    assert {k: v for k, v in got.items() if v[0] != v[1]} == {}
