"""Schemathesis against the service's own OpenAPI: no 5xx and no response outside the documented schema.

Driven through Hypothesis directly (schemathesis' pytest plugin does not run on this
pytest); every operation of /openapi.json gets generated requests, valid and invalid.
"""

from __future__ import annotations

import pytest
import schemathesis
from aiosmtpd.controller import Controller
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from profilefit.apps.service import SmtpSettings
from tests import service_support as support
from tests.service_support import GH, Inbox, free_port

pytestmark = pytest.mark.slow  # each runs a program, a browser or a server


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    # A real SMTP server on loopback, so that invitations e-mail as they would in use.
    mail = Controller(Inbox(), hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=True)
    mail.start()
    smtp = SmtpSettings(host="127.0.0.1", port=mail.port, starttls=False)
    with support.client(tmp_path_factory.mktemp("fuzz"), rate_per_second=0, smtp=smtp) as http:
        yield schemathesis.openapi.from_asgi("/openapi.json", http.app)
    mail.stop()


def test_property_api_keeps_its_own_openapi_contract(api_schema):
    """Rule: whatever a client sends, the service answers with no 5xx and within its documented responses."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 14

    @given(case=api_schema.as_strategy())
    @hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    def call(case):
        headers = GH if case.path.startswith("/greenhouse") else support.AUTH
        case.call_and_validate(headers=headers)  # every check, "schema-valid data is accepted" included

    call()
