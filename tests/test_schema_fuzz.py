"""API fuzzing: schemathesis generates requests from /api/schema/ and sends them, as the intake
clerk and as an investigator with a team case (tokens), to the app in-process (WSGI).

Every check schemathesis has runs on every response (no 5xx; status code, content type, headers
and body as the schema says; data the schema forbids refused, data it allows accepted; a missing
required header refused; an undeclared method refused with its Allow header; authentication
enforced; a created case found again), in two phases:

- per operation: valid and invalid requests; on a case's paths half of the valid ones name an
  existing case (and attachment), so the answers of real cases are checked, not only 404s;
- stateful: sequences that follow the schema's links (a registered or listed case's reference
  into every path of a case, an attachment's id into its download), so a case registered by
  the fuzz is read, changed and uploaded to, and the listed seed cases are reached.

Bounded so it fits the default suite: few examples per operation, short sequences, a fixed seed
and no shrinking phase.
"""
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from cases.services.attachments import attachment_store_checked
from tests.factories import cases as f

MAX_EXAMPLES = 10
STATEFUL_SCENARIOS = 12
STATEFUL_STEPS = 6
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Every test here runs the same way: fixed seed, no timing, no shrinking (a failure is reported
# as found; the summary names the operation and the check).
BOUNDED = {
    "deadline": None,  # no timed assertions: the shared machine's speed varies
    "suppress_health_check": list(HealthCheck),
    "derandomize": True,
    "database": None,
}


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
    investigator sees them; the investigating one has the investigator on its team) with an
    attachment, for the generated requests to name."""
    f.calendar_seed()
    clerk = f.clerk()
    investigator = f.investigator("SALES")
    cases = [f.ComplaintFactory(state=state) for state in ("received", "investigating", "responded")]
    assert cases[1].team.filter(user=investigator).exists()
    attachment = attachment_store_checked(cases[1], data=PDF, mime="application/pdf", name="proof.pdf", actor=clerk)
    return {
        "tokens": {"clerk": Token.objects.create(user=clerk).key,
                   "investigator": Token.objects.create(user=investigator).key},
        "references": [c.reference for c in cases],
        "attachments": [attachment.pk],
    }


def _strategy(operation, context):
    """The operation's generated requests, valid and invalid; on a case's path, half of the valid
    ones name an existing case."""
    generated = operation.as_strategy()
    negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    if "{reference}" not in operation.path:
        return st.one_of(generated, negative)

    def existing(drawn):
        case, reference, attachment = drawn
        case.path_parameters = {**(case.path_parameters or {}), "reference": reference}
        if "{attachment_id}" in operation.path:
            case.path_parameters["attachment_id"] = attachment
        return case

    named = st.tuples(generated, st.sampled_from(context["references"]), st.sampled_from(context["attachments"]))
    return st.one_of(generated, named.map(existing), negative)


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


def _auth(token):
    return {"Authorization": f"Token {token}"}


def fuzz(operation, token, context):
    """Run one operation's generated examples under every check; raises the first failure found."""

    @given(case=_strategy(operation, context))
    @settings(max_examples=MAX_EXAMPLES, phases=[Phase.explicit, Phase.generate], **BOUNDED)
    def run(case):
        case.call_and_validate(headers=_auth(token))  # no `checks`: all of them

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


@pytest.mark.parametrize("role", ["clerk", "investigator"])
def test_api_sequences_along_the_schema_links_conform_and_never_fail_with_5xx(api_schema, fuzz_context, role):
    token = fuzz_context["tokens"][role]
    base = api_schema.as_state_machine()
    # The links the sequences follow: the registered case into its paths, and the list into its cases.
    links = api_schema.raw_schema["paths"]["/api/v1/complaints/"]
    assert links["post"]["responses"]["201"]["links"] and links["get"]["responses"]["200"]["links"]

    class Sequences(base):
        def get_call_kwargs(self, case):
            return {"headers": _auth(token)}

    try:
        Sequences.run(settings=settings(max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS,
                                        phases=[Phase.generate], **BOUNDED))
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - report every distinct problem
        pytest.fail(_summary(exc))
