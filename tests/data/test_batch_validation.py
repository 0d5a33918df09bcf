"""The vectorized batch validator agrees with the reference rule (coerce_row + the strict schema) row for row."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from profilefit.core.instrument import Instrument, load_instrument, other_version_questions
from profilefit.core.rows import coerce_row
from profilefit.core.schema import DEMOGRAPHIC_FIELDS
from profilefit.core.scoring import Responses
from profilefit.data.batch import RawChunk, _cells, open_source, validate_chunk
from profilefit.data.io import read_assessments
from profilefit.exceptions import ColumnError
from tests.strategies import (
    export_columns,
    export_rows,
    json_records,
)

INSTRUMENT = load_instrument()

# ---- helpers ------------------------------------------------------------------------------


def _write_csv(
    directory: str, columns: list[str], rows: list[list[str]], *, delimiter: str, bom: bool, crlf: bool
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(columns)
    writer.writerows(rows)
    path = Path(directory) / "export.csv"
    path.write_bytes((("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8"))
    return path


def _validate_all(data: Any, instrument: Instrument, *, chunk_size: int) -> tuple[Responses, list[dict[str, Any]]]:
    chunks = [validate_chunk(instrument, raw) for raw in open_source(data, instrument, chunk_size=chunk_size).chunks]
    parts = [chunk.responses for chunk in chunks]
    for part in parts:  # the answer codes the validator attaches are what the answers give
        fresh = Responses(part.instrument, part.candidate_ids, part.items, part.choices, part.checks, part.seconds)
        np.testing.assert_array_equal(part.__dict__["answer_codes"], fresh.answer_codes)
    responses = Responses.concatenate(parts) if parts else Responses.from_records(instrument, [])
    rejects = [record for chunk in chunks for record in chunk.rejects]
    assert sum(chunk.n_read for chunk in chunks) == len(responses) + len({r["row"] for r in rejects})
    return responses, rejects


def _assert_same(actual: Responses, expected: Responses) -> None:
    assert actual.candidate_ids.tolist() == expected.candidate_ids.tolist()
    np.testing.assert_array_equal(actual.items, expected.items)
    np.testing.assert_array_equal(actual.choices, expected.choices)
    np.testing.assert_array_equal(actual.checks, expected.checks)
    np.testing.assert_array_equal(actual.seconds, expected.seconds)
    np.testing.assert_array_equal(actual.blocks, expected.blocks)


def _without_id(rejects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in record.items() if key != "candidate_id"} for record in rejects]


def _fields(instrument: Instrument) -> set[str]:
    return {
        "candidate_id",
        "completion_seconds",
        "schema_version",
        *instrument.item_ids,
        *instrument.scenario_ids,
        *instrument.check_ids,
        *instrument.block_ids,
        # The other shipped version's questions are read too (a row answering one is rejected, naming it).
        *other_version_questions(instrument)[1],
    }


def _as_a_file_reads_it(record: dict[str, Any], instrument: Instrument) -> dict[str, Any]:
    """A JSON object as every file format reads it: keys that are not fields (any case, any padding) left out."""
    folded = {name.casefold() for name in _fields(instrument)}
    return {key: value for key, value in record.items() if key.strip().casefold() in folded}


def _only_field_values(
    rejects: list[dict[str, Any]], records: list[Any], instrument: Instrument
) -> list[dict[str, Any]]:
    """Rejects as a rejects file holds them: a value only where it is the value the row gives a field."""
    fields = _fields(instrument)
    kept = []
    for reject in rejects:
        record = records[reject["row"] - 1]
        present = isinstance(record, dict) and reject["field"] in {str(key).strip() for key in record}
        kept.append(reject if reject["field"] in fields and present else {**reject, "value": None})
    return kept


# ---- properties ---------------------------------------------------------------------------


@given(
    columns=export_columns(INSTRUMENT),
    data=st.data(),
    delimiter=st.sampled_from([";", ","]),
    bom=st.booleans(),
    crlf=st.booleans(),
    chunk_size=st.integers(1, 5),
)
def test_csv_validation_accepts_and_rejects_exactly_what_the_schema_does(
    columns, data, delimiter, bom, crlf, chunk_size
):
    rows = data.draw(export_rows(INSTRUMENT, columns=columns))
    with tempfile.TemporaryDirectory() as directory:
        path = _write_csv(directory, columns, rows, delimiter=delimiter, bom=bom, crlf=crlf)
        expected, _, expected_rejects = read_assessments(path, INSTRUMENT)
        actual, rejects = _validate_all(path, INSTRUMENT, chunk_size=chunk_size)
    _assert_same(actual, expected)
    assert _without_id(rejects) == expected_rejects


@given(records=json_records(INSTRUMENT), chunk_size=st.integers(1, 4))
def test_json_lines_validation_agrees_with_the_schema(records, chunk_size):
    # A JSON Lines file is read as a table is: keys that are not fields are left out before the rule.
    read = [_as_a_file_reads_it(record, INSTRUMENT) for record in records]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
        reference = Path(directory) / "reference.jsonl"
        reference.write_text("".join(json.dumps(record) + "\n" for record in read), encoding="utf-8")
        expected, _, expected_rejects = read_assessments(reference, INSTRUMENT)
        actual, rejects = _validate_all(path, INSTRUMENT, chunk_size=chunk_size)
    _assert_same(actual, expected)
    assert _without_id(rejects) == _only_field_values(expected_rejects, read, INSTRUMENT)


@given(records=json_records(INSTRUMENT), chunk_size=st.integers(1, 4))
def test_dicts_validate_like_the_schema(records, chunk_size):
    # An iterable of dicts takes the same path as JSON Lines, without the JSON round trip.
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
        expected, _, expected_rejects = read_assessments(path, INSTRUMENT)
    actual, rejects = _validate_all(iter(records), INSTRUMENT, chunk_size=chunk_size)
    _assert_same(actual, expected)
    assert _without_id(rejects) == _only_field_values(expected_rejects, records, INSTRUMENT)


def foreign_columns() -> st.SearchStrategy[list[str]]:
    """Columns an export may carry that are not fields: demographics, contact details, misspelt item ids (refused
    when the item's own column is absent)."""
    return st.lists(st.sampled_from(["sex", "Age", "ethnicity", "email", "name", "tc9", "tc 1", "sj 1"]), unique=True)


@given(columns=export_columns(INSTRUMENT), foreign=foreign_columns(), data=st.data())
def test_foreign_columns_are_ignored_named_once_and_change_nothing(columns, foreign, data):
    """Rule: a file with extra columns scores exactly as the file without them, with one note naming them."""
    foreign = [name for name in foreign if name.casefold() not in {c.casefold() for c in columns}]
    rows = data.draw(export_rows(INSTRUMENT, columns=columns, max_rows=4))
    extra = [[data.draw(st.sampled_from(["", "f", "42", "x@y.no"])) for _ in foreign] for _ in rows]
    with tempfile.TemporaryDirectory() as directory:
        wide = _write_csv(
            directory,
            [*columns, *foreign],
            [r + e for r, e in zip(rows, extra, strict=True)],
            delimiter=";",
            bom=True,
            crlf=True,
        )
        questions = {*INSTRUMENT.item_ids, *INSTRUMENT.scenario_ids, *INSTRUMENT.check_ids}
        if not questions & set(columns) and any(name.casefold() not in DEMOGRAPHIC_FIELDS for name in foreign):
            with pytest.raises(ColumnError, match="another instrument"):  # nothing but unknown columns
                open_source(wide, INSTRUMENT)
            return
        from profilefit.data.batch._fields import suggested_field

        statements = [*INSTRUMENT.item_ids, *load_instrument("customer-contact-2.0").block_ids]
        renamed = [name for name in foreign if suggested_field(name, statements, spelling=False)]
        if renamed and not set(INSTRUMENT.item_ids) & set(columns):
            # A column that reads as a statement renamed ('tc 1', 'b1'), and no statement column: refused, naming it.
            with pytest.raises(ColumnError, match="no column answers the statements"):
                open_source(wide, INSTRUMENT)
            return
        own = [*INSTRUMENT.item_ids]
        misspelt = [name for name in foreign if suggested_field(name, own, spelling=False) not in (None, *columns)]
        if misspelt:
            # A statement's column spelt otherwise ('tc 1') while its own name is absent: refused, naming it (it
            # would be unanswered for every row; a trial's fit fell from 55.4 to 51.8 with only a note).
            with pytest.raises(ColumnError, match="look like statements") as refused:
                open_source(wide, INSTRUMENT)
            assert all(repr(name) in str(refused.value) for name in misspelt[:3])
            return
        source = open_source(wide, INSTRUMENT, chunk_size=3)
        validated = [validate_chunk(INSTRUMENT, raw) for raw in source.chunks]
        narrow = Path(directory) / "narrow"
        narrow.mkdir()
        # The reference copy is comma-separated: with a one-column header a semicolon file cannot
        # show its delimiter, while the csv module quotes any cell holding a comma.
        expected, _, expected_rejects = read_assessments(
            _write_csv(str(narrow), columns, rows, delimiter=",", bom=True, crlf=True), INSTRUMENT
        )
    notes = " ".join(source.notes)
    assert all(repr(name) in notes for name in foreign)
    assert len(source.notes) <= 3  # once: matched by case, demographic, unknown
    parts = [chunk.responses for chunk in validated]
    _assert_same(Responses.concatenate(parts) if parts else Responses.from_records(INSTRUMENT, []), expected)
    assert _without_id([r for chunk in validated for r in chunk.rejects]) == expected_rejects


# ---- examples -----------------------------------------------------------------------------


def test_the_whitespace_table_is_what_str_strip_removes():
    wide = re.compile(f"[{_cells._WIDE_SPACES}]")
    everything = [chr(c) for c in range(0x21, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    assert {ch for ch in everything if ch.isspace()} == {ch for ch in everything if wide.fullmatch(ch)}


def test_the_bundled_export_validates_like_the_reference(instrument):
    from profilefit.data.datasets import sample_export_path

    expected, _, _ = read_assessments(sample_export_path(), instrument)
    actual, rejects = _validate_all(sample_export_path(), instrument, chunk_size=150)
    _assert_same(actual, expected)
    assert [(r["row"], r["candidate_id"], r["field"]) for r in rejects] == [
        (401, "cand-0401", "tc1"),
        (402, "cand-0402", "sj1"),
    ]


def test_empty_cells_beyond_the_header_are_nothing_at_every_door(tmp_path):
    """A trial: a tool that ends every data row with a delimiter (and the header without) had every row rejected."""
    from profilefit.core.rows import coerce_row

    actual, rejects, expected_rejects = _read_like_the_csv_module(
        tmp_path, "candidate_id;tc1;tc3\r\nc1;4;5;\r\nc2;4;3; \r\nc3;4;5;x\r\n"
    )
    assert actual.candidate_ids.tolist() == ["c1", "c2"]  # c3's extra cell holds something: its row's problem
    assert (
        [(r["row"], r["field"]) for r in rejects]
        == [(3, "(extra cells)")]
        == [(r["row"], r["field"]) for r in expected_rejects]
    )
    assert "(extra cells)" not in coerce_row(INSTRUMENT, {"candidate_id": "c", "tc1": "4", None: ["", " "]})


def _read_like_the_csv_module(tmp_path, text):
    """A CSV text validated by the batch (in chunks of 2) and by the reference reader: (batch, its rejects, the
    reference's rejects), the two readers' assessments asserted the same."""
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    expected, _, expected_rejects = read_assessments(path, INSTRUMENT)
    actual, rejects = _validate_all(path, INSTRUMENT, chunk_size=2)
    _assert_same(actual, expected)
    return actual, rejects, expected_rejects


def test_a_row_with_too_few_or_too_many_cells_is_read_like_the_csv_module(tmp_path):
    actual, rejects, expected_rejects = _read_like_the_csv_module(
        tmp_path, "candidate_id;tc1;tc3\r\nc1;4;5\r\nc2;4\r\nc3;4;5;6\r\nc4;1;2\r\n"
    )
    assert actual.candidate_ids.tolist() == ["c1", "c2", "c4"]  # a short row leaves the rest unanswered
    assert [(r["row"], r["field"]) for r in rejects] == [(3, "(extra cells)")]
    assert rejects[0]["reason"].startswith("the row has more cells than the header has columns")
    # The cells beyond the header are not copied: they may be anything (a name, an e-mail).
    assert _without_id(rejects) == [{**expected_rejects[0], "value": None}]


def test_quoted_line_breaks_semicolons_and_nordic_letters_survive(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_bytes('\ufeffcandidate_id;tc1;completion_seconds\r\n"Åse; Ø";4;"12,5"\r\n"two\r\nlines";5;\r\n'.encode())
    expected, _, expected_rejects = read_assessments(path, INSTRUMENT)
    actual, rejects = _validate_all(path, INSTRUMENT, chunk_size=10)
    _assert_same(actual, expected)
    assert actual.candidate_ids.tolist() == ["Åse; Ø"]
    assert actual.seconds[0] == 12.5
    assert _without_id(rejects) == expected_rejects


def test_an_unknown_column_is_ignored_and_named_once_with_a_suggestion(tmp_path):
    path = tmp_path / "typo.csv"
    path.write_text("candidate_id;tc1;tc3;tcl3;email\nc1;4;2;5;a@b.no\n", encoding="utf-8")
    source = open_source(path, INSTRUMENT)
    (note,) = source.notes
    assert "'tcl3' (did you mean 'tc3'?), 'email' are not fields" in note and "--ignore-column" in note
    actual, rejects = _validate_all(path, INSTRUMENT, chunk_size=10)
    assert actual.candidate_ids.tolist() == ["c1"] and rejects == []
    assert open_source(path, INSTRUMENT, ignore_columns=["TCL3", "email"]).notes == ()
    # Without tc3's own column, 'tcl3' would leave tc3 unanswered for every row: the export is refused.
    alone = tmp_path / "alone.csv"
    alone.write_text("candidate_id;tc1;tcl3;email\nc1;4;5;a@b.no\n", encoding="utf-8")
    with pytest.raises(ColumnError, match=r"'tcl3' \(read as 'tc3'\?\) look like statements"):
        open_source(alone, INSTRUMENT)
    assert open_source(alone, INSTRUMENT, ignore_columns=["tcl3", "email"]).notes == ()


def test_a_long_list_of_unknown_columns_is_capped(tmp_path):
    path = tmp_path / "wide.csv"
    names = [f"extra{k}" for k in range(100_000)]
    path.write_text("candidate_id;tc1;" + ";".join(names) + "\nc1;4" + ";" * len(names) + "\n", encoding="utf-8")
    (note,) = open_source(path, INSTRUMENT).notes
    assert "'extra9' and 99,990 more are not fields" in note and len(note) < 400
    actual, _ = _validate_all(path, INSTRUMENT, chunk_size=10)
    assert actual.candidate_ids.tolist() == ["c1"]


def test_a_demographic_column_is_never_read_and_the_note_says_where_it_belongs(tmp_path):
    path = tmp_path / "demographics.csv"
    path.write_text("candidate_id;tc1;Sex\nc1;4;f\n", encoding="utf-8")
    source = open_source(path, INSTRUMENT)
    assert any("'Sex' look like demographics and were not read" in note and "audit" in note for note in source.notes)
    chunks = list(source.chunks)
    assert [name for chunk in chunks for name, _ in chunk.columns] == ["candidate_id", "tc1"]


def test_header_names_match_without_case_with_one_note(tmp_path):
    path = tmp_path / "upper.csv"
    path.write_text("Candidate_ID;TC1;Tc3;SJ1\nc1;4;5;B\n", encoding="utf-8")
    source = open_source(path, INSTRUMENT)
    assert source.notes == (
        f"{path}: column name(s) 'Candidate_ID', 'TC1', 'Tc3', 'SJ1' matched their fields without regard to case",
    )
    actual, rejects = _validate_all(path, INSTRUMENT, chunk_size=10)
    columns = [INSTRUMENT.item_ids.index("tc1"), INSTRUMENT.item_ids.index("tc3")]
    assert rejects == [] and actual.items[0, columns].tolist() == [4.0, 5.0] and actual.choices[0, 0] == 1


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("tc1;tc2", "no candidate_id column"),
        ("candidate_id;tc1; tc1 ", "'tc1' appear more than once"),
        ("candidate_id;tc1;TC1", "'tc1' appear more than once"),
    ],
)
def test_header_problems_are_file_level(tmp_path, header, message):
    path = tmp_path / "header.csv"
    path.write_text(header + "\n", encoding="utf-8")
    with pytest.raises(ColumnError, match=message):
        open_source(path, INSTRUMENT)


def test_a_trailing_delimiter_column_is_harmless_until_it_holds_a_value(tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text("candidate_id;tc1;\nc1;4;\nc2;5;oops\n", encoding="utf-8")
    expected, _, expected_rejects = read_assessments(path, INSTRUMENT)
    actual, rejects = _validate_all(path, INSTRUMENT, chunk_size=10)
    _assert_same(actual, expected)
    assert [r["row"] for r in rejects] == [2]
    # A cell under no name is not copied to the rejects: it could hold anything.
    assert _without_id(rejects) == [{**expected_rejects[0], "value": None}]


def test_json_lines_bad_lines_are_rejected_not_fatal(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"candidate_id": "c1", "tc1": 4}\n\n[1, 2]\n{not json\n{"candidate_id": "c2", "sj1": "b"}\n', encoding="utf-8"
    )
    actual, rejects = _validate_all(path, INSTRUMENT, chunk_size=2)
    assert actual.candidate_ids.tolist() == ["c1", "c2"]
    # Named by their lines in the file, the blank line counted (as an editor numbers them).
    assert [(r["row"], r["field"]) for r in rejects] == [(3, "(line)"), (4, "(line)")]
    assert "expected a JSON object" in rejects[0]["reason"] and "not valid JSON" in rejects[1]["reason"]


def test_table_rules_floats_with_gaps_and_numeric_ids(instrument):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "candidate_id": [101, 102, 103, 104],
            "tc1": [4.0, np.nan, 4.5, 7.0],
            "sj1": ["a", None, "B", "a"],
            "completion_seconds": [600.0, np.nan, 1.5, 10.0],
            "tc3": [5, 5, 5, 5],  # 102 answers something besides its gaps (a row answering nothing is refused)
        }
    )
    actual, rejects = _validate_all(frame, instrument, chunk_size=3)
    assert actual.candidate_ids.tolist() == ["101", "102"]
    np.testing.assert_array_equal(actual.items[:, 0], [4.0, np.nan])
    assert actual.choices[:, 0].tolist() == [0, -1]
    assert [(r["row"], r["field"], r["value"]) for r in rejects] == [(3, "tc1", 4.5), (4, "tc1", 7)]


def test_mixed_type_columns_are_checked_cell_by_cell(instrument):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"candidate_id": ["c1", "c2", "c3"], "tc1": [4, "5", True]}, dtype=object)
    actual, rejects = _validate_all(frame, instrument, chunk_size=10)
    assert actual.candidate_ids.tolist() == ["c1", "c2"]
    np.testing.assert_array_equal(actual.items[:, 0], [4.0, 5.0])
    assert [(r["row"], r["field"], r["value"]) for r in rejects] == [(3, "tc1", True)]


def test_raw_chunks_from_records_keep_absent_keys_as_none():
    chunk = RawChunk.from_records([{"a": 1}, {"b": "x"}], first_row=1, tabular=False)
    assert [(name, list(column.to_pylist())) for name, column in chunk.columns] == [
        ("a", [1, None]),
        ("b", [None, "x"]),
    ]


def test_an_export_of_another_instrument_points_to_training_on_it(tmp_path, custom_instrument):
    path = tmp_path / "acme.csv"
    path.write_text("candidate_id;calm1;calm2;drive1\nacme-1;4;5;2\n", encoding="utf-8")
    with pytest.raises(ColumnError, match=r"no column is a question of instrument customer-contact.*--instrument FILE"):
        open_source(path, INSTRUMENT)
    assert [chunk.n_rows for chunk in open_source(path, custom_instrument).chunks] == [1]


INSTRUMENT_2 = load_instrument("customer-contact-2.0")


@given(
    value=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=6).filter(
        lambda v: v.strip() != "" and v.strip().lower() not in {"ab", "ac", "ba", "bc", "ca", "cb"}
    ),
    field=st.sampled_from(["b05", "sj3"]),
)
def test_a_refused_letter_answer_is_named_as_written_not_lower_cased(value, field):
    """Property: in a block or scenario column, the reject names the value as the file has it (no case change)."""
    scenario = INSTRUMENT_2.scenarios[2]
    if field == "sj3" and value.strip().lower() in {o.id for o in scenario.options}:
        return
    typed = coerce_row(INSTRUMENT_2, {"candidate_id": "c1", field: value})
    assert typed[field] == value.strip()


def test_block_and_option_letters_are_read_in_either_case():
    typed = coerce_row(INSTRUMENT_2, {"candidate_id": "c1", "b01": " AC ", "b02": "Ba", "sj1": "D"})
    assert (typed["b01"], typed["b02"], typed["sj1"]) == ("ac", "ba", "d")


@pytest.mark.parametrize(
    ("model_instrument", "columns", "named", "model"),
    [
        ("customer-contact", ["candidate_id", "b01", "b02", "sj1", "SJ2"], "'b01', 'b02'", "reference-2.0"),
        ("customer-contact-2.0", ["candidate_id", "tc1", "TC3", "sj1"], "'tc1', 'TC3'", "--model reference;"),
    ],
)
def test_the_other_built_in_instrument_s_export_is_refused_naming_the_model_to_use(
    model_instrument, columns, named, model
):
    """They share the scenario and check ids: read with the wrong model, every row would score no scale."""
    from profilefit.core.instrument import load_instrument
    from profilefit.data.batch._fields import read_header
    from profilefit.exceptions import ColumnError

    with pytest.raises(ColumnError, match="no column answers the statements") as caught:
        read_header(load_instrument(model_instrument), columns, source="export.csv")
    assert named in str(caught.value) and model in str(caught.value)
    # With one statement of its own the export is read (the others are noted as not fields).
    own = "tc1" if model_instrument == "customer-contact" else "b01"
    read_header(load_instrument(model_instrument), [*columns, own], source="export.csv")


def test_an_export_with_some_question_columns_left_out_says_which_ones():
    """Each candidate then counts as leaving those questions unanswered: a column cut out of an export is named."""
    from profilefit.core.instrument import load_instrument
    from profilefit.data.batch._fields import read_header

    instrument = load_instrument("customer-contact-2.0")
    full = ["candidate_id", *instrument.block_ids, *instrument.scenario_ids]
    assert not [note for note in read_header(instrument, full, source="e.csv").notes if "no column" in note]
    cut = [name for name in full if name not in ("b01", "b02", "sj3")]
    (note,) = [note for note in read_header(instrument, cut, source="e.csv").notes if "no column" in note]
    assert "3 of the instrument's 34 questions have no column ('b01', 'b02', 'sj3')" in note
    # A small export that answers a few questions on purpose gets no such note.
    few = ["candidate_id", "b01", "b02", "sj1"]
    assert not [note for note in read_header(instrument, few, source="e.csv").notes if "no column" in note]


def test_a_question_column_left_out_on_purpose_gets_no_note():
    from profilefit.core.instrument import load_instrument
    from profilefit.data.batch._fields import read_header

    instrument = load_instrument("customer-contact-2.0")
    names = ["candidate_id", *instrument.block_ids, *instrument.scenario_ids]
    notes = read_header(instrument, names, ignore_columns=iter(["B02"]), source="e.csv").notes
    assert not [note for note in notes if "no column" in note]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(" \t\x7f\x85\x9f\xa0\u200b\u200e\u2028\u2029\u2060\ufeff\u202a\u202e\u2066\u2069ab"),
            st.characters(blacklist_categories=("Cs",)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_property_an_id_the_fast_paths_accept_the_schema_accepts_as_it_is(text):
    """Rule: the batch's id shortcut (Python and pyarrow's RE2 alike) is a subset of the schema's rule, and an
    id with a control character, a text-direction control, a line separator, or nothing but spaces and invisible
    characters is refused."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from profilefit.core.schema import assessment_model

    model = assessment_model()
    try:
        accepted = model.model_validate({"candidate_id": text, "tc1": 4}).candidate_id == text
    except ValidationError:
        accepted = False
    fast = _cells._safe_id(text)
    arrow = pc.match_substring_regex(pa.array([text]), _cells._SAFE_ID_RE2).to_pylist()[0]
    assert fast == arrow, (text, fast, arrow)
    if fast:
        assert accepted, text
    directions = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    controls = any(0 <= ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in "\u2028\u2029" + directions for ch in text)
    if controls:
        assert not accepted, text


@pytest.mark.parametrize(
    ("rename", "means"), [("block_{k:02d}", "b{k:02d}"), ("Block {k}", "b{k:02d}"), ("b{k}", "b{k:02d}")]
)
def test_renamed_statement_columns_are_named_with_the_field_they_mean(tmp_path, rename, means):
    """A trial: block_01…block_24 were scored as blanks with exit 0; b1…b9 got "did you mean 'b21'?"."""
    from profilefit.data.batch._fields import suggested_field

    instrument = load_instrument("customer-contact-2.0")
    for k in (1, 9, 24):
        assert suggested_field(rename.format(k=k), list(instrument.block_ids)) == means.format(k=k)
    header = ["candidate_id", *(rename.format(k=k) for k in range(1, 25)), *instrument.scenario_ids]
    path = tmp_path / "renamed.csv"
    path.write_text(";".join(header) + "\r\nc1;" + ";".join(["ab"] * 24 + ["a"] * 10) + "\r\n", encoding="utf-8")
    if rename == "b{k}":  # b10…b24 are the fields' own names, b1…b9 look like b01…b09, which no column answers
        with pytest.raises(ColumnError, match=r"'b1' \(read as 'b01'\?\)"):
            open_source(path, instrument)
        return
    with pytest.raises(ColumnError, match=r"no column answers the statements .* \(did you mean 'b01'\?\)"):
        open_source(path, instrument)


@settings(deadline=None)
@given(
    columns=export_columns(INSTRUMENT),
    data=st.data(),
    chunk_size=st.integers(1, 5),
)
def test_property_every_row_is_scored_or_rejected_and_a_row_answering_nothing_is_rejected(columns, data, chunk_size):
    """Nothing is dropped silently: each row is in the results or the rejects, never both, never neither.

    Some rows are blanked in every answer (a spreadsheet's total row): those are rejects naming the row.
    """
    from profilefit.core.schema import NO_ANSWERS

    rows = data.draw(export_rows(INSTRUMENT, columns=columns))
    answer_columns = [k for k, name in enumerate(columns) if name not in ("candidate_id", "completion_seconds")]
    blanked = set()
    for number, row in enumerate(rows, start=1):
        if data.draw(st.booleans()):
            for k in answer_columns:
                row[k] = data.draw(st.sampled_from(["", " "]))
            blanked.add(number)
    with tempfile.TemporaryDirectory() as directory:
        path = _write_csv(directory, columns, rows, delimiter=";", bom=False, crlf=False)
        chunks = [
            validate_chunk(INSTRUMENT, raw) for raw in open_source(path, INSTRUMENT, chunk_size=chunk_size).chunks
        ]
    scored = [int(row) for chunk in chunks for row in chunk.rows]
    rejected = {record["row"] for chunk in chunks for record in chunk.rejects}
    assert sorted(scored + sorted(rejected)) == list(range(1, len(rows) + 1))
    assert blanked <= rejected
    no_answers = {r["row"] for chunk in chunks for r in chunk.rejects if r["reason"] == NO_ANSWERS}
    for record in (r for chunk in chunks for r in chunk.rejects if r["reason"] == NO_ANSWERS):
        assert record["field"] == "(assessment)" and record["value"] is None
    # A blanked row with a sound id and time has that one problem; any other row that answers nothing has it too.
    assert no_answers <= blanked | {
        n for n, row in enumerate(rows, start=1) if not any(row[k].strip() for k in answer_columns)
    }


def test_a_total_row_with_every_answer_empty_is_a_reject_naming_the_row(tmp_path, capsys):
    """The trial: a spreadsheet's "Totaal" row (every answer empty) got a fit score of 8.4 and reached the shortlist."""
    from profilefit.apps.cli import main
    from profilefit.core.schema import NO_ANSWERS

    export = tmp_path / "export.csv"
    export.write_text("candidate_id;tc1;tc3\ncand-1;4;5\nTotaal;;\n", encoding="utf-8")
    assert main(["score", str(export), "-o", str(tmp_path / "results.csv"), "--no-progress"]) == 1
    results = (tmp_path / "results.csv").read_text(encoding="utf-8")
    assert "cand-1" in results and "Totaal" not in results
    rejects = list(csv.DictReader(io.StringIO((tmp_path / "results.rejects.csv").read_text(encoding="utf-8"))))
    assert rejects == [
        {"row": "2", "candidate_id": "Totaal", "field": "(assessment)", "value": "", "reason": NO_ANSWERS}
    ]
    assert "2 rows read: 1 scored, 1 rejected" in capsys.readouterr().out


def test_a_rejected_value_is_echoed_as_the_export_writes_it(tmp_path):
    """A trial: a rejected decimal-comma time `-12,0` was echoed `-12.0`, which the export does not hold."""
    path = tmp_path / "export.csv"
    path.write_text("candidate_id;tc1;completion_seconds\nc1;4.0;-12,0\nc2;9;1e400\nc3;4;600,5\n", encoding="utf-8")
    actual, rejects = _validate_all(path, INSTRUMENT, chunk_size=2)
    assert actual.candidate_ids.tolist() == ["c3"]
    assert [(r["row"], r["field"], r["value"]) for r in rejects] == [
        (1, "completion_seconds", "-12,0"),
        (2, "completion_seconds", "1e400"),
        (2, "tc1", 9),  # written as it reads: the number the schema checked
    ]
