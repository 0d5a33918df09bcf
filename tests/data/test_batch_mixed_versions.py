"""Exports that carry questions of the other instrument version, rows named as the user sees them, repeated keys."""

from __future__ import annotations

import csv
import json
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.core.instrument import load_instrument, other_version_questions
from profilefit.core.screening import Screener
from profilefit.exceptions import InputWarning

pytest.importorskip("pyarrow")
pytest.importorskip("pandas")

from profilefit.data.batch import score_batch

FORCED_CHOICE = load_instrument("customer-contact-2.0")
AGREEMENT = load_instrument()


@pytest.fixture(scope="module")
def screeners() -> dict[str, Screener]:
    return {"2.0": Screener.load("reference-2.0"), "1.2": Screener.load("reference")}


def _score(screener: Screener, path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        batch = score_batch(screener, path, chunk_size=3)
    return batch.results["candidate_id"].astype(str).tolist(), batch.rejects.astype(str).to_dict("records")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    version=st.sampled_from(["2.0", "1.2"]),
    data=st.data(),
)
def test_every_row_of_a_mixed_header_is_scored_or_rejected_naming_the_stray_question(screeners, version, data):
    """Property: every input row is in the results or the rejects; a row answering a question of the other
    version is rejected naming that question, its value and its version; one leaving them empty is not."""
    own = FORCED_CHOICE if version == "2.0" else AGREEMENT
    other_version, others = other_version_questions(own)
    stray = data.draw(st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True))
    answers = ["ac", "ba", "cb"] if version == "2.0" else ["4", "2", "6"]
    stray_answers = ["4", "5"] if version == "2.0" else ["ac", "bc"]
    n = data.draw(st.integers(1, 8))
    filled = [data.draw(st.lists(st.booleans(), min_size=len(stray), max_size=len(stray))) for _ in range(n)]
    header = ["candidate_id", *(own.block_ids or own.item_ids)[:6], *stray, "sj1"]
    lines = [";".join(header)]
    for k, row in enumerate(filled):
        cells = [f"c{k}", *(answers[j % 3] for j in range(6))]
        cells += [stray_answers[j % 2] if on else "" for j, on in enumerate(row)]
        lines.append(";".join([*cells, "b"]))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        scored, rejects = _score(screeners[version], path)
    rejected = {reject["candidate_id"] for reject in rejects}
    assert len(scored) + len(rejected) == n and not set(scored) & rejected
    for k, row in enumerate(filled):
        expected = {
            (question, stray_answers[j % 2]) for j, (question, on) in enumerate(zip(stray, row, strict=True)) if on
        }
        named = {(r["field"], r["value"]) for r in rejects if r["candidate_id"] == f"c{k}"}
        assert named == expected
    assert all(f"question of instrument customer-contact {other_version}" in r["reason"] for r in rejects)


def test_json_lines_rejects_name_the_line_blank_lines_counted(screeners, tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text(
        '{"candidate_id": "c1", "b01": "ac"}\n\n\n{"candidate_id": "c2", "b01": "zz"}\n'
        '{"candidate_id": "c3", "b01": "ac", "b01": "ba"}\n  \n{"candidate_id": "c4", "b01": "ab", "tc1": 4}\n',
        encoding="utf-8",
    )
    scored, rejects = _score(screeners["2.0"], path)
    assert scored == ["c1"]
    assert [(r["row"], r["candidate_id"], r["field"]) for r in rejects] == [
        ("4", "c2", "b01"),
        ("5", "c3", "b01"),
        ("7", "c4", "tc1"),
    ]


def test_a_repeated_key_names_its_field_and_values_at_every_door(screeners, tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"candidate_id": "c1", "b01": "ac", "b01": "ba", "email": "a@b", "email": "c@d"}\n')
    _, rejects = _score(screeners["2.0"], path)
    assert [(r["row"], r["candidate_id"], r["field"], r["value"]) for r in rejects] == [
        ("1", "c1", "b01", '["ac", "ba"]')
    ]
    assert "appears more than once" in rejects[0]["reason"]
    path.write_text('{"candidate_id": "c1", "b02": "ac", "email": "a@b", "email": "c@d"}\n')
    _, rejects = _score(screeners["2.0"], path)
    # Not a field: the row is rejected naming the key, and its values (personal data, maybe) are not copied.
    assert [r["field"] for r in rejects] == ["email"] and str(rejects[0]["value"]) in ("None", "nan")
    from pydantic import ValidationError

    from profilefit.core.schema import describe_errors

    with pytest.raises(ValidationError) as caught:
        screeners["2.0"].score('{"candidate_id": "c1", "b01": "ac", "b01": "ba"}')
    assert [(p["field"], p["value"]) for p in describe_errors(caught.value)] == [("b01", '["ac", "ba"]')]


def test_workbook_rejects_name_the_sheet_row_header_and_blank_rows_counted(screeners, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    for above, title in ((0, False), (2, False), (0, True)):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        if title:
            sheet.append(["Export 2026"])
        for _ in range(above):
            sheet.append([])
        sheet.append(["candidate_id", "tc1", "tc7"])
        header_at = sheet.max_row
        for row in (["c1", 4, 5], [], ["c2", 9, 5], ["c3", "x", 5]):
            sheet.append(row)
        path = tmp_path / f"export-{above}-{title}.xlsx"
        workbook.save(path)
        scored, rejects = _score(screeners["1.2"], path)
        assert scored == ["c1"]
        assert [(r["row"], r["candidate_id"]) for r in rejects] == [
            (str(header_at + 3), "c2"),
            (str(header_at + 4), "c3"),
        ], (above, title)


def test_score_one_names_the_stray_fields_not_the_blocks(tmp_path, capsys):
    from profilefit.apps.cli import main

    record = {"candidate_id": "c1", **dict.fromkeys(FORCED_CHOICE.block_ids, "ac"), "tc1": 4, "tc4": 5, "sj1": "b"}
    path = tmp_path / "one.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    assert main(["score-one", str(path)]) == 2
    err = capsys.readouterr().err
    assert "answers instrument 2.0 mostly" in err
    assert "field tc1: value 4" in err and "field tc4: value 5" in err and "field b01" not in err


def test_json_lines_not_in_utf8_get_the_note_csv_gets(tmp_path, capsys):
    from profilefit.apps.cli import main

    path = tmp_path / "export.jsonl"
    path.write_bytes('{"candidate_id": "José", "tc1": 4}\n{"candidate_id": "ok", "tc1": 4}\n'.encode("cp1252"))
    assert main(["score", str(path), "-o", str(tmp_path / "r.csv"), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "1 row(s) are not UTF-8 text (the first at line 1) and were rejected" in err
    assert "--encoding cp1252" in err


@pytest.mark.parametrize("chunk_size", ["1", "1000"])
def test_a_whole_number_cell_of_a_workbook_is_echoed_as_the_csv_row_echoes_it(tmp_path, chunk_size):
    """A trial: a workbook's reject echoed the integer cell 4 as ``4.0`` where the same row in CSV gives ``4``."""
    openpyxl = pytest.importorskip("openpyxl")
    from profilefit.apps.cli import main

    blocks = len(FORCED_CHOICE.block_ids)
    header = ["candidate_id", *FORCED_CHOICE.block_ids, "tc1"]
    rows = [
        ["c1", *["ac"] * blocks, 4],  # a question of 1.2: rejected, naming its value
        ["c2", 7, *["ba"] * (blocks - 1), None],  # a block answered with a number
        ["c3", *["cb"] * blocks, 2.5],
    ]
    workbook = openpyxl.Workbook()
    for row in [header, *rows]:
        workbook.active.append(row)
    workbook.save(tmp_path / "book.xlsx")
    lines = [",".join("" if cell is None else str(cell) for cell in row) for row in [header, *rows]]
    (tmp_path / "table.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    echoed = {}
    for name in ("book.xlsx", "table.csv"):
        out = tmp_path / f"{name}.results.csv"
        assert main(["score", str(tmp_path / name), "-o", str(out), "--chunk-size", chunk_size, "--no-progress"]) == 5
        with out.with_name(f"{name}.results.rejects.csv").open(encoding="utf-8", newline="") as stream:
            echoed[name] = [(row["candidate_id"], row["field"], row["value"]) for row in csv.DictReader(stream)]
    assert echoed["book.xlsx"] == [("c1", "tc1", "4"), ("c2", "b01", "7"), ("c3", "tc1", "2.5")]
    assert echoed["book.xlsx"] == echoed["table.csv"]
