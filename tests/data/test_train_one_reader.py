"""train --data reads through the one reader of `profilefit score`: every format, '-', one header check."""

from __future__ import annotations

import io
import json
import sys

import pytest

from profilefit.apps.cli import main
from profilefit.data.datasets import sample_labelled_path
from profilefit.data.training import train_on_labels
from profilefit.exceptions import ColumnError

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def labelled():
    """300 rows of the bundled labelled set, two of them bad (a value out of range, no label)."""
    frame = pd.read_csv(sample_labelled_path(), dtype=str, keep_default_na=False).head(300)
    frame.loc[3, "tc1"] = "9"
    frame.loc[7, "profile"] = ""
    return frame


def _write(frame, path):
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif path.suffix == ".jsonl":
        records = [{key: value for key, value in row.items() if value != ""} for row in frame.to_dict("records")]
        path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    elif path.suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_excel(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".tsv", ".jsonl", ".parquet", ".xlsx"])
@pytest.mark.slow
def test_every_format_trains_the_same_model_as_csv(labelled, tmp_path, suffix):
    """Rule: the format of the labelled export does not change the rows used, the rejects or the model."""
    reference = train_on_labels(_write(labelled, tmp_path / "labels.csv"), tmp_path / "csv", folds=2)
    other = train_on_labels(_write(labelled, tmp_path / f"labels{suffix}"), tmp_path / "other", folds=2)
    assert {(r["row"], r["field"]) for r in reference.rejected} == {(4, "tc1"), (8, "profile")}
    # A workbook names a row by its sheet row (the header on row 1), as its batch rejects do: one further down.
    shift = 1 if suffix == ".xlsx" else 0
    assert [(r["row"], r["field"], r["reason"]) for r in other.rejected] == [
        (r["row"] + shift, r["field"], r["reason"]) for r in reference.rejected
    ]
    assert other.manifest.training["rows_used"] == reference.manifest.training["rows_used"] == 298
    assert other.metrics == reference.metrics


def test_train_reads_standard_input(labelled, tmp_path, monkeypatch, capsys):
    content = labelled.to_csv(index=False).encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(content)))
    assert main(["train", "--data", "-", "--folds", "2", "--out", str(tmp_path)]) == 1  # two rows rejected
    assert (tmp_path / "stdin.model.json").exists()
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[1] for line in err] == ["row 4, field tc1", "row 8, field profile"]


def test_a_header_without_candidate_id_is_one_message_before_any_row(tmp_path, capsys):
    export = tmp_path / "labels.csv"
    export.write_text("id,tc1,profile\n" + "".join(f"c{k},4,rock\n" for k in range(5000)), encoding="utf-8")
    assert main(["train", "--data", str(export), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"profilefit: {export}: there is no candidate_id column; name the column that holds the ids with "
        "--id-column NAME (id_column= in Python).\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_missing_label_column_is_one_message_not_a_reject_per_row(labelled, tmp_path, capsys, suffix):
    export = _write(labelled.drop(columns="profile"), tmp_path / f"labels{suffix}")
    assert main(["train", "--data", str(export), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "there is no 'profile' column to read the labels from" in err and "--label-column" in err
    with pytest.raises(ColumnError, match="no 'profile' column"):
        train_on_labels(export, tmp_path / "out", folds=2)


def test_label_column_matches_without_case_with_a_note(labelled, tmp_path, capsys):
    export = _write(labelled.rename(columns={"profile": "Profile", "cm1": "CM1"}), tmp_path / "labels.csv")
    assert main(["train", "--data", str(export), "--folds", "2", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("profilefit train: note:") and "CM1" in err[0]
    assert [line.split(": ")[1] for line in err[1:]] == ["row 4, field tc1", "row 8, field profile"]


def test_problems_are_capped_on_the_terminal(labelled, tmp_path, capsys):
    bad = labelled.copy()
    bad.loc[:99, "tc1"] = "9"
    export = _write(bad, tmp_path / "labels.csv")
    assert main(["train", "--data", str(export), "--folds", "2", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 20 + 1
    assert "and 80 more problems in 100 rejected rows" in err[-1]
