import csv
import json

import numpy as np
import pytest

from profilefit.core.artifact import file_sha256, load_artifact, read_manifest, reference_model_path
from profilefit.core.screening import Screener
from profilefit.data.datasets import sample_labelled_path
from profilefit.data.training import train_on_labels, train_reference


def _numbers(value):
    """The numbers of a metrics dict, flattened in order, with the labels and other text beside them."""
    if isinstance(value, dict):
        return [item for key in sorted(value) for item in [key, *_numbers(value[key])]]
    if isinstance(value, list):
        return [item for element in value for item in _numbers(element)]
    return [value]


def _assert_same_numbers(got, expected, *, atol):
    """Same structure, labels and whole numbers; floats within ``atol``."""
    got, expected = _numbers(got), _numbers(expected)
    assert [type(v) for v in got] == [type(v) for v in expected]
    assert [v for v in got if not isinstance(v, float)] == [v for v in expected if not isinstance(v, float)]
    floats = [v for v in got if isinstance(v, float)], [v for v in expected if isinstance(v, float)]
    np.testing.assert_allclose(*floats, rtol=0, atol=atol)


@pytest.mark.slow
def test_reference_training_reproduces_the_shipped_model(tmp_path):
    """Retraining from the seed gives the shipped model, within floating-point noise.

    Not byte for byte: the solver's sums run in another order on another CPU or BLAS, and the
    coefficients then differ by about 5e-13. Tolerances: 1e-8 on the fitted arrays (four orders
    of magnitude above that noise, far below anything that moves a probability's fourth decimal),
    1e-6 on the metrics (stored rounded to 4 decimals, so a real change moves them by 1e-4), 1e-9
    on the norm group's means and sds.
    """
    report = train_reference(tmp_path)
    retrained, shipped = load_artifact(report.model_path), load_artifact()
    assert retrained.linear.classes.tolist() == shipped.linear.classes.tolist()
    for name in ("mean", "scale", "coef", "intercept"):
        np.testing.assert_allclose(getattr(retrained.linear, name), getattr(shipped.linear, name), rtol=0, atol=1e-8)
    assert retrained.state.params == shipped.state.params
    assert retrained.instrument == shipped.instrument
    # Norm means and sds are sums over 60,000 candidates: numpy 1.26 and 2.x differ in the last bit.
    _assert_same_numbers(retrained.norms.model_dump(), shipped.norms.model_dump(), atol=1e-9)
    _assert_same_numbers(report.metrics, shipped.manifest.metrics, atol=1e-6)
    assert report.model_path.name == shipped.manifest.file == "profilefit-reference.model.json"
    assert report.manifest.sha256 == file_sha256(report.model_path)


def test_reference_training_is_reproducible_at_small_size(tmp_path):
    a = train_reference(tmp_path / "a", seed=5, n_train=3000, n_test=1000)
    b = train_reference(tmp_path / "b", seed=5, n_train=3000, n_test=1000)
    assert a.metrics == b.metrics
    assert a.manifest.sha256 == b.manifest.sha256
    assert "ceiling" in a.metrics and "consistency" in a.metrics
    assert "simulated" in a.card_path.read_text(encoding="utf-8")


def test_training_on_own_labels_writes_a_loadable_model_with_card(tmp_path):
    report = train_on_labels(sample_labelled_path(), tmp_path, label_column="profile", folds=3)
    assert report.manifest.trained_on == "organisation data"
    assert "ceiling" not in report.metrics
    assert report.metrics["n"] == 1500
    assert report.metrics["evaluation"].startswith("3-fold")
    card = report.card_path.read_text(encoding="utf-8")
    assert "cross-validated" in card and "1500 labelled rows" in card
    screener = Screener.load(report.model_path)
    result = screener.score({"candidate_id": "x", "tc1": 6})
    assert result.model.trained_on == "organisation data"
    assert screener.norms.n == 1500


def test_bad_labelled_rows_are_reported_not_dropped(tmp_path):
    with sample_labelled_path().open(encoding="utf-8") as stream:
        source = list(csv.DictReader(stream))[:300]
    source[3]["tc1"] = "9"
    source[7]["profile"] = ""
    path = tmp_path / "labels.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(source[0]))
        writer.writeheader()
        writer.writerows(source)
    seen = []
    report = train_on_labels(path, tmp_path / "out", folds=2, on_reject=seen.append)
    assert {(r["row"], r["field"]) for r in report.rejected} == {(4, "tc1"), (8, "profile")}
    assert seen == report.rejected
    assert report.manifest.training["rows_used"] + report.manifest.training["rows_rejected"] == 300


def test_too_few_labels_per_class_is_a_clear_error(tmp_path):
    path = tmp_path / "tiny.jsonl"
    path.write_text(
        "\n".join(json.dumps({"candidate_id": f"c{i}", "tc1": 3, "profile": p}) for i, p in enumerate(["a", "a", "b"])),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="at least 10 labelled rows"):
        train_on_labels(path, tmp_path / "out")


def test_model_card_evidence_was_measured_on_the_shipped_model():
    """The figures in the card's evidence section are those benchmarks/model_evidence.py printed for this model."""
    from pathlib import Path

    from profilefit.data.training._card import EVIDENCE_END, EVIDENCE_START

    shipped = read_manifest(reference_model_path())
    for page in ("docs/model-card.md", "docs/model.md"):
        text = (Path(__file__).parents[2] / page).read_text(encoding="utf-8")
        evidence = text.split(EVIDENCE_START, 1)[1].split(EVIDENCE_END, 1)[0]
        assert f"sha256 {shipped.sha256[:12]}" in evidence, f"{page}: rerun benchmarks/model_evidence.py"
        assert "answer-level Bayes classifier" in evidence and "careless 12 %" in evidence
