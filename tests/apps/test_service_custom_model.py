"""The service on a model trained on an organisation's own instrument: no built-in role fits, so no fit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from profilefit.apps.service import create_app
from profilefit.core.artifact import load_artifact
from profilefit.data.training import train_on_labels
from tests import service_support as support


@pytest.fixture(scope="module")
def custom_model(tmp_path_factory, custom_instrument):
    rng = np.random.default_rng(1)
    rows = []
    for k in range(160):
        label = "calm_type" if k % 2 else "driven_type"
        calm, drive = (4.2, 2.4) if label == "calm_type" else (2.4, 4.2)
        row = {"candidate_id": f"acme-{k}", "profile": label, "completion_seconds": 90.0, "check1": 4}
        for item in custom_instrument.items:
            answer = int(np.clip(round(rng.normal(calm if item.scale == "calm" else drive, 0.8)), 1, 5))
            row[item.id] = 6 - answer if item.reverse else answer
        rows.append(row)
    folder = tmp_path_factory.mktemp("acme")
    (folder / "labelled.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    report = train_on_labels(folder / "labelled.jsonl", folder / "model", instrument=custom_instrument, folds=2)
    return load_artifact(report.model_path)


def test_the_built_in_role_is_refused_with_a_clear_message(tmp_path, custom_model):
    with pytest.raises(
        ValueError, match="role 'complex-case' does not fit this model's instrument 'acme-service-pulse'"
    ):
        create_app(support.settings(tmp_path), artifact=custom_model)


def test_without_a_role_the_service_scores_invites_and_serves_the_page(tmp_path, custom_model, custom_instrument):
    from fastapi.testclient import TestClient

    with TestClient(create_app(support.settings(tmp_path, role=None), artifact=custom_model)) as http:
        assert http.get("/v1/roles", headers=support.AUTH).json() == {"default": None, "roles": []}
        scored = http.post("/v1/score", json={"candidate_id": "n1", "calm1": 5}, headers=support.AUTH).json()
        assert scored["fit"] is None and scored["model"]["instrument_id"] == "acme-service-pulse"
        created = http.post("/v1/invitations", json={"candidate_id": "n2", "language": "nb"}, headers=support.AUTH)
        answers = {item.id: 3 for item in custom_instrument.items}
        answers.update({check.id: check.expected or 2 for check in custom_instrument.attention_checks})
        assert "Takk" in support.fill_in(http, created.json()["test_url"], answers)
        status = http.get(f"/v1/invitations/{created.json()['invitation_id']}", headers=support.AUTH).json()
        assert status["status"] == "completed" and status["result"]["fit"] is None
        tests = http.get("/greenhouse/list_tests", headers={"Authorization": "Basic " + _basic()}).json()
        assert [test["partner_test_id"] for test in tests] == ["none.en", "none.nb"]


def _basic() -> str:
    import base64

    return base64.b64encode(f"{support.KEY}:".encode()).decode()
