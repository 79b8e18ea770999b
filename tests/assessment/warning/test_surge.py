"""Surge alerts (SPEC §13): weekly counts generated per key, the daily job, acknowledgement."""
import datetime

import pytest
from django.urls import reverse

from assessment.warning import surge
from assessment.warning.models import SurgeAlert
from cases.models import Notification
from complaints_portal.common.errors import PermissionDenied, ValidationFailed
from tests.factories import assessment as af
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)  # the window is 2026-05-25 .. 2026-05-31


def week_day(weeks_back, offset=0):
    """A day in the window `weeks_back` windows before the current one (0 = the current)."""
    return TODAY - datetime.timedelta(days=1 + 7 * weeks_back + offset % 7)


def weekly(counts, **fields):
    """`counts[0]` cases in the current window, `counts[k]` in the k-th window before; returns
    the cases of each window."""
    made = []
    for weeks_back, n in enumerate(counts):
        made.append([af.ComplaintFactory(received_at=af.local_dt(week_day(weeks_back, i)), **fields)
                     for i in range(n)])
    return made


@pytest.fixture
def sup(db):
    return f.supervisor()


def test_surge_test_needs_both_the_sigma_threshold_and_the_minimum():
    assert not surge.surge_test(6, [6] * 12, sigma=3, minimum=5).surge  # flat: count equals the threshold
    assert surge.surge_test(7, [6] * 12, sigma=3, minimum=5).surge
    assert not surge.surge_test(4, [0] * 12, sigma=3, minimum=5).surge  # above the mean, below the minimum
    result = surge.surge_test(13, [4, 8] * 6, sigma=3, minimum=5)
    assert (result.mean, result.stdev, result.threshold, result.surge) == (6, 2, 12, True)
    assert not surge.surge_test(12, [4, 8] * 6, sigma=3, minimum=5).surge


def test_flat_weekly_series_raises_nothing(sup):
    weekly([6] * 13, dispute_type="claims", product_line="Term life")
    assert surge.surge_alerts_raise(TODAY) == []
    assert not SurgeAlert.objects.exists()


def test_one_spike_raises_exactly_one_alert_naming_its_cases(sup):
    # given a department whose weekly counts vary (4, 8, 4, ...: threshold 6 + 3×2 = 12) and one
    # dispute type with no complaint in twelve weeks and six in the last
    weekly([6] + [4, 8] * 6, dispute_type="service")
    spike = weekly([6], dispute_type="surrender")[0]
    # when the daily job runs
    raised = surge.surge_alerts_raise(TODAY)
    # then one alert, for the dispute type, with the six cases behind it
    assert len(raised) == 1
    alert = raised[0]
    assert (alert.dimension, alert.key, alert.count) == ("dispute_type", "surrender", 6)
    assert (alert.window_start, alert.window_end) == (datetime.date(2026, 5, 25), datetime.date(2026, 5, 31))
    assert set(alert.cases.values_list("pk", flat=True)) == {case.pk for case in spike}
    # and the supervisor is told, with a link to the alert
    note = Notification.objects.get(recipient=sup, kind="surge_alert")
    assert reverse("warning_alert", args=[alert.pk]) in note.body


def test_running_the_job_twice_raises_the_alert_once(sup):
    weekly([6], dispute_type="surrender")
    assert len(surge.surge_alerts_raise(TODAY)) == 2  # the dispute type's and the department's
    assert surge.surge_alerts_raise(TODAY) == []
    # the spike is still inside the next day's window: not raised again either
    assert surge.surge_alerts_raise(TODAY + datetime.timedelta(days=1)) == []
    assert SurgeAlert.objects.count() == 2
    assert Notification.objects.filter(kind="surge_alert").count() == 2


def test_feedback_only_cases_are_not_counted(sup):
    weekly([4], dispute_type="surrender")
    weekly([3], dispute_type="surrender", complaint_type="feedback")
    assert surge.surge_alerts_raise(TODAY) == []


def test_acknowledging_needs_a_note_and_records_who(sup):
    weekly([6], dispute_type="surrender", department=af.DepartmentFactory(code="CS"))
    alert = surge.surge_alerts_raise(TODAY)[0]
    with pytest.raises(ValidationFailed) as refused:
        surge.surge_alert_acknowledge(actor=sup, alert_id=alert.pk, note=" ")
    assert refused.value.code == "acknowledgement_note_required"
    with pytest.raises(PermissionDenied):
        surge.surge_alert_acknowledge(actor=f.clerk(), alert_id=alert.pk, note="Seen")
    surge.surge_alert_acknowledge(actor=sup, alert_id=alert.pk, note="A branch campaign; agents warned.")
    alert.refresh_from_db()
    assert alert.acknowledged_by == sup and alert.note == "A branch campaign; agents warned."
    assert alert.history.latest().history_user == sup
    with pytest.raises(surge.AlreadyAcknowledged):
        surge.surge_alert_acknowledge(actor=sup, alert_id=alert.pk, note="again")


def test_alert_pages_and_dashboard_card_for_the_supervisor(client, sup):
    weekly([6], dispute_type="surrender")
    alert = next(a for a in surge.surge_alerts_raise(TODAY) if a.dimension == "dispute_type")
    client.force_login(sup)
    page = client.get(reverse("warning_alerts")).content.decode()
    assert reverse("warning_alert", args=[alert.pk]) in page
    detail = client.get(reverse("warning_alert", args=[alert.pk])).content.decode()
    assert all(case.reference in detail for case in alert.cases.all())
    response = client.post(reverse("warning_alert_acknowledge", args=[alert.pk]), {"note": "Checked"})
    assert response.status_code == 302
    assert SurgeAlert.objects.get(pk=alert.pk).note == "Checked"
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert 'id="surge-card"' in dashboard


def test_alert_pages_are_refused_to_other_roles(client, sup):
    client.force_login(f.clerk())
    assert client.get(reverse("warning_alerts")).status_code == 403


def test_api_lists_and_acknowledges_alerts_for_supervisors_only(client, sup):
    weekly([6], dispute_type="surrender")
    surge.surge_alerts_raise(TODAY)
    client.force_login(f.clerk())
    assert client.get(reverse("api-surge-alerts")).json()["code"] == "permission_denied"
    client.force_login(sup)
    alerts = client.get(reverse("api-surge-alerts")).json()
    assert {a["key"] for a in alerts} == {"surrender", "SALES"} and len(alerts[0]["cases"]) == 6
    url = reverse("api-surge-alert-acknowledge", args=[alerts[0]["id"]])
    assert client.post(url, {"note": "Seen"}, content_type="application/json").json()["note"] == "Seen"
    assert client.post(url, {"note": "again"}, content_type="application/json").json()["code"] == "already_acknowledged"
    assert len(client.get(reverse("api-surge-alerts")).json()) == 1
