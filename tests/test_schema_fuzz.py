"""API fuzzing (issue 10): schemathesis generates requests from /api/schema/ and sends them,
authenticated as the intake clerk (token), to the app in-process (WSGI).

What must hold for every generated request: no 5xx, and the response (status code, content
type, body) conforms to the schema. Bounded so it fits the default suite: few examples per
operation, a per-example deadline, and no shrinking phase.
"""
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import cases as f

MAX_EXAMPLES = 15
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(db):
    # As django.test.Client does: the start and end of each in-process request must not close the test's
    # database connection (on PostgreSQL that would end the test's transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def clerk_token(db):
    f.calendar_seed()
    clerk = f.clerk()
    # A few real cases, so some generated references are not all 404s.
    for state in ("received", "investigating", "responded"):
        f.ComplaintFactory(state=state)
    return Token.objects.create(user=clerk).key


def _summary(exc):
    """One line per distinct problem (schemathesis groups them in an ExceptionGroup)."""
    parts = getattr(exc, "exceptions", None) or [exc]
    lines = []
    for part in parts:
        text = str(part).strip().splitlines()
        where = next((t.strip() for t in text if t.strip().startswith("Schema at")), "")
        detail = next((t.strip() for t in text[1:] if t.strip()), "")
        lines.append(f"{type(part).__name__}: {text[0] if text else ''} {detail} {where}")
    return "\n    ".join(sorted(set(lines)))


def fuzz(operation, token):
    """Run one operation's generated examples; raises the first failure hypothesis finds."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=2000,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

    run()


# schemathesis' own pytest loader (`from_fixture`) does not support pytest 9 yet, so the
# operations are walked here, each under its own hypothesis run, and all failures reported.
def test_api_conforms_to_its_schema_and_never_fails_with_5xx(api_schema, clerk_token):
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            fuzz(operation, clerk_token)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every operation's failure
            failures.append(f"{operation.label}: {_summary(exc)}")
    assert operations >= 10
    assert failures == [], "\n\n".join(failures)
