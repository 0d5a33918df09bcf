"""`profilefit score`, `train`, `report` and `shortlist` on instrument 2.0's exports and results."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from profilefit.apps.cli import main
from profilefit.apps.cli._exit import EXIT_OK, EXIT_USAGE
from profilefit.core.instrument import load_instrument
from profilefit.data.results import read_result_records
from profilefit.pages.reports import Labels
from tests.forced_choice_support import simulated_rows

pytest.importorskip("pyarrow")


def _export(folder: Path, n: int = 12, *, seed: int = 3, suffix: str = ".csv", label: bool = False) -> Path:
    rows, _ = simulated_rows(n, seed=seed)
    if not label:
        rows = [{k: v for k, v in row.items() if k != "profile"} for row in rows]
    path = folder / f"export{suffix}"
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_score_scores_a_2_0_export_with_the_2_0_reference_model_and_says_so(tmp_path, capsys, suffix):
    export = _export(tmp_path, suffix=suffix)
    results = tmp_path / "results.csv"
    assert main(["score", str(export), "-o", str(results), "--no-progress"]) == EXIT_OK
    err = capsys.readouterr().err
    assert "answers instrument 2.0" in err and "--model reference-2.0" in err
    records = read_result_records(results)
    assert len(records) == 12
    assert {(r.instrument_id, r.instrument_version) for r in records} == {("customer-contact", "2.0")}
    assert all(set(r.standard_errors) == set(load_instrument("customer-contact-2.0").scale_ids) for r in records)


def test_score_of_a_1_2_export_takes_no_note_and_a_given_model_is_kept(tmp_path, capsys):
    export_1 = tmp_path / "export-1.csv"
    export_1.write_text("candidate_id,tc1,tc3,sj1\nc1,4,2,b\n", encoding="utf-8")
    assert main(["score", str(export_1), "-o", str(tmp_path / "r1.csv"), "--no-progress"]) == EXIT_OK
    assert "instrument 2.0" not in capsys.readouterr().err
    (record,) = read_result_records(tmp_path / "r1.csv")
    assert record.instrument_version == "1.2"
    # --model reference (1.2) is what was asked for: kept, with a warning that the block answers are not read.
    export_2 = _export(tmp_path)
    main(["score", str(export_2), "--model", "reference", "-o", str(tmp_path / "r2.csv"), "--no-progress"])
    err = capsys.readouterr().err
    assert "so it is scored with the 2.0 reference model" not in err
    assert "warning:" in err and "those answers are not read" in err and "--model reference-2.0" in err
    assert {r.instrument_version for r in read_result_records(tmp_path / "r2.csv")} == {"1.2"}


def test_train_on_labelled_2_0_answers_then_score_and_report_with_the_model(tmp_path, capsys):
    labelled = _export(tmp_path, 160, seed=11, suffix=".jsonl", label=True)
    out = tmp_path / "model"
    code = main(
        ["train", "--data", str(labelled), "--instrument", "customer-contact-2.0", "--out", str(out), "--folds", "2"]
    )
    assert code == EXIT_OK
    assert "macro-F1" in capsys.readouterr().out
    (manifest,) = out.glob("*.manifest.json")
    facts = json.loads(manifest.read_text(encoding="utf-8"))
    assert (facts["instrument_id"], facts["instrument_version"]) == ("customer-contact", "2.0")
    (model,) = out.glob("*.model.json")
    export = _export(tmp_path, 8, seed=21)
    results = tmp_path / "results.jsonl"
    code = main(["score", str(export), "--model", str(model), "--role", "none", "-o", str(results), "--no-progress"])
    assert code == EXIT_OK
    err = capsys.readouterr().err
    assert "answers instrument 2.0" not in err  # a 2.0 model was given: no switch and no warning
    records = read_result_records(results)
    assert {r.instrument_version for r in records} == {"2.0"} and {r.model_id for r in records} == {facts["model_id"]}
    assert main(["report", str(results), "--id", records[0].candidate_id]) == EXIT_OK
    text = capsys.readouterr().out
    labels = Labels("en", load_instrument("customer-contact-2.0"))
    assert labels.t("score_standard_heading") in text
    assert all(labels.scale(scale) in text for scale in labels.instrument.scale_ids)
    page = tmp_path / "shortlist.html"
    assert main(["shortlist", str(results), "--html", str(page)]) == EXIT_OK
    assert "customer-contact 2.0" in page.read_text(encoding="utf-8")


def test_train_on_2_0_answers_without_the_instrument_is_refused_naming_it(tmp_path, capsys):
    labelled = _export(tmp_path, 40, seed=4, suffix=".jsonl", label=True)
    assert main(["train", "--data", str(labelled), "--out", str(tmp_path / "model")]) == EXIT_USAGE
    assert "--instrument customer-contact-2.0" in capsys.readouterr().err
    assert not (tmp_path / "model").exists()
