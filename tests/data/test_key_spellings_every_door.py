"""Rules on how keys and column names are spelt, at every door.

- A key in another case (``TC1``, ``Sj1``, ``B01``) is its field at every door, as a table's header always was:
  one record gets one decision from ``Screener.score``, ``profilefit score-one`` and ``profilefit score``.
- A column that looks like a statement of the instrument (``tc 1``, ``tc01``) whose own name is absent refuses
  the export, naming it: read, that statement would be unanswered for every row, and the fit lower with
  nothing to say why (a trial: 51.8 where the answers gave 55.4).
"""

from __future__ import annotations

import csv
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from profilefit.apps.cli import main
from profilefit.core.screening import Screener

ANSWERS = {"candidate_id": "c-7", "tc1": 5, "tc3": 2, "cm1": 4, "sj1": "b", "sj2": "c", "completion_seconds": 640}


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
