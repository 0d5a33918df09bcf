import json
import re
import shutil
from pathlib import Path

import pytest
import sklearn

from profilefit.artifact import (
    ModelIntegrityError,
    ModelVersionError,
    file_sha256,
    load_artifact,
    manifest_path,
    read_manifest,
    reference_model_path,
)
from profilefit.screening import Screener


@pytest.fixture()
def model_copy(tmp_path):
    source = reference_model_path()
    target = tmp_path / source.name
    shutil.copy(source, target)
    shutil.copy(manifest_path(source), manifest_path(target))
    return target


def test_shipped_model_matches_its_manifest():
    manifest = read_manifest(reference_model_path())
    assert manifest.sha256 == file_sha256(reference_model_path())
    assert manifest.trained_on == "simulation"
    assert set(manifest.versions) >= {"profilefit", "scikit-learn", "numpy", "python", "joblib"}
    assert load_artifact().manifest == manifest


def test_shipped_model_meets_its_targets():
    """Targets (issue 10): macro-F1 within 2 points of the answer-level Bayes classifier, ECE at most 0.03.

    The answer-level figures are those benchmarks/model_evidence.py printed into the model card
    for this very model (tests/test_training.py checks the card names the shipped sha256).
    """
    manifest = read_manifest(reference_model_path())
    metrics = manifest.metrics
    assert metrics["ece"] <= 0.03
    assert 0 < metrics["consistency"] <= 1
    assert metrics["ceiling"]["accuracy"] < 0.9  # profiles overlap, as people do
    card = (Path(__file__).parent.parent / "docs" / "model-card.md").read_text(encoding="utf-8")
    assert f"sha256 {manifest.sha256[:12]}" in card
    rows = {
        name: [float(v) for v in values.split("|")[:5]]
        for name, values in re.findall(r"^\| (reference model|answer-level Bayes classifier) \| (.+) \|$", card, re.M)
    }
    model_f1, _, model_ece, _, _ = rows["reference model"]
    bayes_f1 = rows["answer-level Bayes classifier"][0]
    assert bayes_f1 - model_f1 <= 0.02
    assert model_ece <= 0.03


def test_a_tampered_model_file_is_refused(model_copy):
    data = bytearray(model_copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model_copy.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="sha256") as caught:
        Screener.load(model_copy)
    assert "profilefit train" in str(caught.value)


def test_a_model_without_manifest_is_refused(model_copy):
    manifest_path(model_copy).unlink()
    with pytest.raises(FileNotFoundError, match="no manifest"):
        load_artifact(model_copy)


def test_a_scikit_learn_version_mismatch_says_what_to_do(model_copy):
    path = manifest_path(model_copy)
    manifest = json.loads(path.read_text())
    manifest["versions"]["scikit-learn"] = "0.24.2"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ModelVersionError) as caught:
        load_artifact(model_copy)
    message = str(caught.value)
    assert "pip install 'scikit-learn==0.24.2'" in message
    assert sklearn.__version__ in message
    assert "retrain" in message
    assert load_artifact(model_copy, allow_version_mismatch=True).manifest.versions["scikit-learn"] == "0.24.2"


def test_scoring_does_not_import_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from profilefit.screening import Screener\n"
        "Screener.load().score({'candidate_id': 'x', 'tc1': 5})\n"
        "assert 'sklearn' not in sys.modules and 'scipy' not in sys.modules, 'scoring imported scikit-learn or scipy'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_linear_core_is_the_estimators():
    import numpy as np

    artifact = load_artifact()
    estimator = artifact.estimator
    np.testing.assert_array_equal(artifact.linear.coef, estimator.coef_)
    np.testing.assert_array_equal(artifact.linear.mean, estimator.mean_)
    assert artifact.linear.classes.tolist() == [str(c) for c in estimator.classes_]
    X = np.random.default_rng(0).uniform(1, 6, size=(20, estimator.n_features_in_))
    logits = ((X - artifact.linear.mean) / artifact.linear.scale) @ artifact.linear.coef.T + artifact.linear.intercept
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(estimator.predict_proba(X), expected, atol=1e-12)


class _Payload:
    """A pickle that, when loaded, creates a file: the proof that code in a model file ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def test_a_pickle_payload_never_runs_when_the_checksum_does_not_match(model_copy, tmp_path):
    import pickle

    marker = tmp_path / "payload-ran"
    model_copy.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelIntegrityError, match="sha256"):
        load_artifact(model_copy)
    assert not marker.exists()
    # The same bytes with a manifest that vouches for them do run: the check above is what stopped them.
    manifest = json.loads(manifest_path(model_copy).read_text(encoding="utf-8"))
    manifest["sha256"] = file_sha256(model_copy)
    manifest_path(model_copy).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelVersionError, match="payload format"):
        load_artifact(model_copy)
    assert marker.exists()


def test_a_pipe_in_place_of_the_model_file_is_refused_without_waiting(model_copy):
    import os

    model_copy.unlink()
    os.mkfifo(model_copy)
    with pytest.raises(ModelIntegrityError, match="not a regular file"):
        load_artifact(model_copy)


def test_the_bytes_hashed_are_the_bytes_loaded(model_copy, monkeypatch):
    """The file is read once: a file swapped after its check cannot be what is unpickled."""
    import os

    import profilefit.artifact._artifact as artifact

    reads = []
    real = artifact.read_regular_file

    def counting(path):
        reads.append(str(path))
        return real(path)

    monkeypatch.setattr(artifact, "read_regular_file", counting)
    loaded_from = []
    real_load = artifact.joblib.load

    def spying_load(source):
        loaded_from.append(source)
        return real_load(source)

    monkeypatch.setattr(artifact.joblib, "load", spying_load)
    load_artifact(model_copy)
    assert reads == [str(manifest_path(model_copy)), str(model_copy)]
    (source,) = loaded_from
    assert not isinstance(source, str | os.PathLike)  # unpickled from the bytes in memory, not from the path
