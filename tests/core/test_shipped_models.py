"""The shipped reference models by name: ``reference`` reads 1.2 and ``reference-2.0`` the forced-choice 2.0."""

from __future__ import annotations

import pytest

from profilefit.core.artifact import SHIPPED_MODELS, load_artifact, reference_model_path
from profilefit.core.screening import Screener


@pytest.mark.parametrize(
    ("name", "version", "form"), [("reference", "1.2", "agreement"), ("reference-2.0", "2.0", "forced_choice")]
)
def test_a_shipped_model_loads_by_name_and_reads_its_instrument(name: str, version: str, form: str) -> None:
    artifact = load_artifact(name)
    assert artifact.manifest.instrument_version == version
    assert artifact.instrument.format == form
    assert reference_model_path(name).exists()


def test_reference_and_reference_1_2_are_the_same_file() -> None:
    assert reference_model_path("reference") == reference_model_path("reference-1.2") == reference_model_path()
    assert set(SHIPPED_MODELS) == {"reference", "reference-1.2", "reference-2.0"}


def test_an_unknown_name_is_refused_with_the_names_allowed() -> None:
    with pytest.raises(ValueError, match=r"reference-2\.0"):
        reference_model_path("reference-3")


def test_the_2_0_screener_scores_a_two_letter_answer_row() -> None:
    screener = Screener.load("reference-2.0")
    row = {"candidate_id": "c1", **dict.fromkeys(screener.instrument.block_ids, "ab")}
    result = screener.score(row)
    assert [scale.scale for scale in result.scales] == list(screener.instrument.scale_ids)
    # Thurstonian scores carry their standard errors (1.2's scale means have none).
    assert all(scale.standard_error is not None and 0 < scale.standard_error < 1 for scale in result.scales)
    assert "straight_lining" in {flag.flag for flag in result.flags}  # "ab" in every block is answering by place
