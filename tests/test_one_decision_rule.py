"""One decision rule: every door (Screener.score, score_many, score_batch, the CLI, every file format)
decides the same row the same way, with the same problems in the same order."""

from __future__ import annotations

import json
import math
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from profilefit.apps.cli import main
from profilefit.core.schema import describe_errors
from profilefit.data.batch import score_batch

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
openpyxl = pytest.importorskip("openpyxl")

BASE = {"candidate_id": "c5", "tc3": 3, "sj2": "a"}

# (what the row holds, what the one rule reads it as: None = refused)
SPELLINGS = [
    ({"tc1": 4}, {"tc1": 4}),
    ({"tc1": "4"}, {"tc1": 4}),
    ({"tc1": " 4 "}, {"tc1": 4}),
    ({"tc1": 2.0}, {"tc1": 2}),
    ({"tc1": "2.0"}, {"tc1": 2}),
    ({"tc1": "+2"}, {"tc1": 2}),
    ({"tc1": float("nan")}, {}),
    ({"sj1": "B"}, {"sj1": "b"}),
    ({"sj1": " b "}, {"sj1": "b"}),
    ({"completion_seconds": "525,8"}, {"completion_seconds": 525.8}),
    ({" tc1": 4}, {"tc1": 4}),
    ({"candidate_id": " c5 "}, {}),
    ({"candidate_id": 101}, {"candidate_id": "101"}),
    ({"tc1": 2.5}, None),
    ({"tc1": "2.5"}, None),
    ({"tc1": "2,0"}, None),
    ({"tc1": 7}, None),
    ({"tc1": True}, None),
    ({"sj1": "e"}, None),
    ({"tc1": 4, " tc1": 5}, None),
    # Completion time: finite and not negative (a NaN *cell* is an empty cell, as pandas writes one).
    ({"completion_seconds": float("nan")}, {}),
    ({"completion_seconds": float("-inf")}, None),
    ({"completion_seconds": float("inf")}, None),
    ({"completion_seconds": -1.0}, None),
    ({"completion_seconds": "-Infinity"}, None),
    ({"completion_seconds": "NaN"}, None),
    ({"completion_seconds": "inf"}, None),
    # Numbers in ASCII digits only (docs/schema.md): Arabic-Indic and full-width digits are refused.
    ({"tc1": "٤"}, None),
    ({"tc1": "４"}, None),
    ({"tc1": "+４"}, None),
    ({"completion_seconds": "٣٠٠"}, None),
    ({"completion_seconds": "３００,５"}, None),
]

SECONDS_REASON = (
    "allowed: a finite number of seconds from 0 to 86400 (digits 0-9, a decimal point or comma), "
    "or empty when not reported"
)
ANSWER_REASON = "allowed: a whole number from 1 to 6, or empty when unanswered"


def _decisions(screener, row: dict[str, Any]) -> dict[str, Any]:
    """How each door decides ``row``: the result's probabilities, or the problems as (field, reason)."""
    out: dict[str, Any] = {}
    try:
        result = screener.score(row)
        out["score"] = (result.candidate_id, result.probabilities)
    except ValidationError as error:
        out["score"] = [(p["field"], p["reason"]) for p in describe_errors(error, screener.instrument)]
    try:
        result = screener.score_many([row])[0]
        out["score_many"] = (result.candidate_id, result.probabilities)
    except ValidationError as error:
        out["score_many"] = [(p["field"], p["reason"]) for p in describe_errors(error, screener.instrument)]
    batch = score_batch(screener, [row], output="results")
    if batch.results:
        out["score_batch"] = (batch.results[0].candidate_id, batch.results[0].probabilities)
    else:
        out["score_batch"] = list(zip(batch.rejects["field"], batch.rejects["reason"], strict=True))
    return out


@pytest.mark.parametrize(("spelling", "reading"), SPELLINGS, ids=[repr(s) for s, _ in SPELLINGS])
def test_every_python_door_decides_a_spelling_the_same_way(screener, spelling, reading):
    row = {**BASE, **spelling}
    decisions = _decisions(screener, row)
    assert decisions["score"] == decisions["score_many"] == decisions["score_batch"], decisions
    if reading is None:
        assert isinstance(decisions["score"], list) and decisions["score"]
    else:
        expected = screener.score({**BASE, **reading})
        assert decisions["score"] == (expected.candidate_id, expected.probabilities)


def test_json_text_with_a_repeated_key_is_refused_by_every_door(screener, tmp_path, capsys):
    text = '{"candidate_id": "c1", "tc1": 1, "tc1": 6}'
    with pytest.raises(ValidationError, match="key 'tc1' appears more than once"):
        screener.score(text)
    batch = score_batch(screener, [text])
    assert batch.rejects["reason"].tolist() == ["key 'tc1' appears more than once in this object"]
    one = tmp_path / "one.json"
    one.write_text(text, encoding="utf-8")
    assert main(["score-one", str(one)]) == 2
    assert "key 'tc1' appears more than once" in capsys.readouterr().err


def test_all_problems_of_a_row_are_named_in_a_fixed_order(screener):
    """Demographic keys first, in the order given; then fields in the instrument's order; then unknown keys."""
    row = {"zzz": 1, "tc3": 9, "gender": "f", "candidate_id": "c1", "tc1": "x" * 500, "age": 40, "sj1": "q"}
    with pytest.raises(ValidationError) as caught:
        screener.score(row)
    problems = describe_errors(caught.value, screener.instrument)
    assert [p["field"] for p in problems] == ["gender", "age", "tc1", "tc3", "sj1", "zzz"]
    assert problems[2]["value"].endswith("… (500 characters)") and len(problems[2]["value"]) < 100
    batch = score_batch(screener, [row])
    assert batch.rejects[["field", "reason"]].to_dict("records") == [
        {"field": p["field"], "reason": p["reason"]} for p in problems
    ]


def test_a_data_frame_and_its_records_are_decided_alike(screener):
    """pandas stores an integer column with gaps as floats and ids as ints; to_dict('records') keeps both."""
    frame = pd.DataFrame({"candidate_id": [101, 102, 103], "tc1": [4.0, float("nan"), 2.5], "tc3": [1.0, 2.0, 3.0]})
    from_frame = score_batch(screener, frame)
    from_records = score_batch(screener, frame.to_dict("records"))
    pd.testing.assert_frame_equal(from_frame.results, from_records.results)
    pd.testing.assert_frame_equal(from_frame.rejects, from_records.rejects)
    assert from_frame.results["candidate_id"].tolist() == ["101", "102"]
    assert from_frame.rejects[["row", "field"]].values.tolist() == [[3, "tc1"]]


# ---- the property: every format -------------------------------------------------------------

ANSWER_COLUMNS = ("tc1", "tc3", "chk1")
MISSING = object()


@st.composite
def columns_of_one_kind(draw: st.DrawFn, rows: int) -> dict[str, tuple[str, list[Any]]]:
    """Columns as exports type them: each column is whole numbers, floats or text, with gaps."""
    columns: dict[str, tuple[str, list[Any]]] = {}
    id_kind = draw(st.sampled_from(["text", "int"]))
    ids = draw(st.lists(st.integers(1, 6), min_size=rows, max_size=rows))  # repeats test the duplicate rule too
    columns["candidate_id"] = (id_kind, [f" c{k} " if k == 5 else f"c{k}" for k in ids] if id_kind == "text" else ids)
    for name in ANSWER_COLUMNS:
        kind = draw(st.sampled_from(["int", "float", "text"]))
        cell = {
            "int": st.one_of(st.integers(0, 7), st.just(MISSING)),
            "float": st.one_of(st.sampled_from([1.0, 4.0, 6.0, 2.5, 7.0]), st.just(MISSING)),
            "text": st.one_of(
                st.sampled_from(["4", " 5 ", "2.0", "2.5", "x", "+3", "06", "", "٤", "４"]), st.just(MISSING)
            ),
        }[kind]
        columns[name] = (kind, draw(st.lists(cell, min_size=rows, max_size=rows)))
    letters = st.one_of(st.sampled_from(["a", "B", " c ", "e", ""]), st.just(MISSING))
    columns["sj1"] = ("text", draw(st.lists(letters, min_size=rows, max_size=rows)))
    seconds_kind = draw(st.sampled_from(["float", "text"]))
    seconds = {
        "float": st.one_of(st.sampled_from([300.0, 525.8, -1.0]), st.just(MISSING)),
        "text": st.one_of(
            st.sampled_from(["300", "525,8", "525.8", "-1", "abc", "-inf", "Infinity", "NaN", "３００", "٣٠٠"]),
            st.just(MISSING),
        ),
    }[seconds_kind]
    columns["completion_seconds"] = (seconds_kind, draw(st.lists(seconds, min_size=rows, max_size=rows)))
    return columns


def _cell(kind: str, value: Any, *, missing: Any) -> Any:
    if value is MISSING:
        return missing
    return value


def _as_frame(columns: dict[str, tuple[str, list[Any]]]) -> Any:
    data = {}
    for name, (kind, values) in columns.items():
        gap = None if kind == "text" else float("nan")
        data[name] = pd.Series([_cell(kind, v, missing=gap) for v in values], dtype=object if kind == "text" else None)
    return pd.DataFrame(data)


def _write_all(columns: dict[str, tuple[str, list[Any]]], folder: Path) -> dict[str, Any]:
    names = list(columns)
    n = len(next(iter(columns.values()))[1])
    frame = _as_frame(columns)
    records = [{name: columns[name][1][k] for name in names if columns[name][1][k] is not MISSING} for k in range(n)]
    csv_path = folder / "export.csv"
    lines = [";".join(names)]
    for k in range(n):
        lines.append(";".join("" if columns[c][1][k] is MISSING else str(columns[c][1][k]) for c in names))
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    jsonl_path = folder / "export.jsonl"
    jsonl_path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    parquet_path = folder / "export.parquet"
    frame.to_parquet(parquet_path)
    xlsx_path = folder / "export.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(names)
    for k in range(n):
        sheet.append([None if columns[c][1][k] is MISSING else columns[c][1][k] for c in names])
    workbook.save(xlsx_path)
    return {
        "dicts": records,
        "frame": frame,
        "frame records": frame.to_dict("records"),
        "csv": csv_path,
        "jsonl": jsonl_path,
        "parquet": parquet_path,
        "xlsx": xlsx_path,
    }


def _outcome(screener, data: Any) -> tuple[list[Any], list[tuple[int, str, str]]]:
    batch = score_batch(screener, data)
    results = batch.results.drop(columns=["model_id"]).to_dict("records")
    rejects = [
        (int(r), str(f), str(why))
        for r, f, why in zip(*(batch.rejects[c] for c in ("row", "field", "reason")), strict=True)
    ]
    return results, rejects


def _same(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> bool:
    def key(value: Any) -> Any:
        return None if isinstance(value, float) and math.isnan(value) else value

    return [{k: key(v) for k, v in row.items()} for row in first] == [
        {k: key(v) for k, v in row.items()} for row in second
    ]


@settings(max_examples=25)
@given(data=st.data(), rows=st.integers(1, 5))
def test_any_row_gets_the_same_decision_as_a_dict_a_frame_csv_jsonl_parquet_and_xlsx(screener, data, rows):
    """Rule: one row, written in any format, is scored with the same numbers or rejected for the same reasons."""
    columns = data.draw(columns_of_one_kind(rows))
    with tempfile.TemporaryDirectory() as folder:
        sources = _write_all(columns, Path(folder))
        outcomes = {name: _outcome(screener, source) for name, source in sources.items()}
        # A workbook names a row by its sheet row, the header on row 1 above it: one further down.
        results, rejects = outcomes["xlsx"]
        named = re.compile(r"\brow ([0-9]+) has the same id")  # the first row of a repeated id, likewise

        def up(why: str) -> str:
            return named.sub(lambda m: f"row {int(m.group(1)) - 1} has the same id", why)

        outcomes["xlsx"] = (results, [(row - 1, field, up(why)) for row, field, why in rejects])
    reference_results, reference_rejects = outcomes["dicts"]
    for name, (results, rejects) in outcomes.items():
        assert rejects == reference_rejects, name
        assert _same(results, reference_results), name
    # ... and a row alone, through Screener.score, gets the batch's decision.
    for k, record in enumerate(sources["dicts"], start=1):
        try:
            alone = screener.score(record)
        except ValidationError as error:
            reasons = [(p["field"], p["reason"]) for p in describe_errors(error, screener.instrument)]
            assert reasons == [(f, why) for r, f, why in reference_rejects if r == k]
        else:
            scored = [row for row in reference_results if row["candidate_id"] == alone.candidate_id]
            assert scored or any(r == k for r, _, _ in reference_rejects)  # a repeated id is rejected in a batch


@pytest.mark.parametrize("candidate_id", [" ", "\x85", "\u2003 \t"], ids=["space", "next-line", "em-space-tab"])
def test_an_id_of_nothing_but_space_is_refused_at_every_python_door(screener, candidate_id):
    """Rule: an id that is empty once stripped is refused by score, score_many and score_batch alike."""
    decisions = _decisions(screener, {**BASE, "candidate_id": candidate_id})
    assert decisions["score"] == decisions["score_many"] == decisions["score_batch"], decisions
    assert [field for field, _ in decisions["score"]] == ["candidate_id"]


# ---- bad values: the same answer at every door (library, CLI, HTTP) ----------------------------

# (field, value as JSON text writes it, the reason every door gives)
BAD_VALUES = [
    ("completion_seconds", "-1", SECONDS_REASON),
    ("completion_seconds", '"-Infinity"', SECONDS_REASON),
    ("completion_seconds", '"NaN"', SECONDS_REASON),
    ("completion_seconds", '"٣٠٠"', SECONDS_REASON),
    ("tc1", '"٤"', ANSWER_REASON),
    ("tc1", '"４"', ANSWER_REASON),
]
#: A problem as the CLI prints it: ``FILE: field FIELD: value VALUE: REASON`` (every reason here starts so).
_PRINTED = re.compile(
    r"^.*?field (?P<field>\S+): value .*?: "
    r"(?P<reason>(?:allowed|not valid JSON): .*|the record holds no answers .*|field '.*' appears more than once .*)$"
)
NOT_FINITE = (
    "not valid JSON: a number is NaN, Infinity or too large to read (leave the field out, or write null, "
    "when there is no value)"
)


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    support = pytest.importorskip("tests.service_support")
    with support.client(tmp_path_factory.mktemp("doors"), rate_per_second=0) as client:
        yield client, support.AUTH


def _every_door(screener, http, tmp_path, capsys, text: str) -> dict[str, list[tuple[str, str]]]:
    """The problems (field, reason) each door names for one assessment given as JSON text."""
    client, auth = http
    doors: dict[str, list[tuple[str, str]]] = {}
    with pytest.raises(ValidationError) as caught:
        screener.score(text)
    doors["Screener.score"] = [(p["field"], p["reason"]) for p in describe_errors(caught.value, screener.instrument)]
    batch = score_batch(screener, [text])
    doors["score_batch"] = list(zip(batch.rejects["field"], batch.rejects["reason"], strict=True))
    one = tmp_path / "one.json"
    one.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["score-one", str(one)]) == 2
    printed = [_PRINTED.match(line) for line in capsys.readouterr().err.splitlines()]
    doors["score-one"] = [(match["field"], match["reason"]) if match else ("?", "?") for match in printed]
    export = tmp_path / "export.jsonl"
    export.write_text(text + "\n", encoding="utf-8")
    # The one row is rejected, so nothing is scored: exit 5 (docs/batch.md), or 2 for a file-level problem.
    assert main(["score", str(export), "-o", str(tmp_path / "results.csv"), "--no-progress"]) in (2, 5)
    rejects = pd.read_csv(tmp_path / "results.rejects.csv", dtype=str, keep_default_na=False)
    doors["score (JSON Lines)"] = list(zip(rejects["field"], rejects["reason"], strict=True))
    capsys.readouterr()
    response = client.post("/v1/score", content=text.encode(), headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    doors["POST /v1/score"] = [(e["field"], e["reason"]) for e in response.json()["errors"]]
    body = b'{"assessments": [' + text.encode() + b"]}"
    response = client.post("/v1/score/batch", content=body, headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 200 and response.json()["summary"]["rejected"] == 1, response.text
    doors["POST /v1/score/batch"] = [(e["field"], e["reason"]) for e in response.json()["problems"]]
    return doors


@pytest.mark.parametrize(("field", "value", "reason"), BAD_VALUES, ids=[f"{f}={v}" for f, v, _ in BAD_VALUES])
def test_a_bad_value_gets_one_answer_at_every_door(screener, http, tmp_path, capsys, field, value, reason):
    """Rule: the library, the CLI (one file and an export) and HTTP (one and a batch) refuse alike, naming the rule."""
    text = f'{{"candidate_id": "c1", "tc3": 3, "{field}": {value}}}'
    doors = _every_door(screener, http, tmp_path, capsys, text)
    assert {door: problems for door, problems in doors.items() if problems != [(field, reason)]} == {}


@pytest.mark.parametrize(
    ("first", "second"), [("tc1", "TC1"), ("tc1", " tc1"), ("TC1", " TC1"), ("Tc1", "tC1 ")], ids=repr
)
def test_a_field_given_twice_in_another_case_or_spacing_names_the_id_and_the_values_at_every_door(
    screener, http, tmp_path, capsys, first, second
):
    """A trial: the reject had an empty id and the key as its value (``1,,tc1,tc1,...``), where an exact
    repeat gave ``1,cand-0001,tc1,"[4, 6]"``; ``TC1`` with `` TC1`` was scored with the last value."""
    text = f'{{"candidate_id": "cand-0001", "{first}": 4, "tc3": 2, "{second}": 6}}'
    reason = (
        f"field 'tc1' appears more than once in this row, as {first!r} and {second!r} "
        "(keys are compared without spaces or case)"
    )
    doors = _every_door(screener, http, tmp_path, capsys, text)
    assert {door: problems for door, problems in doors.items() if problems != [("tc1", reason)]} == {}
    rejects = pd.read_csv(tmp_path / "results.rejects.csv", dtype=str, keep_default_na=False)
    assert rejects[["candidate_id", "field", "value"]].values.tolist() == [["cand-0001", "tc1", "[4, 6]"]]
    batch = score_batch(screener, [text])
    assert batch.rejects[["candidate_id", "value"]].values.tolist() == [["cand-0001", "[4, 6]"]]
    one = tmp_path / "one.json"
    assert main(["score-one", str(one)]) == 2
    assert "field tc1: value '[4, 6]': " in capsys.readouterr().err


def test_an_id_given_twice_in_another_case_gives_the_reject_no_id(screener):
    batch = score_batch(screener, ['{"candidate_id": "c1", "Candidate_ID": "c2", "tc1": 4}'])
    assert batch.rejects[["candidate_id", "field", "value"]].values.tolist() == [[None, "candidate_id", '["c1", "c2"]']]


@pytest.mark.parametrize("control", ["\\u202e", "\\u2066", "\\u202a"], ids=["override", "isolate", "embedding"])
def test_an_id_with_a_text_direction_control_is_refused_at_every_door(screener, http, tmp_path, capsys, control):
    """A trial: "cand\u202egnp.exe" was scored and written raw into the results CSV, where it reads "candexe.png"."""
    from profilefit.core.schema import ID_ALLOWED

    text = f'{{"candidate_id": "cand{control}gnp.exe", "tc3": 3}}'
    doors = _every_door(screener, http, tmp_path, capsys, text)
    assert {door: problems for door, problems in doors.items() if problems != [("candidate_id", ID_ALLOWED)]} == {}


@pytest.mark.parametrize(
    "text",
    ['{"candidate_id": "empty-1"}', '{"candidate_id": "Totaal", "completion_seconds": 12, "tc1": null, "sj1": ""}'],
    ids=["id only", "time and empty answers"],
)
def test_a_record_answering_nothing_is_refused_at_every_door(screener, http, tmp_path, capsys, text):
    """The trial: score-one on {"candidate_id": "empty-1"} gave a fit score and a profile from no answer at all."""
    from profilefit.core.schema import NO_ANSWERS

    doors = _every_door(screener, http, tmp_path, capsys, text)
    assert {door: problems for door, problems in doors.items() if problems != [("(assessment)", NO_ANSWERS)]} == {}


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e400", "-1E999"])
def test_nan_and_infinity_in_json_text_are_refused_at_every_door(screener, http, tmp_path, capsys, constant):
    """Python's json reads them; JSON has no such number, and a NaN time must not switch the too-fast flag off."""
    text = f'{{"candidate_id": "c1", "tc3": 3, "completion_seconds": {constant}}}'
    doors = _every_door(screener, http, tmp_path, capsys, text)
    # A trial: the service answered field "(assessment)", pointer "#": each door now names the field.
    assert {
        door: problems for door, problems in doors.items() if problems != [("completion_seconds", NOT_FINITE)]
    } == {}


@pytest.mark.parametrize("value", [None, [], 3, ["candidate_id", "c1"]], ids=["None", "list", "int", "pairs"])
def test_score_of_a_non_mapping_is_a_type_error_naming_what_is_expected(screener, value):
    for door in (screener.score, screener.validate, lambda v: screener.score_many([v])):
        with pytest.raises(TypeError, match="an assessment must be a mapping of field names to answers"):
            door(value)
    batch = score_batch(screener, [value])
    assert batch.rejects["field"].tolist() == ["(row)"]
    assert "an assessment must be a mapping" in batch.rejects["reason"].iloc[0]


# ---- the property: every door, the HTTP routes and the ATS adapter included -----------------------

#: Keys a hostile row may hold: fields, the same field with spaces around it, a demographic key, an unknown one.
HOSTILE_KEYS = ["tc1", "tc3", "sj1", "chk1", "completion_seconds", " tc1", "tc3 ", "gender", "zz"]
#: Values a hostile row may hold: odd numbers, non-ASCII digits, None, NaN, Infinity, texts the rule reads or refuses.
HOSTILE_VALUES = st.one_of(
    st.integers(-2, 9),
    st.sampled_from([4.0, 2.5, -0.0, 1e300, float("nan"), float("inf"), float("-inf"), None, True, False]),
    st.sampled_from(["4", " 4 ", "+4", "4.0", "04", "٤", "４", "4,0", "B", " c ", "", "x", "NaN", "-1"]),
    st.sampled_from(["525,8", "300", "٣٠٠", "Infinity", "\u2003"]),
)
HOSTILE_IDS = st.sampled_from(["c1", " c1 ", "c2", 101, 101.0, "", None, float("nan"), "\u2003", "=1+1"])


@st.composite
def hostile_pairs(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """An assessment as JSON would spell it, key by key: keys may repeat, exactly or once spaces are removed."""
    pairs = [("candidate_id", draw(HOSTILE_IDS))]
    pairs += draw(st.lists(st.tuples(st.sampled_from(HOSTILE_KEYS), HOSTILE_VALUES), max_size=6))
    return draw(st.permutations(pairs))


def _json_text(pairs: list[tuple[str, Any]]) -> str:
    """The pairs as one JSON object, repeated keys kept (Python's json writes NaN and Infinity as such)."""
    return "{" + ", ".join(f"{json.dumps(key)}: {json.dumps(value)}" for key, value in pairs) + "}"


def _library(screener, door: Any, row: Any) -> Any:
    """A door's decision: the result's id and probabilities, or the problems (field, reason) as HTTP names them."""
    from profilefit.apps.service._problems import _without_input

    try:
        result = door(row)
    except ValidationError as error:
        return [(p["field"], _without_input(p["reason"])) for p in describe_errors(error, screener.instrument)]
    if hasattr(result, "probabilities"):
        return (result.candidate_id, result.probabilities)
    return ("valid", result.candidate_id)


def _http_decisions(http, text: str) -> dict[str, Any]:
    client, auth = http
    headers = {**auth, "Content-Type": "application/json"}
    doors: dict[str, Any] = {}
    one = client.post("/v1/score", content=text.encode(), headers=headers)
    if one.status_code == 200:
        doors["POST /v1/score"] = (one.json()["candidate_id"], one.json()["probabilities"])
    else:
        assert one.status_code == 422, one.text
        doors["POST /v1/score"] = [(e["field"], e["reason"]) for e in one.json()["errors"]]
    batch = client.post("/v1/score/batch", content=f'{{"assessments": [{text}]}}'.encode(), headers=headers)
    assert batch.status_code == 200, batch.text
    body = batch.json()
    if body["results"]:
        result = body["results"][0]["result"]
        doors["POST /v1/score/batch"] = (result["candidate_id"], result["probabilities"])
    else:
        doors["POST /v1/score/batch"] = [(e["field"], e["reason"]) for e in body["problems"]]
    return doors


@settings(max_examples=60, deadline=None)
@given(pairs=hostile_pairs())
def test_any_hostile_assessment_as_json_text_gets_one_decision_at_every_door(screener, http, pairs):
    """Rule: the model's own model_validate_json, Screener.score and both HTTP routes decide the same text alike:
    repeated keys (exact, or once spaces are removed), odd numbers, non-ASCII digits, None, NaN and Infinity."""
    text = _json_text(pairs)
    model = screener.assessment_model
    doors = {
        "Assessment.model_validate_json": _library(screener, model.model_validate_json, text),
        "Screener.score": _library(screener, screener.score, text),
        **_http_decisions(http, text),
    }
    scored = doors["Screener.score"]
    if isinstance(scored, tuple):
        doors["Assessment.model_validate_json"] = _library(screener, screener.score, model.model_validate_json(text))
    assert all(decision == scored for decision in doors.values()), doors
    keys = [key for key, _ in pairs]
    if len(set(keys)) < len(keys) and not any(isinstance(v, float) and not math.isfinite(v) for _, v in pairs):
        repeated = next(key for k, key in enumerate(keys) if key in keys[:k])
        # The key is the field (its values show which to keep), at every door.
        assert scored == [(repeated.strip() or repeated, f"key {repeated!r} appears more than once in this object")]


@settings(max_examples=60, deadline=None)
@given(pairs=hostile_pairs())
def test_any_hostile_row_as_a_mapping_gets_one_decision_from_the_model_and_every_python_door(screener, pairs):
    """Rule: Assessment.model_validate is the row rule: it decides a mapping as score, score_many and score_batch do."""
    pytest.importorskip("fastapi")  # problems are compared as the service words them (CI's lowest run has no service)
    row = dict(pairs)
    decisions = _decisions(screener, row)
    model = screener.assessment_model
    validated = _library(screener, model.model_validate, row)
    if isinstance(decisions["score"], tuple):
        assert validated == ("valid", decisions["score"][0])
        assert screener.score(model.model_validate(row)).probabilities == decisions["score"][1]
    else:
        from profilefit.apps.service._problems import _without_input

        assert validated == [(field, _without_input(reason)) for field, reason in decisions["score"]]
    assert decisions["score"] == decisions["score_many"] == decisions["score_batch"], decisions


def test_both_http_routes_refuse_an_assessment_with_a_repeated_key_naming_it(http):
    """POST /v1/score/batch kept the last value; now it refuses the assessment as POST /v1/score does."""
    client, auth = http
    headers = {**auth, "Content-Type": "application/json"}
    text = '{"candidate_id": "c1", "tc1": 1, "tc3": 2, "tc1": 6}'
    one = client.post("/v1/score", content=text.encode(), headers=headers)
    reason = "key 'tc1' appears more than once in this object"
    assert one.status_code == 422 and [e["reason"] for e in one.json()["errors"]] == [reason]
    body = f'{{"assessments": [{{"candidate_id": "c0", "tc1": 4}}, {text}]}}'
    batch = client.post("/v1/score/batch", content=body.encode(), headers=headers).json()
    assert batch["summary"] == {"received": 2, "scored": 1, "rejected": 1}
    assert batch["problems"] == [{"index": 1, "field": "tc1", "pointer": "#/assessments/1/tc1", "reason": reason}]
    twice = client.post("/v1/score/batch", content=b'{"assessments": [], "assessments": []}', headers=headers)
    assert twice.status_code == 422 and "key 'assessments' appears more than once" in twice.text


# ---- the ATS adapter: the candidate page and Greenhouse's test_status -----------------------------

#: Texts a page's form may post for an answer: what its radios send, and what a hand-made request could.
POSTED = st.one_of(
    st.sampled_from(["1", "3", "6", "0", "7", "a", "b", "d", "e", "B", " 4", "4.0", "+4", "04", "٤", "４", "²", ""]),
    st.text(max_size=3),
)


@settings(max_examples=200)
@given(data=st.data(), text=POSTED)
def test_the_candidate_page_accepts_only_what_the_one_rule_reads_as_the_same_answer(screener, data, text):
    """Rule: an answer the page saves is the answer the row rule reads from the same text (never another, never one
    it refuses); the page is stricter (its radios send "4", never " 4"), never looser."""
    pytest.importorskip("fastapi")  # the service extra (CI's lowest run leaves it out)
    from profilefit.apps.service._questionnaire import answer_value

    instrument = screener.instrument
    question = data.draw(st.sampled_from([*instrument.item_ids, *instrument.scenario_ids, *instrument.check_ids]))
    saved = answer_value(instrument, question, text)
    try:
        read = getattr(screener.assessment_model.model_validate({"candidate_id": "c1", question: text}), question)
    except ValidationError:
        read = None
    assert saved is None or saved == read, (question, text, saved, read)


@settings(max_examples=4, deadline=None)
@given(choices=st.data())
def test_greenhouse_reports_the_decision_every_other_door_gives_for_the_answers_given(screener, http, choices):
    """Rule: answers given on the candidate page and read back through Greenhouse's test_status are scored as
    POST /v1/score and Screener.score score the same assessment."""
    support = pytest.importorskip("tests.service_support")
    client, auth = http
    service = client.app.state.service
    instrument = service.instrument
    answers: dict[str, Any] = {}
    for item in [*instrument.item_ids, *instrument.check_ids]:
        answers[item] = choices.draw(st.integers(instrument.response_scale.min, instrument.response_scale.max))
    for scenario in instrument.scenarios:
        answers[scenario.id] = choices.draw(st.sampled_from([option.id for option in scenario.options]))
    created = client.post(
        "/v1/invitations", json={"candidate_id": "gh-1", "role": "complex-case", "language": "en"}, headers=auth
    )
    assert created.status_code == 201, created.text
    support.fill_in(client, created.json()["test_url"], answers)
    interview = created.json()["invitation_id"]
    asked = {"partner_interview_id": interview}
    status = client.get("/greenhouse/test_status", params=asked, headers=support.basic(support.KEY))
    assert status.status_code == 200 and status.json()["partner_status"] == "complete", status.text
    with service.sessions() as session:
        assessment = service.assessment(service.load(session, interview))
    library = service.screener_for("complex-case").score(assessment)
    one = client.post("/v1/score", params={"role": "complex-case"}, json=assessment, headers=auth).json()
    reported = status.json()
    assert library.fit is not None and library.fit.score == one["fit"]["score"]
    # the same score, sent only for a result that needs no review (docs/service.md, test_status)
    expected = None if library.needs_human_review else library.fit.score
    assert reported.get("partner_score") == expected
    assert reported["metadata"]["Profile"] == library.profile == one["profile"]
    assert reported["metadata"]["Needs human review"] == ("yes" if library.needs_human_review else "no")
    assert reported["metadata"]["Validity flags"] == (", ".join(flag.flag for flag in library.flags) or "none")


def test_a_question_posted_twice_on_the_candidate_page_is_refused_not_read_as_the_last(http):
    """As a repeated key at every other door: tc1=1&tc1=6 is not an allowed answer, and nothing is saved."""
    support = pytest.importorskip("tests.service_support")
    client, auth = http
    created = client.post("/v1/invitations", json={"candidate_id": "twice", "language": "en"}, headers=auth).json()
    token = support.token_of(created["test_url"])
    client.post(f"/take/{token}/consent", data={"consent": "yes", "lang": "en"})
    form = support.parse(client.get(f"/take/{token}").text)
    names = list(form.radios)
    fields = [(name, "3") for name in names] + [(names[0], "6")]
    body = "&".join(f"{name}={value}" for name, value in fields)
    page = client.post(
        str(form.action), content=body.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert page.status_code == 400 and f'href="#{names[0]}-1"' in page.text
    service = client.app.state.service
    with service.sessions() as session:
        assert service.next_page(service.load(session, created["invitation_id"])) == 0
