"""The JSON documents the studies write, by name, and their published JSON Schemas.

Each study validates its document into a pydantic model before writing it, so a file always
matches the model's schema. The committed copies are ``docs/schema/<name>.schema.json``, printed
by ``profilefit schema --which <name>``; a test fails when one is stale.

Examples
--------
>>> from profilefit.evidence.documents import DOCUMENTS, json_schemas
>>> sorted(DOCUMENTS)
['audit', 'dif', 'forecast', 'validation']
>>> json_schemas()["dif"]["properties"]["schema_version"]["const"]
'profilefit.dif/1'
"""

from __future__ import annotations

from typing import Any

from profilefit._frozen import FrozenModel
from profilefit.evidence.audit import AuditDocument
from profilefit.evidence.dif import DifDocument
from profilefit.evidence.forecast import ForecastDocument
from profilefit.evidence.validation import StudyDocument

#: The model of each study's JSON document, by the name ``profilefit schema --which`` gives it.
DOCUMENTS: dict[str, type[FrozenModel]] = {
    "audit": AuditDocument,
    "dif": DifDocument,
    "forecast": ForecastDocument,
    "validation": StudyDocument,
}


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every study's document, by name (``audit``, ``dif``, ``forecast``, ``validation``)."""
    return {name: model.model_json_schema() for name, model in DOCUMENTS.items()}
