"""Celery queues by kind of work: every project task has its queue, the deployment files start
workers that together consume every queue, and exactly one beat."""
import json
import os
import shlex
import subprocess
import sys
import threading
import time

import pytest
import yaml
from celery import Celery
from django.conf import settings

ROOT = settings.BASE_DIR

# Every task of the project and the queue it must land on. A new task fails the first test
# until it is added here (and routed in settings.CELERY_TASK_ROUTES if "celery" is not right).
EXPECTED_QUEUES = {
    "cases.tasks.deadline_sweep": "deadlines",
    "cases.tasks.recompute_deadlines": "deadlines",
    "cases.tasks.deliver_notification": "notifications",
    "cases.tasks.deliver_pending_notifications": "notifications",
    "cases.public.tasks.deliver_customer_message": "notifications",
    "cases.public.tasks.deliver_pending_customer_messages": "notifications",
    "cases.tasks.anonymise_expired_cases": "reports",
    "cases.tasks.purge_submission_keys": "reports",
    "assessment.tasks.snapshot_previous_quarter": "reports",
    "assessment.supervision_tasks.monthly_reports": "reports",
    "assessment.supervision_tasks.supervision_reminders": "reports",
    # Email intake: the default queue, consumed with the notifications (Procfile, compose).
    "cases.inbound.tasks.read_mailboxes": "celery",
    "cases.triage.tasks.triage_monthly_retrain": "reports",
    "cases.triage.tasks.triage_record_suggestion": "celery",
    "assessment.warning.tasks.surge_alerts_raise": "reports",
    "assessment.warning.tasks.organised_signals_daily": "reports",
    "assessment.warning.tasks.organised_case_check": "reports",
    "assessment.warning.tasks.organised_text_check": "reports",
}


def _app():
    from complaints_portal.celery import app

    app.loader.import_default_modules()
    return app


def _queue_of(app, task_name):
    return app.amqp.router.route({}, task_name)["queue"].name


def test_every_project_task_routes_to_its_queue():
    app = _app()
    project = {name for name in app.tasks if not name.startswith("celery.")}
    assert project == set(EXPECTED_QUEUES), "add new tasks to EXPECTED_QUEUES (and a route in settings)"
    assert {name: _queue_of(app, name) for name in sorted(project)} == EXPECTED_QUEUES


def test_every_route_names_a_declared_queue_and_the_default_is_one():
    names = settings.CELERY_QUEUE_NAMES
    assert len(set(names)) == len(names)
    assert [q.name for q in settings.CELERY_TASK_QUEUES] == names
    assert settings.CELERY_TASK_DEFAULT_QUEUE in names
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} <= set(names)
    assert {"deadlines", "notifications", "reports", "imports"} <= set(names)


def test_an_unrouted_task_goes_to_the_default_queue_and_an_import_task_to_imports():
    app = _app()
    assert _queue_of(app, "cases.tasks.something_new") == "celery"
    assert _queue_of(app, "assessment.tasks.import_legacy_cases") == "imports"
    assert _queue_of(app, "cases.tasks.import_calendar") == "imports"


def test_beat_entries_go_to_the_queue_of_their_task():
    app = _app()
    queues = {name: _queue_of(app, entry["task"]) for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    assert queues["deadline-sweep"] == "deadlines"
    assert queues["notification-retry"] == "notifications"
    assert queues["kpi-quarterly-snapshot"] == "reports"


# -- deployment files ------------------------------------------------------------------------

def _celery_role(command):
    """("worker", queues, embedded_beat) or ("beat", None, False) for a celery command line."""
    args = shlex.split(command) if isinstance(command, str) else list(command)
    if "celery" not in " ".join(args[:3]):
        return None
    if "beat" in args:
        return ("beat", None, False)
    if "worker" not in args:
        return None
    queues = None
    for i, arg in enumerate(args):
        if arg == "-Q" or arg == "--queues":
            queues = set(args[i + 1].split(","))
        elif arg.startswith("--queues="):
            queues = set(arg.split("=", 1)[1].split(","))
    if queues is None:
        queues = set(settings.CELERY_QUEUE_NAMES)  # no -Q: every queue of the settings
    return ("worker", queues, "--beat" in args or "-B" in args)


def _roles(commands):
    return {name: role for name, command in commands.items() if (role := _celery_role(command))}


def _procfile(name):
    lines = (ROOT / name).read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_compose_workers_together_consume_every_queue_and_one_beat_runs():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    roles = _roles({name: svc.get("command", "") for name, svc in compose["services"].items()})
    workers = {name: role for name, role in roles.items() if role[0] == "worker"}
    beats = [name for name, role in roles.items() if role[0] == "beat"]
    # one service per queue group, none embedding a scheduler, every queue consumed
    assert len(workers) >= 3
    assert not any(embedded for _, _, embedded in workers.values())
    assert set().union(*(queues for _, queues, _ in workers.values())) == set(settings.CELERY_QUEUE_NAMES)
    queue_lists = [queues for _, queues, _ in workers.values()]
    assert sum(len(q) for q in queue_lists) == len(set().union(*queue_lists)), "a queue in two groups"
    assert beats == ["beat"]
    assert compose["services"]["beat"].get("deploy", {}).get("replicas", 1) == 1


def test_procfile_workers_consume_every_queue_and_one_beat_runs():
    roles = _roles(_procfile("Procfile"))
    workers = [role for role in roles.values() if role[0] == "worker"]
    assert set().union(*(queues for _, queues, _ in workers)) == set(settings.CELERY_QUEUE_NAMES)
    assert not any(embedded for _, _, embedded in workers)
    assert [name for name, role in roles.items() if role[0] == "beat"] == ["beat"]
    # several workers on one machine need distinct node names
    hostnames = [arg for line in _procfile("Procfile").values() for arg in shlex.split(line)
                 if arg.startswith("--hostname=")]
    assert len(hostnames) == len(set(hostnames)) == len(workers)


def test_the_embedded_default_runs_one_worker_on_every_queue_with_beat():
    roles = _roles(_procfile("Procfile.local"))
    assert list(roles.values()) == [("worker", set(settings.CELERY_QUEUE_NAMES), True)]


def test_a_worker_without_queue_option_consumes_every_queue_on_the_filesystem_broker(tmp_path):
    from celery.contrib.testing.worker import start_worker

    # given a Celery app configured like the embedded default, on a private broker folder
    app = Celery("embedded-probe", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    folder = str(tmp_path / "queue")
    (tmp_path / "queue").mkdir()
    (tmp_path / "control").mkdir()
    app.conf.broker_url = "filesystem://"
    app.conf.broker_transport_options = {"data_folder_in": folder, "data_folder_out": folder,
                                         "control_folder": str(tmp_path / "control"), "store_processed": False}
    ran, lock = [], threading.Lock()

    @app.task(name="tests.deployment.probe", shared=False)
    def probe(queue):
        with lock:
            ran.append(queue)

    # when one message is published on each queue and a worker starts without -Q
    for queue in settings.CELERY_QUEUE_NAMES:
        probe.apply_async((queue,), queue=queue)
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING"):
        deadline = time.monotonic() + 30
        while len(ran) < len(settings.CELERY_QUEUE_NAMES) and time.monotonic() < deadline:
            time.sleep(0.1)

    # then it ran every one of them
    assert sorted(ran) == sorted(settings.CELERY_QUEUE_NAMES)


# -- scheduler choice ------------------------------------------------------------------------

def _settings_in_subprocess(**env):
    """The scheduler settings as a fresh process computes them from `env` (settings are read once)."""
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); print(json.dumps({"
        "'scheduler': getattr(s, 'CELERY_BEAT_SCHEDULER', None), "
        "'lock_timeout': getattr(s, 'CELERY_REDBEAT_LOCK_TIMEOUT', None), "
        "'loop': getattr(s, 'CELERY_BEAT_MAX_LOOP_INTERVAL', None), "
        "'sweep_seconds': s.CELERY_BEAT_SCHEDULE['deadline-sweep']['schedule'].total_seconds()}))"
    )
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.test", **env}
    return subprocess.run([sys.executable, "-c", code], env=full_env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_redis_broker_uses_the_locking_scheduler_and_the_filesystem_broker_the_file_one():
    redis = _settings_in_subprocess(CELERY_BROKER_URL="redis://127.0.0.1:6379/9", REDBEAT_LOCK_TIMEOUT="30",
                                    DEADLINE_SWEEP_SECONDS="7")
    assert redis.returncode == 0, redis.stderr
    assert json.loads(redis.stdout) == {"scheduler": "redbeat.RedBeatScheduler", "lock_timeout": 30, "loop": 10,
                                        "sweep_seconds": 7}
    local = _settings_in_subprocess(CELERY_BROKER_URL="filesystem://", DEADLINE_SWEEP_MINUTES="5")
    assert json.loads(local.stdout) == {"scheduler": None, "lock_timeout": None, "loop": None,  # file scheduler
                                        "sweep_seconds": 300}


@pytest.mark.parametrize("env", [{"CELERY_BROKER_URL": "redis://127.0.0.1:6379/9", "REDBEAT_LOCK_TIMEOUT": "2"},
                                 {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/9", "REDBEAT_LOCK_TIMEOUT": "x"},
                                 {"DEADLINE_SWEEP_SECONDS": "0"}])
def test_a_bad_scheduler_setting_stops_start_up_naming_the_variable(env):
    result = _settings_in_subprocess(**env)
    assert result.returncode != 0
    name = "REDBEAT_LOCK_TIMEOUT" if "REDBEAT_LOCK_TIMEOUT" in env else "DEADLINE_SWEEP_SECONDS"
    assert f"Environment variable {name}" in result.stderr
