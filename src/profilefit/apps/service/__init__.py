"""The assessment service: an HTTP API, a candidate test page, storage, and ATS contracts.

Needs the ``service`` extra (``pip install -e ".[service]"`` in the checkout). Build the app with
:func:`create_app` and serve it with any ASGI server, or run ``profilefit serve``.
See docs/service.md.
"""

from profilefit.apps.service._app import app_from_env, create_app
from profilefit.apps.service._core import AssessmentService
from profilefit.apps.service._export import export_results
from profilefit.apps.service._settings import MAX_BATCH, MAX_BODY_BYTES, Settings, SmtpSettings, key_digest
from profilefit.apps.service._storage import downgrade, erase_candidate, purge_database, purge_expired, upgrade

__all__ = [
    "MAX_BATCH",
    "MAX_BODY_BYTES",
    "AssessmentService",
    "Settings",
    "SmtpSettings",
    "app_from_env",
    "create_app",
    "downgrade",
    "erase_candidate",
    "export_results",
    "key_digest",
    "purge_database",
    "purge_expired",
    "upgrade",
]
