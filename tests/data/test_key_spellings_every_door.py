"""Rules on how keys and column names are spelt, at every door.

- A key in another case (``TC1``, ``Sj1``, ``B01``) is its field at every door, as a table's header always was:
  one record gets one decision from ``Screener.score``, ``profilefit score-one``, ``profilefit score`` and the
  service's ``POST /v1/score`` and ``/v1/score/batch``, on instrument 1.2 and 2.0 alike (the service and
  ``score-one`` tell the version from the keys by the same rule, ``core.rows.field_named``).
- A column that looks like a statement of the instrument (``tc 1``, ``tc01``) whose own name is absent refuses
  the export, naming it: read, that statement would be unanswered for every row, and the fit lower with
  nothing to say why (a trial: 51.8 where the answers gave 55.4).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.apps.cli import main
from profilefit.core.screening import Screener, ScreeningResult

ANSWERS = {"candidate_id": "c-7", "tc1": 5, "tc3": 2, "cm1": 4, "sj1": "b", "sj2": "c", "completion_seconds": 640}
#: An assessment of instrument 2.0 (blocks), which the service and score-one tell from 1.2's by its keys.
BLOCK_ANSWERS = {"candidate_id": "c-8", "b01": "ac", "b02": "ba", "b05": "cb", "sj1": "b", "completion_seconds": 700}
#: Each record with the model the library is given for it (the service and score-one choose it themselves).
RECORDS = [(ANSWERS, None), (BLOCK_ANSWERS, "reference-2.0")]
#: The role every door is asked for (the library's and score-one's default; the service's is none).
ROLE = "complex-case"


def _spelt(key: str, pattern: list[bool]) -> str:
    flags = (pattern + [False] * len(key))[: len(key)]
    return "".join(char.upper() if upper else char for char, upper in zip(key, flags, strict=True))


@settings(max_examples=25, deadline=None)
@given(patterns=st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=len(ANSWERS), max_size=len(ANSWERS)))
def test_a_key_in_another_case_is_its_field_at_every_door(tmp_path_factory, patterns):
    folder = tmp_path_factory.mktemp("case")
    screener = Screener.load()
    expected = screener.score(ANSWERS)
    spelt = {_spelt(key, pattern): value for (key, value), pattern in zip(ANSWERS.items(), patterns, strict=True)}
    assert screener.score(spelt).model_dump() == expected.model_dump()
    one = folder / "one.json"
    one.write_text(json.dumps(spelt), encoding="utf-8")
    export = folder / "export.csv"
    with export.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(list(spelt))
        writer.writerow(list(spelt.values()))
    results = folder / "results.csv"
    assert main(["score", str(export), "-o", str(results), "--no-progress"]) == 0
    with results.open(newline="", encoding="utf-8-sig") as stream:
        row = next(csv.DictReader(stream))
    assert float(row["fit_score"]) == expected.fit.score and row["profile"] == expected.profile


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """The service as it is served by default: both reference models, the version told by each assessment's keys.

    Imported here: the lowest-versions CI run installs no service extra, and the other doors are tested there.
    """
    testclient = pytest.importorskip("fastapi.testclient")
    from profilefit.apps.service import create_app
    from tests import service_support as support

    with testclient.TestClient(create_app(support.settings(tmp_path_factory.mktemp("service")))) as http:
        http.headers.update(support.AUTH)  # every request with the test key
        yield http


def _score_one(path) -> dict:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["score-one", str(path), "--role", ROLE]) == 0
    return json.loads(printed.getvalue())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    record=st.sampled_from(RECORDS),
    patterns=st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=len(ANSWERS), max_size=len(ANSWERS)),
)
def test_property_a_record_in_any_key_case_gets_one_decision_at_library_score_one_and_service(
    tmp_path_factory, service, record, patterns
):
    """Rule: the library, ``score-one`` and the service (one and batch) decide a record the same in any key case."""
    answers, model = record
    cases = patterns[: len(answers)]
    spelt = {_spelt(key, pattern): value for (key, value), pattern in zip(answers.items(), cases, strict=True)}
    library = Screener.load(model, role=ROLE)
    expected = library.score(answers).model_dump()
    assert library.score(spelt).model_dump() == expected
    one = tmp_path_factory.mktemp("one") / "one.json"
    one.write_text(json.dumps(spelt), encoding="utf-8")
    assert ScreeningResult.model_validate(_score_one(one)).model_dump() == expected
    scored = service.post(f"/v1/score?role={ROLE}", json=spelt)
    assert scored.status_code == 200, scored.text
    assert ScreeningResult.model_validate_json(scored.text).model_dump() == expected
    batch = service.post(f"/v1/score/batch?role={ROLE}", json={"assessments": [spelt]})
    assert batch.status_code == 200 and batch.json()["summary"] == {"received": 1, "scored": 1, "rejected": 0}
    assert ScreeningResult.model_validate(batch.json()["results"][0]["result"]).model_dump() == expected


def test_the_service_scores_the_reviewed_record_and_names_two_versions_as_sent(service):
    """The record of the review: 422 "not a field of this instrument" before; scored as the library scores it now."""
    record = {"candidate_id": "c1", "TC1": 5, "TC3": 2, "CM1": 4}
    scored = service.post(f"/v1/score?role={ROLE}", json=record)
    assert scored.status_code == 200, scored.text
    expected = Screener.load(role=ROLE).score(record)
    assert scored.json()["model"]["instrument_version"] == "1.2" and scored.json()["fit"] == expected.fit.model_dump()
    mixed = service.post("/v1/score", json={"candidate_id": "c1", "TC1": 5, "B01": "ac"})
    assert mixed.status_code == 422
    [problem] = mixed.json()["errors"]
    assert problem["pointer"] == "#/TC1" and "'B01' is a question of version 2.0" in problem["reason"]


def test_score_one_reads_a_key_in_another_case(tmp_path, capsys):
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"candidate_id": "c-8", "TC1": 5, "SJ1": "B"}), encoding="utf-8")
    assert main(["score-one", str(one)]) == 0
    expected = Screener.load().score({"candidate_id": "c-8", "tc1": 5, "sj1": "b"})
    assert json.loads(capsys.readouterr().out)["fit"]["score"] == expected.fit.score
    twice = tmp_path / "twice.json"
    twice.write_text('{"candidate_id": "c-9", "tc1": 5, "TC1": 4}', encoding="utf-8")
    assert main(["score-one", str(twice)]) == 2
    assert "tc1" in capsys.readouterr().err  # one field given twice, named


def test_an_export_with_a_statement_column_spelt_otherwise_is_refused_naming_it(tmp_path, capsys):
    export = tmp_path / "export.csv"
    export.write_text("candidate_id;tc 1;tc3;cm1;sj1\nc1;5;2;4;b\n", encoding="utf-8")
    results = tmp_path / "results.csv"
    assert main(["score", str(export), "-o", str(results), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "'tc 1' (read as 'tc1'?)" in err and "--ignore-column" in err and not results.exists()
    assert main(["score", str(export), "-o", str(results), "--no-progress", "--ignore-column", "tc 1"]) == 0
