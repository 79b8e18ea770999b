"""API fuzzing: schemathesis generates requests from /api/schema/ and sends them, as the intake
clerk and as an investigator with a team case (tokens), to the app in-process (WSGI).

Every check schemathesis has runs on every response (no 5xx; status code, content type, headers
and body as the schema says; data the schema forbids refused, data it allows accepted; a missing
required header refused; an undeclared method refused with its Allow header; authentication
enforced: without the token, and with a wrong one, 401; a created case found again), in two
phases. (Its object-level authorisation check needs identities configured in schemathesis' own
auth settings and stays idle here; who sees which case is tests/security/test_url_matrix.py's.)

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
from schemathesis.specs.openapi.checks import positive_data_acceptance

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


# Refusals by rules a JSON schema cannot state, each documented on its operation: the intake's
# rules across fields (a phone unless the channel is email, a regulator referral's reference, a
# valid resident ID), an upload's content checked against its bytes, and the follow-up rules on
# the case's state and dates (a rating only for a completed visit, not before the decision). A
# schema-valid request refused for one of them answers 400 in the error format with its code; any
# other 400 still fails the check. (The intake's rules answer `invalid`, the code of a type error
# too: on that operation a valid body refused for its types would pass unseen; the intake's types
# are pinned by tests/cases/api/test_intake_parity.py.)
RULE_REFUSALS = {
    ("POST", "/api/v1/complaints/"): {"invalid", "invalid_phone", "invalid_id_number"},
    # An action's dates against the case and today (SPEC §3), and a group complaint's
    # representative's phone checked as the customer's (SPEC §12).
    ("POST", "/api/v1/complaints/{reference}/transitions/"): {"date_out_of_range", "invalid_phone"},
    ("POST", "/api/v1/complaints/{reference}/attachments/"): {"attachment_refused"},
    ("POST", "/api/v1/complaints/{reference}/followups/"): {"followup_invalid"},
    ("POST", "/api/v1/complaints/{reference}/followups/attempts/"): {"followup_invalid"},
}


def positive_data_accepted_unless_a_rule_refuses(ctx, response, case):
    """schemathesis' positive_data_acceptance, a refusal by one of the operation's RULE_REFUSALS aside."""
    codes = RULE_REFUSALS.get((case.method.upper(), case.operation.path), set())
    if response.status_code == 400 and codes:
        try:
            if response.json().get("code") in codes:
                return None
        except ValueError:
            pass
    return positive_data_acceptance(ctx, response, case)


CHECKS = {"excluded_checks": [positive_data_acceptance],
          "additional_checks": [positive_data_accepted_unless_a_rule_refuses]}


def _config(token):
    """The fuzz's configuration as ``token``'s holder: the token on every request (the credentials
    schemathesis would generate for the declared schemes are not sent)."""
    return schemathesis.Config.from_dict({
        "headers": {"Authorization": f"Token {token}"},
        "generation": {"with-security-parameters": False},
    })


@pytest.fixture
def api_schema(db):
    """``load(token)``: the schema as served, for fuzzing as the token's holder."""
    # As django.test.Client does: the start and end of each in-process request must not close the test's
    # database connection (on PostgreSQL that would end the test's transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    app = get_wsgi_application()
    try:
        yield lambda token: schemathesis.openapi.from_wsgi("/api/schema/", app, config=_config(token))
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
    ones name an existing case (and attachment)."""
    generated = operation.as_strategy()
    negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    if "{reference}" not in operation.path:
        return st.one_of(generated, negative)

    def existing(names):
        reference, attachment = names
        fixed = {"reference": reference}
        if "{attachment_id}" in operation.path:
            fixed["attachment_id"] = str(attachment)
        return operation.as_strategy(path_parameters=fixed)

    names = st.tuples(st.sampled_from(context["references"]), st.sampled_from(context["attachments"]))
    return st.one_of(generated, names.flatmap(existing), negative)


def _summary(exc):
    """One line per distinct problem (schemathesis groups them in an ExceptionGroup)."""
    parts = getattr(exc, "exceptions", None) or [exc]
    lines = []
    for part in parts:
        text = str(part).strip().splitlines()
        where = next((t.strip() for t in text if t.strip().startswith("Schema at")), "")
        detail = next((t.strip() for t in text[1:] if t.strip()), "")
        lines.append(f"{type(part).__name__}: {text[0] if text else ''} {detail} {where}")
    # The response and the request that shows it (schemathesis' report of the first failure).
    report = [t.strip() for t in str(exc).splitlines() if t.strip().startswith(("[", "`", "curl"))]
    return "\n    ".join([*sorted(set(lines)), *(line[:1500] for line in report[:3])])


def fuzz(operation, context):
    """Run one operation's generated examples under every check; raises the first failure found."""

    @given(case=_strategy(operation, context))
    @settings(max_examples=MAX_EXAMPLES, phases=[Phase.explicit, Phase.generate], **BOUNDED)
    def run(case):
        case.call_and_validate(**CHECKS)  # every check schemathesis has

    run()


# schemathesis' own pytest loader (`from_fixture`) does not support pytest 9 yet, so the
# operations are walked here, each under its own hypothesis run, and all failures reported.
@pytest.mark.parametrize("role", ["clerk", "investigator"])
def test_api_conforms_to_its_schema_and_never_fails_with_5xx(api_schema, fuzz_context, role):
    failures, operations = [], 0
    for result in api_schema(fuzz_context["tokens"][role]).get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            fuzz(operation, fuzz_context)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every operation's failure
            failures.append(f"{operation.label}: {_summary(exc)}")
    assert operations >= 10
    assert failures == [], "\n\n".join(failures)


@pytest.mark.parametrize("role", ["clerk", "investigator"])
def test_api_sequences_along_the_schema_links_conform_and_never_fail_with_5xx(api_schema, fuzz_context, role):
    schema = api_schema(fuzz_context["tokens"][role])
    # The links the sequences follow: the registered case into its paths, and the list into its cases.
    links = schema.raw_schema["paths"]["/api/v1/complaints/"]
    assert links["post"]["responses"]["201"]["links"] and links["get"]["responses"]["200"]["links"]

    class Sequences(schema.as_state_machine()):
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, **CHECKS, transport_kwargs=kwargs or None,
                                  recorder=getattr(self, "recorder", None))

    try:
        Sequences.run(settings=settings(max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS,
                                        phases=[Phase.generate], **BOUNDED))
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - report every distinct problem
        pytest.fail(_summary(exc))
