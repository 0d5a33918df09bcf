"""`profilefit score`, `train`, `report` and `shortlist` on instrument 2.0's exports and results."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from profilefit.apps.cli import main
from profilefit.apps.cli._exit import EXIT_OK, EXIT_REJECTS, EXIT_USAGE
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
    # --model reference (1.2) is what was asked for: kept, so nothing of the statements could be read. The
    # export is refused, naming the model to use, rather than written out as every row too many unanswered.
    export_2 = _export(tmp_path)
    code = main(["score", str(export_2), "--model", "reference", "-o", str(tmp_path / "r2.csv"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and not (tmp_path / "r2.csv").exists()
    assert "so it is scored with the 2.0 reference model" not in err
    # The blocks are 1.2's other version's questions, so the header itself is refused, naming the model to use.
    assert "instrument 2.0's blocks" in err and "--model reference-2.0" in err
    assert "no column answers the statements of instrument customer-contact 1.2" in err and "blocks" in err


def _nordic_text(path: Path) -> str:
    """``path``'s CSV as Excel writes it in Oslo: semicolons and CRLF."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return "".join(";".join(row) + "\r\n" for row in rows)


@pytest.mark.parametrize(
    ("name", "write", "options"),
    [
        ("title row", lambda text, path: path.write_bytes(("\ufeffEksport 2026;;\r\n\r\n" + text).encode()), []),
        (
            "header row given",
            lambda text, path: path.write_bytes(("Eksport;;\r\n" + text).encode()),
            ["--header-row", "2"],
        ),
        ("UTF-16 with tabs", lambda text, path: path.write_bytes(text.replace(";", "\t").encode("utf-16")), []),
        ("cp1252", lambda text, path: path.write_bytes(text.encode("cp1252")), ["--encoding", "cp1252"]),
        ("gzip", lambda text, path: path.write_bytes(__import__("gzip").compress(text.encode("utf-8-sig"))), []),
    ],
)
def test_score_finds_a_2_0_export_as_the_reader_finds_its_header(tmp_path, capsys, name, write, options):
    """Rule: the 2.0 model is chosen from the header the batch reader reads, whatever the layout or encoding."""
    plain = _export(tmp_path)
    main(["score", str(plain), "-o", str(tmp_path / "plain.csv"), "--no-progress"])
    capsys.readouterr()
    export = tmp_path / ("export.csv.gz" if name == "gzip" else "export.txt")
    write(_nordic_text(plain), export)
    results = tmp_path / "results.csv"
    assert main(["score", str(export), *options, "-o", str(results), "--no-progress"]) == EXIT_OK, name
    assert "answers instrument 2.0" in capsys.readouterr().err
    got, expected = read_result_records(results), read_result_records(tmp_path / "plain.csv")
    assert [(r.candidate_id, r.instrument_version, r.fit_score, r.fit_band, r.validity_flags) for r in got] == [
        (r.candidate_id, r.instrument_version, r.fit_score, r.fit_band, r.validity_flags) for r in expected
    ]


def test_a_2_0_export_the_header_peek_cannot_read_is_refused_naming_the_2_0_model(tmp_path, capsys, monkeypatch):
    """Standard input (and a workbook's other sheet) is read with the model given: a 2.0 export is refused, not
    scored as every row too many unanswered."""
    import io
    import sys

    text = _nordic_text(_export(tmp_path))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))
    results = tmp_path / "results.csv"
    assert main(["score", "-", "-o", str(results), "--no-progress"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "instrument 2.0's blocks" in err and "--model reference-2.0" in err and not results.exists()


def test_an_export_mostly_of_2_0_with_a_stray_item_column_is_scored_with_2_0_rejecting_rows_that_answer_it(
    tmp_path, capsys
):
    """A 2.0 export carrying 1.2's tc1 (filled in some rows): read as 2.0, which its header mostly answers; the
    rows that answer tc1 are rejected naming the field, the value and its version, the others are scored."""
    plain = _export(tmp_path)
    text = _nordic_text(plain).replace("candidate_id;", "candidate_id;tc1;", 1)
    lines = text.split("\r\n")
    lines[1:] = [line.replace(";", ";4;" if k % 2 else ";;", 1) if line else line for k, line in enumerate(lines[1:])]
    export = tmp_path / "mixed.csv"
    export.write_text("\r\n".join(lines), encoding="utf-8")
    results = tmp_path / "r.csv"
    assert main(["score", str(export), "-o", str(results), "--no-progress"]) == EXIT_REJECTS
    err = capsys.readouterr().err
    assert "answers instrument 2.0 mostly" in err and "tc1" in err and "--model" in err
    rows = sum(1 for line in lines[1:] if line)
    records = read_result_records(results)
    rejects = list(csv.DictReader((tmp_path / "r.rejects.csv").read_text(encoding="utf-8").splitlines()))
    assert {record.instrument_version for record in records} == {"2.0"}
    assert len(records) + len({reject["row"] for reject in rejects}) == rows
    assert rejects and all(reject["field"] == "tc1" and reject["value"] == "4" for reject in rejects)
    assert all("question of instrument customer-contact 1.2, not of 2.0" in reject["reason"] for reject in rejects)


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


def test_score_one_scores_a_2_0_assessment_with_the_2_0_model_and_says_so(tmp_path, capsys):
    """As `score` does for an export: the answers say which instrument they answer."""
    rows, _ = simulated_rows(1, seed=4)
    record = {k: v for k, v in rows[0].items() if k != "profile"}
    path = tmp_path / "one.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    assert main(["score-one", str(path)]) == EXIT_OK
    captured = capsys.readouterr()
    assert "answers instrument 2.0" in captured.err and "--model reference-2.0" in captured.err
    assert main(["score-one", str(path), "--model", "reference-2.0"]) == EXIT_OK
    given = capsys.readouterr()
    assert "answers instrument 2.0" not in given.err
    assert json.loads(captured.out) == json.loads(given.out)


def test_report_scores_a_2_0_assessment_with_the_2_0_model_and_says_so(tmp_path, capsys):
    """As score and score-one: it printed 24 'not a field of this instrument' lines."""
    rows, _ = simulated_rows(1, seed=6)
    path = tmp_path / "one.json"
    path.write_text(json.dumps({k: v for k, v in rows[0].items() if k != "profile"}), encoding="utf-8")
    assert main(["report", str(path)]) == EXIT_OK
    found = capsys.readouterr()
    assert "answers instrument 2.0" in found.err and "not a field" not in found.err
    assert main(["report", str(path), "--model", "reference-2.0"]) == EXIT_OK
    given = capsys.readouterr()
    assert "answers instrument 2.0" not in given.err and given.out == found.out


def test_the_header_peek_reads_past_a_first_empty_record_a_late_header_row_and_a_broken_gzip(tmp_path):
    from profilefit.apps.cli._inputs import export_questions

    rows, _ = simulated_rows(3, seed=5)
    records = [{"candidate_id": "answered-nothing"}] + [{k: v for k, v in r.items() if k != "profile"} for r in rows]
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert export_questions(jsonl)[0][:2] == ["b01", "b02"]
    plain = _export(tmp_path)
    late = tmp_path / "late.csv"
    late.write_text("".join(f"note {k}\n" for k in range(30)) + plain.read_text(encoding="utf-8"), encoding="utf-8")
    assert export_questions(late, header_row=31)[0][:2] == ["b01", "b02"]
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(__import__("gzip").compress(plain.read_bytes())[:40] + b"not gzip")
    assert export_questions(broken) == ([], [])  # the reader names the problem when it reads the file


def test_the_header_peek_reads_a_first_record_longer_than_its_peek_and_past_a_line_nested_too_deep(tmp_path):
    """A trial: a first record of 300 kB (a CV in a text field), or one line nested 5,000 deep among the first 200,
    hid every key, and the 2.0 export was scored with the 1.2 model as blanks."""
    from profilefit.apps.cli._inputs import export_questions

    rows, _ = simulated_rows(3, seed=5)
    records = [{k: v for k, v in r.items() if k != "profile"} for r in rows]
    long_first = tmp_path / "long.jsonl"
    long_first.write_text(
        "".join(json.dumps({**r, "cv": "x" * 300_000 if k == 0 else ""}) + "\n" for k, r in enumerate(records)),
        encoding="utf-8",
    )
    assert export_questions(long_first)[0][:2] == ["b01", "b02"]
    deep = tmp_path / "deep.jsonl"
    lines = [json.dumps(r) for r in records]
    lines.insert(1, '{"candidate_id": "deep", "note": ' + "[" * 5000 + "]" * 5000 + "}")
    deep.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert export_questions(deep)[0][:2] == ["b01", "b02"]


@pytest.mark.parametrize("how", ["stdin", "model given"])
def test_json_lines_of_2_0_scored_with_a_1_2_model_are_refused_not_scored_as_blanks(tmp_path, capsys, monkeypatch, how):
    """As a table's header is refused: JSON Lines have no header, so the keys met decide once the file is read, and
    nothing is written (docs/batch.md: the wrong instrument is refused, never scored as blanks)."""
    import io
    import sys

    export = _export(tmp_path, suffix=".jsonl")
    results = tmp_path / "results.csv"
    if how == "stdin":
        text = export.read_text(encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))
        command = ["score", "-", "-o", str(results), "--no-progress"]  # JSON Lines, told by its first "{"
    else:
        command = ["score", str(export), "--model", "reference", "-o", str(results), "--no-progress"]
    assert main(command) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "no key answers the statements of instrument customer-contact 1.2" in err and "reference-2.0" in err
    assert not results.exists() and not list(tmp_path.glob("results*"))


@pytest.mark.parametrize("empty", [None, "", " "])
def test_score_one_reads_a_form_template_by_the_version_it_answers(tmp_path, capsys, empty):
    """Rule: a field of the other version left empty answers nothing, so it does not choose the model (as the
    service reads the same assessment)."""
    from profilefit.core.screening import Screener

    answered = {"candidate_id": "tpl-1", "b01": "ac", "b02": "ba", "sj1": "b"}
    template = tmp_path / "template.json"
    template.write_text(json.dumps({**answered, "tc1": empty, "tc2": empty}), encoding="utf-8")
    assert main(["score-one", str(template)]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "answers instrument 2.0" in err
    result = json.loads(out)
    expected = Screener.load("reference-2.0").score({**answered, "tc1": empty, "tc2": empty})
    assert result["model"]["instrument_version"] == "2.0" and result["fit"]["score"] == expected.fit.score


def test_score_one_says_when_the_answers_cannot_tell_the_version(tmp_path, capsys):
    """Scenarios only: scored with 1.2 by default, where the service scores it with 2.0, and the note says so."""
    sent = tmp_path / "scenarios.json"
    sent.write_text(json.dumps({"candidate_id": "sj-only", "sj1": "a", "sj2": "b", "tc1": None}), encoding="utf-8")
    assert main(["score-one", str(sent)]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "answers no statement and no block" in err and "--model reference-2.0" in err
    assert json.loads(out)["model"]["instrument_version"] == "1.2"
    assert main(["score-one", str(sent), "--model", "reference-2.0"]) == EXIT_OK
    assert "answers no statement" not in capsys.readouterr().err  # a model was given: nothing to tell
