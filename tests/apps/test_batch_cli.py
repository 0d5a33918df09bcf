"""``profilefit score``: a thin command over score_file, with documented exit codes."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from profilefit.apps.cli import main

pytest.importorskip("pyarrow")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_the_readme_command_scores_the_bundled_sample(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["score", "sample", "-o", "results.csv"]) == 1  # the sample has two bad rows, on purpose
    out, err = capsys.readouterr()
    assert "402 rows read: 400 scored, 2 rejected (0 duplicate ids)" in out
    assert err == ""  # no progress bar when standard error is not a terminal
    results, rejects = _rows(tmp_path / "results.csv"), _rows(tmp_path / "results.rejects.csv")
    assert len(results) == 400 and results[0]["candidate_id"] == "cand-0001"
    assert {row["needs_review"] for row in results} <= {"true", "false"}
    assert [(row["row"], row["field"]) for row in rejects] == [("401", "tc1"), ("402", "sj1")]


def test_sample_with_a_2_0_model_scores_the_2_0_sample(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["score", "sample", "--model", "reference-2.0", "-o", "results.csv"]) == 0  # no bad rows in it
    assert "400 rows read: 400 scored, 0 rejected (0 duplicate ids)" in capsys.readouterr().out
    results = _rows(tmp_path / "results.csv")
    assert {row["instrument_version"] for row in results} == {"2.0"}
    assert results[0]["candidate_id"] == "cand-0001" and all(row["fit_score"] for row in results)


def test_exit_0_when_every_row_is_scored(tmp_path, capsys):
    export = tmp_path / "clean.csv"
    export.write_text("candidate_id,tc1,sj1\nc1,4,a\nc2,5,B\n", encoding="utf-8")
    assert main(["score", str(export), "-o", str(tmp_path / "r.parquet"), "--rejects", str(tmp_path / "x.jsonl")]) == 0
    assert "2 rows read: 2 scored, 0 rejected" in capsys.readouterr().out
    assert (tmp_path / "x.jsonl").read_text(encoding="utf-8") == ""


def test_rejects_as_json_lines(tmp_path):
    export = tmp_path / "bad.csv"
    export.write_text("candidate_id;tc1\nc1;7\n", encoding="utf-8")
    # Nothing scored: exit code 5, not the 1 of a day with some rejects.
    assert main(["score", str(export), "-o", str(tmp_path / "r.csv"), "--rejects", str(tmp_path / "bad.jsonl")]) == 5
    record = json.loads((tmp_path / "bad.jsonl").read_text(encoding="utf-8"))
    assert record == {
        "row": 1,
        "candidate_id": "c1",
        "field": "tc1",
        "value": 7,
        "reason": "allowed: a whole number from 1 to 6, or empty when unanswered",
    }


@pytest.mark.parametrize(
    ("content", "name", "extra", "message"),
    [
        ("tc1;email\nc1;4;a@b\n", "export.csv", [], "there is no candidate_id column"),
        (None, "missing.csv", [], "missing.csv"),
        ("x", "export.docx", [], "cannot read '.docx'"),
        ("candidate_id\nc1\n", "export.csv", ["--chunk-size", "0"], "--chunk-size must be at least 1"),
    ],
)
def test_exit_2_for_usage_errors_and_unreadable_input(tmp_path, capsys, content, name, extra, message):
    export = tmp_path / name
    if content is not None:
        export.write_text(content, encoding="utf-8")
    assert main(["score", str(export), "-o", str(tmp_path / "results.csv"), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "results.csv").exists()


def test_extra_columns_are_ignored_with_one_note_and_ignore_column_silences_it(tmp_path, capsys):
    export = tmp_path / "export.csv"
    export.write_text("candidate_id;tc1;email;gender\nc1;4;a@b;f\n", encoding="utf-8")
    assert main(["score", str(export), "-o", str(tmp_path / "r.csv")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("profilefit score: note: ") for line in err)
    assert "'gender' look like demographics and were not read" in err[0] and "'email'" in err[1]
    assert "gender" not in (tmp_path / "r.csv").read_text(encoding="utf-8")
    assert main(["score", str(export), "-o", str(tmp_path / "r.csv"), "--ignore-column", "email"]) == 0
    assert "'email'" not in capsys.readouterr().err


def test_exit_3_when_the_model_file_is_refused(tmp_path, capsys):
    from profilefit.core.artifact import manifest_path, reference_model_path

    source = reference_model_path()
    model = tmp_path / source.name
    shutil.copy(source, model)
    shutil.copy(manifest_path(source), manifest_path(model))
    with model.open("ab") as stream:
        stream.write(b"tampered")
    assert main(["score", "sample", "-o", str(tmp_path / "r.csv"), "--model", str(model)]) == 3
    assert "sha256" in capsys.readouterr().err.lower()


@pytest.mark.slow
def test_the_example_script_runs_on_the_bundled_sample(tmp_path):
    import subprocess
    import sys

    script = Path(__file__).parents[2] / "examples" / "score_export.py"
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "402 rows read: 400 scored, 2 rejected" in done.stdout
    assert "largest difference from the file: 0.0e+00" in done.stdout
    assert (tmp_path / "results.csv").exists() and (tmp_path / "results.rejects.csv").exists()


@pytest.mark.parametrize("column", ["Kjønn", "KÖN", "Geslacht", "Leeftijd", "Ålder", "Nationaliteit"])
def test_a_local_demographic_column_is_not_scored_and_noted_as_gender_is(tmp_path, capsys, column):
    """A Norwegian, Swedish or Dutch demographic column never feeds scoring, exactly as an English one."""
    results = {}
    for name in ("gender", column):
        export = tmp_path / f"export-{name}.csv"
        export.write_text(f"candidate_id;tc1;tc4;{name}\nc1;4;5;f\nc2;2;3;m\n", encoding="utf-8")
        output = tmp_path / f"results-{name}.csv"
        assert main(["score", str(export), "-o", str(output)]) == 0
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and f"{name!r} look like demographics and were not read" in err[0]
        results[name] = output.read_text(encoding="utf-8")
        assert name not in results[name]
    assert results["gender"] == results[column]
