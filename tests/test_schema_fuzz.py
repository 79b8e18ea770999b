"""API fuzzing: schemathesis generates requests from /api/schema/ and sends them, as the intake
clerk and as an investigator (tokens), to the app in-process (WSGI).

What must hold for every generated request: no 5xx, and the response (status code, content
type, body) conforms to the schema. Half of the requests on a case's paths name an existing
case (and attachment), so the answers of real cases are checked too, not only 404s. Bounded so
it fits the default suite: few examples per operation, a per-example deadline, and no
shrinking phase.
"""
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cases.services.attachments import attachment_store_checked
from tests.factories import cases as f

MAX_EXAMPLES = 12
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
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
def fuzz_context(db):
    """Tokens of a clerk and of a SALES investigator, and existing cases (of SALES, so the
    investigator sees them) with an attachment, for the generated requests to name."""
    f.calendar_seed()
    clerk = f.clerk()
    investigator = f.investigator("SALES")
    cases = [f.ComplaintFactory(state=state) for state in ("received", "investigating", "responded")]
    attachment = attachment_store_checked(cases[1], data=PDF, mime="application/pdf", name="proof.pdf", actor=clerk)
    return {
        "tokens": {"clerk": Token.objects.create(user=clerk).key,
                   "investigator": Token.objects.create(user=investigator).key},
        "references": [c.reference for c in cases],
        "attachments": [attachment.pk],
    }


def _strategy(operation, context):
    """The operation's generated requests; on a case's path, half of them name an existing case."""
    generated = operation.as_strategy()
    if "{reference}" not in operation.path:
        return generated

    def existing(drawn):
        case, reference, attachment = drawn
        case.path_parameters = {**(case.path_parameters or {}), "reference": reference}
        if "{attachment_id}" in operation.path:
            case.path_parameters["attachment_id"] = attachment
        return case

    named = st.tuples(generated, st.sampled_from(context["references"]), st.sampled_from(context["attachments"]))
    return st.one_of(generated, named.map(existing))


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


def fuzz(operation, token, context):
    """Run one operation's generated examples; raises the first failure hypothesis finds."""

    @given(case=_strategy(operation, context))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,  # no timed assertions: the shared machine's speed varies
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
@pytest.mark.parametrize("role", ["clerk", "investigator"])
def test_api_conforms_to_its_schema_and_never_fails_with_5xx(api_schema, fuzz_context, role):
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            fuzz(operation, fuzz_context["tokens"][role], fuzz_context)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every operation's failure
            failures.append(f"{operation.label}: {_summary(exc)}")
    assert operations >= 10
    assert failures == [], "\n\n".join(failures)
