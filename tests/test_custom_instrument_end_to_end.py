"""A custom instrument goes through the whole chain: schema, scoring, flags, training, screening."""

import json

import numpy as np
import pytest

from profilefit.apps.cli import main
from profilefit.core.screening import Screener
from profilefit.data.training import train_on_labels


@pytest.fixture(scope="module")
def labelled_file(tmp_path_factory, custom_instrument):
    # Two kinds of people: calm ones and driven ones, answering on the instrument's 1..5 scale.
    rng = np.random.default_rng(0)
    rows = []
    for k in range(240):
        label = "calm_type" if k % 2 else "driven_type"
        calm, drive = (4.2, 2.4) if label == "calm_type" else (2.4, 4.2)
        row = {"candidate_id": f"acme-{k}", "profile": label, "completion_seconds": 90.0, "check1": 4}
        for item in custom_instrument.items:
            centre = calm if item.scale == "calm" else drive
            answer = int(np.clip(round(rng.normal(centre, 0.8)), 1, 5))
            row[item.id] = 6 - answer if item.reverse else answer
        rows.append(row)
    path = tmp_path_factory.mktemp("acme") / "acme_labelled.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return path


def test_training_and_screening_on_a_custom_instrument(labelled_file, custom_instrument, tmp_path):
    report = train_on_labels(labelled_file, tmp_path, instrument=custom_instrument, folds=3)
    assert report.manifest.instrument_id == "acme-service-pulse"
    assert report.metrics["accuracy"] > 0.8
    screener = Screener.load(report.model_path)
    assert screener.instrument == custom_instrument
    calm = screener.score(
        {
            "candidate_id": "n1",
            "calm1": 5,
            "calm2": 5,
            "calm3": 1,
            "drive1": 2,
            "drive2": 2,
            "drive3": 4,
            "check1": 4,
            "completion_seconds": 80.0,
        }
    )
    assert calm.top_profile == "calm_type"
    assert calm.situational == {}
    assert [s.scale for s in calm.scales] == ["calm", "drive"]
    assert calm.flags == []
    rushed = screener.score({"candidate_id": "n2", "calm1": 5, "check1": 1, "completion_seconds": 3.0})
    assert {f.flag for f in rushed.flags} >= {"failed_attention_check", "too_fast", "too_many_missing"}
    with pytest.raises(ValueError, match="calm1"):
        screener.score({"candidate_id": "n3", "calm1": 6})


def test_cli_trains_on_a_custom_instrument(labelled_file, tmp_path, capsys):
    code = main(
        [
            "train",
            "--data",
            str(labelled_file),
            "--instrument",
            "examples/data/custom_instrument.toml",
            "--out",
            str(tmp_path),
            "--folds",
            "3",
        ]
    )
    assert code == 0
    assert "3-fold" in (tmp_path / "model-card.md").read_text(encoding="utf-8")
