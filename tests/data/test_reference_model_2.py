"""The 2.0 reference model: the shipped artifact, and retraining it from its seed."""

import numpy as np
import pytest

from profilefit.core.artifact import file_sha256, load_artifact
from profilefit.core.instrument import load_instrument
from profilefit.core.scoring import Responses
from profilefit.core.screening import Screener
from profilefit.data.training import (
    REFERENCE_2_FILE,
    REFERENCE_2_INSTRUMENT,
    reference_2_model_path,
    train_reference,
    train_reference_forced_choice,
)
from profilefit.data.training.__main__ import main
from tests.data.test_training import _assert_same_numbers


def test_the_shipped_2_0_model_loads_and_names_instrument_2_0():
    artifact = load_artifact(reference_2_model_path())
    manifest = artifact.manifest
    assert (manifest.instrument_id, manifest.instrument_version) == ("customer-contact", "2.0")
    assert manifest.trained_on == "simulation"
    assert manifest.file == REFERENCE_2_FILE
    # The model carries the instrument it was trained on: the shipped 2.0 file, block for block.
    assert artifact.instrument == load_instrument(REFERENCE_2_INSTRUMENT)
    assert manifest.feature_names == list(artifact.instrument.feature_names)
    assert "honest" in artifact.norms.name
    # Trained on scale scores from the shipped parameters file as it is now: regenerate after it changes.
    from profilefit.data.simulate import parameters_file, shipped_instrument_file

    assert manifest.training["parameters_sha256"] == file_sha256(parameters_file(shipped_instrument_file()))
    assert 0 <= manifest.metrics["ece"] <= 0.03


def test_the_2_0_model_scores_a_2_0_assessment():
    screener = Screener.load(reference_2_model_path())
    instrument = screener.instrument
    answers = {block_id: "ab" if k % 2 else "cb" for k, block_id in enumerate(instrument.block_ids)}
    result = screener.score({"candidate_id": "c-2", **answers})
    assert result.model.trained_on == "simulation"
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-9)
    assert "honest" in result.norm_group
    # Percentiles against the honest applicants' Thurstonian scores, with the score's standard error.
    assert all(0 <= s.percentile <= 100 and s.standard_error > 0 for s in result.scales)


@pytest.mark.slow
def test_retraining_2_0_reproduces_the_shipped_model(tmp_path):
    """Retraining from the seed gives the shipped 2.0 model within floating-point noise.

    Tolerances as 1.2's reproducibility test: 1e-8 on the fitted arrays, 1e-6 on the metrics (stored
    to four decimals), 1e-9 on the norm group's means and sds.
    """
    report = train_reference(tmp_path, instrument=load_instrument(REFERENCE_2_INSTRUMENT))
    retrained, shipped = load_artifact(report.model_path), load_artifact(reference_2_model_path())
    assert retrained.linear.classes.tolist() == shipped.linear.classes.tolist()
    for name in ("mean", "scale", "coef", "intercept"):
        np.testing.assert_allclose(getattr(retrained.linear, name), getattr(shipped.linear, name), rtol=0, atol=1e-8)
    assert retrained.instrument == shipped.instrument
    _assert_same_numbers(retrained.norms.model_dump(), shipped.norms.model_dump(), atol=1e-9)
    _assert_same_numbers(report.metrics, shipped.manifest.metrics, atol=1e-6)
    assert report.manifest.sha256 == file_sha256(report.model_path)


def test_2_0_training_is_reproducible_at_small_size(tmp_path):
    instrument = load_instrument(REFERENCE_2_INSTRUMENT)
    runs = [
        train_reference_forced_choice(tmp_path / name, instrument, seed=5, n_train=3000, n_test=1000)
        for name in ("a", "b")
    ]
    a, b = runs
    assert a.metrics == b.metrics
    assert a.manifest.sha256 == b.manifest.sha256
    assert "ceiling" in a.metrics and "consistency" not in a.metrics
    assert a.manifest.instrument_version == "2.0"
    assert (tmp_path / "a" / "norms.json").is_file()
    card = a.card_path.read_text(encoding="utf-8")
    assert "## Instrument 2.0 (forced choice)" in card and "documented" in card
    assert "Against the yardsticks" not in card  # 1.2's section, whose figures are about 1.2


def test_the_2_0_evidence_was_measured_on_the_shipped_2_0_model():
    """The 2.0 figures in the card and docs/model.md are those benchmarks/model_evidence.py printed for this model."""
    from pathlib import Path

    from profilefit.core.artifact import read_manifest
    from profilefit.data.training._card import EVIDENCE_2_END, EVIDENCE_2_START

    shipped = read_manifest(reference_2_model_path())
    for page in ("docs/model-card.md", "docs/model.md"):
        text = (Path(__file__).parents[2] / page).read_text(encoding="utf-8")
        evidence = text.split(EVIDENCE_2_START, 1)[1].split(EVIDENCE_2_END, 1)[0]
        assert f"sha256 {shipped.sha256[:12]}" in evidence, f"{page}: rerun benchmarks/model_evidence.py --part 2.0"
        assert "answer-level Bayes classifier 2.0" in evidence and "pairwise" in evidence


def test_2_0_training_refuses_an_agreement_instrument(tmp_path):
    with pytest.raises(ValueError, match="not forced choice"):
        train_reference_forced_choice(tmp_path, load_instrument())


def test_the_training_command_names_an_unknown_instrument(capsys):
    assert main(["reference", "--instrument", "no-such-instrument"]) == 2
    assert "no-such-instrument" in capsys.readouterr().err


def test_the_2_0_model_files_travel_in_the_wheel():
    """Every file of models/reference-2 matches a package-data pattern of profilefit.models."""
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = [p.relative_to(root / "models").as_posix() for p in (root / "models" / "reference-2").iterdir()]
    assert {"profilefit-reference-2.model.json", "profilefit-reference-2.manifest.json", "norms.json"} <= {
        Path(name).name for name in shipped
    }
    for name in shipped:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns["profilefit.models"]), name
    assert reference_2_model_path().is_file()


def test_the_2_0_screener_reads_the_role_order_only_when_it_has_a_role():
    instrument = load_instrument(REFERENCE_2_INSTRUMENT)
    answers = {"candidate_id": "c-3", **{block_id: "ab" for block_id in instrument.block_ids}}
    with_role = Screener.load(reference_2_model_path(), role="transactional")
    flags = with_role.score_responses(Responses.from_records(instrument, [answers])).validity
    assert flags.role_rated is not None and flags.role_rated[0] > 0
    without = Screener.load(reference_2_model_path(), role=None)
    assert without.score_responses(Responses.from_records(instrument, [answers])).validity.role_rated is None
