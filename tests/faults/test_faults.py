"""Fault scripts (issue 10): real processes, real PostgreSQL, a private Redis. Run with
`-m faults` (see conftest.py); each prints what it observed.

- Celery worker SIGKILLed in the middle of a deadline sweep and restarted: every due
  escalation happens exactly once.
- Redis stopped: intake through the API and the HTML form still saves and answers; the
  notifications stay pending and the retry task delivers them once Redis is back, none doubled.
- PostgreSQL unreachable: /healthz answers 503, pages fail cleanly (no traceback), and the
  portal recovers by itself when the database comes back.
- A burst of 10x normal intake on loopback: every 201 has its row, no duplicate references.
"""
import json
import re
import signal
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from rest_framework.authtoken.models import Token

from cases.deadlines import apply_deadlines
from cases.models import CaseDeadline, Complaint, Notification
from complaints_portal.common import roles
from tests.factories.calendar import make_case, make_department, make_user, seed_calendar
from tests.factories.cases import INTAKE
from tests.processes import stop, wait_until

from .conftest import (
    celery_call,
    database_url,
    free_port,
    process_env,
    start_worker,
    web_server,
)

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def org(transactional_db):
    seed_calendar()
    dept = make_department("SALES")
    return {
        "dept": dept,
        "head": make_user("head_sales", roles.DEPARTMENT_HEAD, dept, "head"),
        "inv": make_user("inv_sales", roles.INVESTIGATOR, dept, "investigator"),
        "clerk": make_user("clerk", roles.INTAKE_CLERK),
        "supervisor": make_user("supervisor", roles.SUPERVISOR),
    }


def http(method, url, body=None, headers=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={  # noqa: S310 - loopback http only
        "Content-Type": "application/json", **(headers or {})})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status, response.read(), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), time.monotonic() - started


# -- 1. worker killed mid-sweep --------------------------------------------------------------

def test_worker_killed_mid_sweep_and_restarted_escalates_each_deadline_once(org, redis):
    # given many cases left alone since 2025: every stage overdue, 8 deadlines each
    cases = 600  # 4,800 deadlines: the sweep's chunks of 500 rows, so the kill lands between commits
    for _ in range(cases):
        case = make_case(date(2025, 9, 26), department=org["dept"], registered_by=org["clerk"])
        apply_deadlines(case)
        case.save()
    total = CaseDeadline.objects.count()
    env = process_env(redis.url)
    worker = start_worker(env)
    try:
        # when the sweep runs and the worker is SIGKILLed part-way
        celery_call(env, "cases.tasks.deadline_sweep")
        assert wait_until(lambda: CaseDeadline.objects.filter(overdue_at__isnull=False).count() > total // 10, 120)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        done_at_kill = CaseDeadline.objects.filter(escalated_head_at__isnull=False).count()
        print(f"\nkilled after {done_at_kill}/{total} escalations")
        assert done_at_kill < total, "the sweep finished before the kill: raise `cases`"
        # and a new worker takes the next beat tick (the killed task's message comes back
        # only after the broker's visibility timeout)
        worker = start_worker(env)
        celery_call(env, "cases.tasks.deadline_sweep")
        assert wait_until(lambda: CaseDeadline.objects.filter(escalated_head_at__isnull=True).count() == 0, 300)
        # a third tick adds nothing
        celery_call(env, "cases.tasks.deadline_sweep")
        time.sleep(5)
    finally:
        stop(worker)
    # then every deadline escalated once: the head told of each deadline once, in one notification
    # per case (grouped per case and day), the supervisor once per case, no duplicates
    head = list(Notification.objects.filter(recipient=org["head"], kind="deadline_overdue"))
    sup = Notification.objects.filter(recipient=org["supervisor"], kind="deadline_passed_supervisor").count()
    items = sum(len(n.params.get("items", [])) for n in head)
    print(f"head notifications {len(head)} naming {items} deadlines of {total}; supervisor {sup} for {cases} cases")
    assert len(head) == cases and items == total
    assert sup == cases


# -- 2. Redis stopped ------------------------------------------------------------------------

def test_intake_works_while_redis_is_down_and_notifications_follow_once_it_is_back(org, redis):
    token = Token.objects.create(user=org["clerk"]).key
    auth = {"Authorization": f"Token {token}"}
    env = process_env(redis.url)
    with web_server(env) as base:
        # given Redis stopped
        redis.stop()
        # when complaints arrive through the API and are dispatched
        references = []
        for i in range(3):
            status, body, seconds = http("POST", f"{base}/api/v1/complaints/", {**INTAKE, "summary": f"down {i}"}, auth)
            print(f"\nintake with Redis down: {status} in {seconds:.1f}s")
            assert status == 201 and seconds < 15
            references.append(json.loads(body)["reference"])
            status, body, _ = http("POST", f"{base}/api/v1/complaints/{references[-1]}/transitions/",
                                   {"action": "assign", "department": "SALES"}, auth)
            assert status == 200, body
        # and through the clerk's HTML form
        html_ref = _html_intake(base, "clerk")
        references.append(html_ref)
    assert Complaint.objects.filter(reference__in=references).count() == 4
    pending = set(Notification.objects.filter(delivery="pending").values_list("pk", flat=True))
    print(f"notifications pending while Redis is down: {len(pending)}")
    assert pending, "the dispatch should notify the department"
    # then Redis returns, a worker starts, beat's retry task runs (twice, as beat may)
    redis.start()
    worker = start_worker(env)
    try:
        celery_call(env, "cases.tasks.deliver_pending_notifications")
        celery_call(env, "cases.tasks.deliver_pending_notifications")
        assert wait_until(lambda: not Notification.objects.filter(pk__in=pending, delivery="pending").exists(), 60)
        time.sleep(2)
    finally:
        stop(worker)
    rows = Notification.objects.filter(pk__in=pending)
    assert set(rows.values_list("delivery", flat=True)) <= {"sent", "skipped"}
    assert set(rows.filter(delivery="sent").values_list("attempts", flat=True)) == {1}, "sent exactly once"
    print(f"delivered after Redis returned: {rows.filter(delivery='sent').count()}, each attempted once")


def _html_intake(base, username):
    """Log in and submit the intake form like a browser (cookies + CSRF token)."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def form(url, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"Referer": url})  # noqa: S310 - loopback http only
        with opener.open(request, timeout=30) as response:
            return response.geturl(), response.read().decode()

    _, page = form(f"{base}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form(f"{base}/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": "x"})
    _, page = form(f"{base}/cases/new/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    url, page = form(f"{base}/cases/new/", {
        "csrfmiddlewaretoken": token, "channel": "hotline", "customer_name": "Zhao", "customer_phone": "13600136000",
        "category": "service", "complaint_type": "complaint", "summary": "HTML intake with Redis down"})
    match = re.search(r"/cases/(TS-\d{4}-\d+)/", url)
    assert match, "the intake form did not lead to the new case"
    return match.group(1)


# -- 3. PostgreSQL unreachable -------------------------------------------------------------------

class Proxy:
    """A TCP relay to PostgreSQL that can be cut and restored (the system server keeps running)."""

    def __init__(self, target_port):
        self.port, self.target = free_port(), target_port
        self.running = threading.Event()
        self.sockets = []

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.running.set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.running.is_set():
                client.close()
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        self.running.clear()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        except OSError:
            pass
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.sockets = []


def test_database_down_gives_503_and_clean_errors_and_the_portal_recovers(org, redis):
    from django.db import connection

    token = Token.objects.create(user=org["clerk"]).key
    auth = {"Authorization": f"Token {token}"}
    proxy = Proxy(int(connection.settings_dict["PORT"] or 5432))
    proxy.start()
    env = process_env(redis.url, db_url=database_url(port=proxy.port))
    with web_server(env) as base:
        assert http("GET", f"{base}/healthz")[0] == 200
        assert http("GET", f"{base}/api/v1/complaints/", headers=auth)[0] == 200
        # when the database goes away
        proxy.cut()
        health = http("GET", f"{base}/healthz")
        api = http("GET", f"{base}/api/v1/complaints/", headers=auth)
        page = http("GET", f"{base}/accounts/login/")
        print(f"\ndatabase down: healthz {health[0]}, API {api[0]}, login page {page[0]}")
        # then
        assert health[0] == 503
        print(f"API body while down: {api[1][:200]!r}")
        assert api[0] >= 500
        # the log-in page needs no database for an anonymous visitor; whatever answers, cleanly
        for _status, body, _ in (api, page):
            assert b"Traceback" not in body and b"OperationalError" not in body and b"psycopg" not in body
        # and when it comes back, the portal recovers without a restart
        proxy.start()
        assert wait_until(lambda: http("GET", f"{base}/healthz")[0] == 200, 30)
        assert http("GET", f"{base}/api/v1/complaints/", headers=auth)[0] == 200
    proxy.cut()
    time.sleep(2)  # let PostgreSQL end the relayed sessions before the test database is dropped


# -- 4. burst of intake ------------------------------------------------------------------------

def test_burst_of_ten_times_normal_intake_loses_nothing_and_duplicates_no_reference(org, redis):
    token = Token.objects.create(user=org["clerk"]).key
    auth = {"Authorization": f"Token {token}"}
    env = process_env(redis.url)
    # "normal": about 5 complaints arriving at once at the hotline; 10x that, from 10 threads.
    requests = 50
    with web_server(env) as base:
        http("GET", f"{base}/healthz")

        def one(i):
            return http("POST", f"{base}/api/v1/complaints/", {**INTAKE, "summary": f"burst {i}"}, auth, timeout=60)

        with ThreadPoolExecutor(max_workers=10) as pool:
            results = list(pool.map(one, range(requests)))
    statuses = [r[0] for r in results]
    created = [json.loads(body)["reference"] for status, body, _ in results if status == 201]
    slowest = max(r[2] for r in results)
    print(f"\nburst: {statuses.count(201)}/{requests} created, slowest {slowest:.1f}s, other statuses "
          f"{sorted(set(statuses) - {201})}")
    assert len(created) == len(set(created)), "duplicate references"
    assert Complaint.objects.filter(reference__in=created).count() == len(created)
    assert statuses.count(201) == requests
    assert Complaint.objects.filter(summary__startswith="burst ").count() == requests
