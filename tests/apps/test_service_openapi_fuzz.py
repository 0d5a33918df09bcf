"""Schemathesis against the service's own OpenAPI: no 5xx and no response outside the documented schema.

The first test drives schemathesis through Hypothesis directly (its pytest plugin does not run on this
pytest); every operation of /openapi.json gets generated requests, valid and invalid. The second runs
schemathesis' own engine, as ``schemathesis run --checks all`` does: every phase (examples, coverage,
fuzzing, and stateful sequences that follow the document's links) with every check, in a time budget.
"""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from aiosmtpd.controller import Controller
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.specs.openapi.checks import positive_data_acceptance

from profilefit.apps.service import SmtpSettings
from tests import service_support as support
from tests.service_support import GH, Inbox, free_port

pytestmark = pytest.mark.slow  # each runs a program, a browser or a server


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    # A real SMTP server on loopback, so that invitations e-mail as they would in use.
    mail = Controller(Inbox(), hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=True)
    mail.start()
    smtp = SmtpSettings(host="127.0.0.1", port=mail.port, starttls=False)
    # No rate limit and no failed-login limit: the checks send requests without a key on purpose.
    with support.client(
        tmp_path_factory.mktemp("fuzz"), rate_per_second=0, login_failures_per_minute=0, smtp=smtp
    ) as http:
        yield http.app
    mail.stop()


def test_property_api_keeps_its_own_openapi_contract(api_app):
    """Rule: whatever a client sends, the service answers with no 5xx and within its documented responses."""
    api_schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 14

    @given(case=api_schema.as_strategy())
    @hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    def call(case):
        headers = GH if case.path.startswith("/greenhouse") else support.AUTH
        # Every check, "schema-valid data is accepted" included, but for a cursor: signed, so no schema can tell
        # the one given from a forged one of the same shape, which is refused (422).
        forged_cursor = [positive_data_acceptance] if (case.query or {}).get("cursor") is not None else []
        case.call_and_validate(headers=headers, excluded_checks=forged_cursor)

    call()


#: What schemathesis takes as schema-valid data accepted, by default.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

#: Seconds the engine may run (every phase shares it); CI's budget for this file is about a minute.
ENGINE_SECONDS = float(os.environ.get("PROFILEFIT_FUZZ_SECONDS", "45"))


def test_property_api_passes_every_schemathesis_check_in_every_phase(api_app):
    """Rule: ``schemathesis run --checks all``, stateful phase included, finds nothing within its time budget.

    The checks include status codes, content types, headers and bodies as documented, schema-valid data
    accepted and schema-invalid data refused, requests without a key refused, unsupported methods
    answered 405, and, in the stateful phase, a created invitation readable and an erased one gone.
    """
    config = SchemathesisConfig.from_dict(
        {
            "seed": int(os.environ.get("PROFILEFIT_FUZZ_SEED", "20261207")),
            "max-time": ENGINE_SECONDS,
            "generation": {"max-examples": 5},
            # In the stateful phase a request schemathesis made invalid (a required part removed) can be made
            # valid again before it is sent: the link fills the removed field from the step before, the
            # operation's headers put the removed key back. It then reports a valid request accepted as
            # "schema-violating" (schemathesis issue #2983, open in 4.32.5; seen here with send_test's
            # partner_test_id and Authorization both restored). Negative data stays checked in the coverage
            # and fuzzing phases, whose requests nothing rewrites.
            "phases": {"stateful": {"checks": {"negative_data_rejection": {"enabled": False}}}},
            "operations": [
                {
                    # A cursor is signed: one of the published shape that no page gave is refused (422).
                    "include-path": "/v1/invitations",
                    "include-method": "GET",
                    "headers": dict(support.AUTH),
                    "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
                },
                {"include-path-regex": "^/v1/", "headers": dict(support.AUTH)},
                {"include-path-regex": "^/greenhouse/", "headers": dict(GH)},
            ],
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app, config=config)
    started = time.perf_counter()
    cases: dict[str, int] = {}
    failures: dict[tuple[str | None, str], str] = {}
    errors = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases[event.phase.value] = cases.get(event.phase.value, 0) + len(event.recorder.cases)
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.status == Status.FAILURE and node.failure_info is not None:
                        failure = node.failure_info.failure
                        found = f"{failure.title}: {failure.message}\n{node.failure_info.code_sample}"
                        failures.setdefault((event.label, node.name), found)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(repr(event))
    elapsed = time.perf_counter() - started
    print(f"schemathesis engine: {elapsed:.1f} s, cases by phase {cases}")
    assert not errors
    assert not failures, "\n\n".join(f"{label} {check}: {found}" for (label, check), found in failures.items())
    for phase in ("coverage", "fuzzing", "stateful"):
        assert cases.get(phase, 0) > 0, (phase, cases)
