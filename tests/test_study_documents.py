"""The studies' JSON documents (audit, DIF, forecast, validation): their models, committed schemas and files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from tests.strategies import flagged_audit_inputs, validation_inputs

from profilefit.apps.cli import main
from profilefit.apps.cli._instrument_commands import STUDY_DOCUMENTS
from profilefit.evidence.audit import AuditDocument, adverse_impact, audit_document
from profilefit.evidence.documents import DOCUMENTS, json_schemas
from profilefit.evidence.forecast import ForecastDocument, forecast_document, forecast_impact
from profilefit.evidence.validation import StudyDocument, study_document, validation_study

SCHEMA_DIR = Path(__file__).parent.parent / "docs" / "schema"


def _committed(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    return schema


def _check_against_schema(document: Any, name: str) -> None:
    """Validate with jsonschema when it is installed (it comes with the test extra), else with the model."""
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - the test extra installs it
        DOCUMENTS[name].model_validate(document)
        return
    jsonschema.Draft202012Validator(_committed(name)).validate(document)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_committed_json_schema_is_current(name):
    """Regenerate with: profilefit schema --which NAME > docs/schema/NAME.schema.json"""
    assert _committed(name) == json_schemas()[name], f"docs/schema/{name}.schema.json is stale; regenerate it"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_schema_command_prints_the_committed_schema(name, capsys):
    assert main(["schema", "--which", name]) == 0
    assert json.loads(capsys.readouterr().out) == _committed(name)


def test_the_command_offers_every_document_and_no_other():
    assert tuple(DOCUMENTS) == STUDY_DOCUMENTS


def test_every_document_has_one_schema_version_style():
    for name, model in DOCUMENTS.items():
        version = model.model_json_schema()["properties"]["schema_version"]["const"]
        assert version.startswith(f"profilefit.{name}/"), version
        assert version.rsplit("/", 1)[1].isdigit()


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, str]:
    """Each document as its writer writes it, on the bundled sample, by name."""
    from profilefit.data.batch import score_file
    from profilefit.data.datasets import sample_export_path
    from profilefit.evidence.audit import audit_files, sample_demographics_path, write_audit_json
    from profilefit.evidence.dif import dif_files, write_dif_json
    from profilefit.evidence.forecast import forecast_impact, write_forecast_json
    from profilefit.evidence.validation import sample_outcomes_path, validate_files, write_study_json

    directory = tmp_path_factory.mktemp("documents")
    results = directory / "results.csv"
    score_file(sample_export_path(), results)
    demographics = sample_demographics_path()
    paths = {
        "audit": write_audit_json(audit_files(results, demographics), directory / "audit.json", language="nb"),
        "dif": write_dif_json(dif_files(sample_export_path(), demographics, by="sex"), directory / "dif.json"),
        "forecast": write_forecast_json(
            forecast_impact(role="complex-case", n_per_group=200, draws=3), directory / "forecast.json"
        ),
        "validation": write_study_json(
            validate_files(
                results,
                sample_outcomes_path(),
                "resolution_rating",
                demographics=demographics,
                criterion_reliability=0.52,
            ),
            directory / "validation.json",
        ),
    }
    return {name: path.read_text(encoding="utf-8") for name, path in paths.items()}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_written_document_matches_its_committed_schema(written, name):
    document = json.loads(written[name])
    _check_against_schema(document, name)
    assert document["schema_version"] == _committed(name)["properties"]["schema_version"]["const"]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_written_document_reads_back_into_its_model_and_writes_the_same_text(written, name):
    model = DOCUMENTS[name].model_validate_json(written[name])
    again = json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    assert again == written[name]
    assert DOCUMENTS[name].model_validate(model.model_dump()) == model


def test_the_dif_document_leaves_out_the_tests_an_answer_did_not_have(written):
    answers = [a for c in json.loads(written["dif"])["comparisons"] for a in c["answers"]]
    likert = next(a for a in answers if a["kind"] == "likert")
    option = next(a for a in answers if a["kind"] == "option")
    assert "mantel" in likert and "logistic" in likert and "mantel_haenszel" not in likert
    assert "mantel_haenszel" in option and "mantel" not in option and "logistic" not in option


def test_a_document_refuses_a_misspelt_key_and_a_wrong_version(written):
    data = json.loads(written["audit"])
    with pytest.raises(ValidationError, match="applicant"):
        AuditDocument.model_validate({**data, "applicant": data["applicants"]})
    with pytest.raises(ValidationError, match="schema_version"):
        AuditDocument.model_validate({**data, "schema_version": "profilefit.audit/1"})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flagged_audit_inputs())
def test_any_audit_writes_a_document_that_matches_the_schema_and_round_trips(inputs):
    """Audit -> JSON -> model -> JSON is the same text, and the JSON matches the committed schema."""
    document = audit_document(adverse_impact(*inputs))
    text = json.dumps(document.model_dump(mode="json"), indent=2, ensure_ascii=False, allow_nan=False)
    _check_against_schema(json.loads(text), "audit")
    again = AuditDocument.model_validate_json(text)
    assert again == document
    assert json.dumps(again.model_dump(mode="json"), indent=2, ensure_ascii=False, allow_nan=False) == text


# A constant outcome or fit has no correlation: numpy warns on its way to the nan the study reports as null.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(validation_inputs())
def test_any_validation_study_writes_a_document_that_matches_the_schema_and_round_trips(inputs):
    """Small, tied and degenerate studies too: the document validates, matches the schema and reads back."""
    document = study_document(validation_study(**inputs))
    text = json.dumps(document.model_dump(mode="json"), indent=2, ensure_ascii=False, allow_nan=False)
    _check_against_schema(json.loads(text), "validation")
    again = StudyDocument.model_validate_json(text)
    assert again == document
    assert json.dumps(again.model_dump(mode="json"), indent=2, ensure_ascii=False, allow_nan=False) == text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["complex-case", "transactional"]),
    st.sampled_from(["strong", "possible"]),
    st.integers(10, 80),
    st.integers(2, 4),
    st.integers(0, 2**32 - 1),
)
def test_any_forecast_writes_a_document_that_matches_the_schema_and_round_trips(role, band, n, draws, seed):
    document = forecast_document(forecast_impact(role=role, select_band=band, n_per_group=n, draws=draws, seed=seed))
    text = json.dumps(document.model_dump(mode="json"), indent=2, ensure_ascii=False, allow_nan=False)
    _check_against_schema(json.loads(text), "forecast")
    again = ForecastDocument.model_validate_json(text)
    assert again == document
    assert json.dumps(again.model_dump(mode="json"), indent=2, ensure_ascii=False, allow_nan=False) == text
