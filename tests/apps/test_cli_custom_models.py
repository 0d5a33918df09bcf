"""score with an organisation's own model: no fit without a role over its scales, and norms from `profilefit norms`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from profilefit.apps.cli import main
from profilefit.core.scoring import NormGroup
from profilefit.core.screening import Screener
from profilefit.data.batch import score_batch
from profilefit.data.datasets import sample_export_path

pytest.importorskip("pyarrow")

CUSTOM = str(Path(__file__).parents[2] / "examples" / "data" / "custom_instrument.toml")


@pytest.fixture(scope="module")
def custom_model(tmp_path_factory, custom_instrument) -> tuple[Path, Path]:
    """A model trained on the example custom instrument, and an export of that instrument."""
    from profilefit.data.training import train_on_labels

    rng = np.random.default_rng(1)
    rows = []
    for k in range(120):
        label = "calm_type" if k % 2 else "driven_type"
        calm, drive = (4.2, 2.4) if label == "calm_type" else (2.4, 4.2)
        row = {"candidate_id": f"acme-{k}", "profile": label, "check1": 4}
        for item in custom_instrument.items:
            answer = int(np.clip(round(rng.normal(calm if item.scale == "calm" else drive, 0.8)), 1, 5))
            row[item.id] = 6 - answer if item.reverse else answer
        rows.append(row)
    folder = tmp_path_factory.mktemp("acme")
    labelled = folder / "labelled.jsonl"
    labelled.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    report = train_on_labels(labelled, folder / "model", instrument=custom_instrument, folds=2)
    export = folder / "export.jsonl"
    export.write_text(
        "".join(json.dumps({k: v for k, v in row.items() if k != "profile"}) + "\n" for row in rows[:20]),
        encoding="utf-8",
    )
    return report.model_path, export


def _results(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_a_custom_model_scores_without_fit_and_says_how_to_add_a_role(custom_model, tmp_path, capsys):
    model, export = custom_model
    assert main(["score", str(export), "--model", str(model), "-o", str(tmp_path / "r.csv")]) == 0
    err = capsys.readouterr().err
    assert "has no built-in role, so fit_score and fit_band are empty; give --role FILE" in err
    results = _results(tmp_path / "r.csv")
    assert len(results) == 20 and {row["fit_score"] for row in results} == {""}


def test_a_role_the_instrument_cannot_carry_names_role_none_and_role_file(custom_model, tmp_path, capsys):
    model, export = custom_model
    code = main(["score", str(export), "--model", str(model), "--role", "complex-case", "-o", str(tmp_path / "r.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "--role none" in err and "--role FILE" in err and err.count("\n") == 1
    assert main(["score", str(export), "--model", str(model), "--role", "none", "-o", str(tmp_path / "r.csv")]) == 0


def test_norms_built_by_the_norms_command_drive_the_fit_of_score(tmp_path, capsys):
    norms = tmp_path / "norms.json"
    assert main(["norms", "sample", "--name", "sample applicants", "--out", str(norms)]) == 1
    assert main(["score", "sample", "--norms", str(norms), "-o", str(tmp_path / "own.csv")]) == 1
    assert main(["score", "sample", "-o", str(tmp_path / "default.csv")]) == 1
    own, default = _results(tmp_path / "own.csv"), _results(tmp_path / "default.csv")
    expected = score_batch(Screener.load(norms=NormGroup.load(norms)), sample_export_path())
    assert [float(row["fit_score"]) for row in own] == pytest.approx(expected.results["fit_score"].tolist())
    assert [row["fit_score"] for row in own] != [row["fit_score"] for row in default]


def test_norms_of_another_instrument_are_refused(custom_model, tmp_path, capsys):
    _, export = custom_model
    norms = tmp_path / "acme-norms.json"
    assert main(["norms", str(export), "--instrument", CUSTOM, "--name", "acme", "--out", str(norms)]) == 0
    assert main(["score", "sample", "--norms", str(norms), "-o", str(tmp_path / "r.csv")]) == 2
    assert "has no scores for scale(s) taking_charge" in capsys.readouterr().err
