"""reliability and norms read exports as score does: every format, sample, one header check, capped problems."""

from __future__ import annotations

import json

import pytest

from profilefit.apps.cli import main
from profilefit.data.batch import collect_responses

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")


def test_reliability_and_norms_accept_sample(tmp_path, capsys):
    assert main(["reliability", "sample"]) == 1  # the sample holds two bad rows on purpose
    out = capsys.readouterr().out
    assert "402 rows read, 400 used, 2 rejected" in out and "taking_charge" in out
    assert main(["norms", "sample", "--name", "sample applicants", "--out", str(tmp_path / "norms.json")]) == 1
    assert json.loads((tmp_path / "norms.json").read_text(encoding="utf-8"))["n"] == 400


@pytest.mark.parametrize("command", [["reliability"], ["norms", "--name", "x", "--out", "NORMS"]])
def test_a_header_without_candidate_id_is_one_line_not_thousands(tmp_path, capsys, command):
    export = tmp_path / "export.csv"
    export.write_text("id;tc1\n" + "".join(f"c{k};4\n" for k in range(5000)), encoding="utf-8")
    arguments = [part.replace("NORMS", str(tmp_path / "n.json")) for part in command]
    assert main([arguments[0], str(export), *arguments[1:]]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"profilefit: {export}: there is no candidate_id column; name the column that holds the ids with "
        "--id-column NAME (id_column= in Python).\n"
    )
    assert not (tmp_path / "n.json").exists()


def test_reliability_reads_parquet_notes_unknown_columns_and_caps_problems(tmp_path, capsys):
    frame = pd.DataFrame({"candidate_id": [f"c{k}" for k in range(300)], "TC1": [9] * 300, "email": ["x"] * 300})
    frame.to_parquet(tmp_path / "export.parquet")
    assert main(["reliability", str(tmp_path / "export.parquet")]) == 1
    captured = capsys.readouterr()
    assert "300 rows read, 0 used, 300 rejected" in captured.out
    err = captured.err.splitlines()
    assert len(err) == 2 + 20 + 1  # two notes (case, unknown column), twenty problems, one line for the rest
    assert "and 280 more problems in 300 rejected rows" in err[-1]
    assert err[-1].startswith(str(tmp_path / "export.parquet") + ": and 280") and "value None" not in err[-1]


def test_labels_are_read_from_any_format_and_rows_without_one_rejected(instrument, tmp_path):
    rows = [{"candidate_id": "c1", "tc1": 4, "Profile": "rock"}, {"candidate_id": "c2", "tc1": 5, "Profile": ""}]
    as_csv = tmp_path / "labelled.csv"
    pd.DataFrame(rows).to_csv(as_csv, index=False)
    as_jsonl = tmp_path / "labelled.jsonl"
    as_jsonl.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    for source in (as_csv, as_jsonl, pd.DataFrame(rows)):
        collected = collect_responses(source, instrument, label_column="Profile")
        assert collected.labels == ["rock"] and collected.responses.candidate_ids.tolist() == ["c1"]
        assert [(r["row"], r["field"], r["reason"]) for r in collected.rejects] == [(2, "Profile", "no label")]


@pytest.mark.parametrize(
    "command", [["reliability"], ["norms", "--name", "x", "--out", "NORMS"], ["dif", "--demographics", "DEMO"]]
)
def test_every_command_that_reads_an_export_takes_the_id_column_and_header_row_as_score_does(tmp_path, capsys, command):
    """An export with a title row and its ids under another name: --id-column and --header-row work alike."""
    sample = pd.read_csv(_sample_path(), sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    sample = sample.rename(columns={"candidate_id": "Kandidat-ID"})
    export = tmp_path / "export.csv"
    with export.open("w", encoding="utf-8") as stream:
        stream.write("Eksport desember;;\n")
        sample.to_csv(stream, sep=";", index=False)
    layout = ["--id-column", "Kandidat-ID", "--header-row", "2"]
    assert main(["score", str(export), "-o", str(tmp_path / "r.csv"), "--no-progress", *layout]) == 1
    scored = len(pd.read_csv(tmp_path / "r.csv"))
    demographics = tmp_path / "demo.csv"
    demographics.write_text(
        "candidate_id,sex\n"
        + "".join(f"{c},{'female' if k % 2 else 'male'}\n" for k, c in enumerate(sample["Kandidat-ID"])),
        encoding="utf-8",
    )
    arguments = [part.replace("NORMS", str(tmp_path / "n.json")).replace("DEMO", str(demographics)) for part in command]
    capsys.readouterr()
    code = main([arguments[0], str(export), *arguments[1:], *layout])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    if arguments[0] == "reliability":
        assert f"{scored} used" in captured.out
    if arguments[0] == "norms":
        assert json.loads((tmp_path / "n.json").read_text(encoding="utf-8"))["n"] == scored


def _sample_path():
    from profilefit.data.datasets import sample_export_path

    return sample_export_path()
