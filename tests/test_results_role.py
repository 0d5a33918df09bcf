"""Results carry the role and model they were computed with, and no reader names another role over them.

issue 19: ``shortlist``, ``report`` and ``audit --role transactional`` printed that role's name, bands and
scales over complex-case figures without a word. Every results output now records ``fit_role`` and
``model_id``, and every reader decides through :func:`profilefit.data.results.stored_role`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import assessments, results_outputs, role_requests

from profilefit.apps.cli._main import EXIT_OK, EXIT_USAGE, main
from profilefit.core.fit import builtin_roles, load_role
from profilefit.core.screening import Screener
from profilefit.data.batch import result_columns, score_file
from profilefit.data.datasets import sample_export_path
from profilefit.data.io import read_table
from profilefit.data.results import stored_role
from profilefit.evidence.audit import audit_files, sample_demographics_path
from profilefit.evidence.validation import read_applicants, sample_outcomes_path
from profilefit.exceptions import ResultsRoleError
from profilefit.pages.reports import iter_results, select_shortlist, shortlist_html

NAMES = {role: load_role(role).text("name", "en") for role in builtin_roles()}


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory):
    """``scored(role, suffix)``: the sample export scored for a built-in role, one file per role and format."""
    folder = tmp_path_factory.mktemp("scored")
    made: dict[tuple[str, str], Path] = {}

    def get(role: str, suffix: str, dialect: str = "standard") -> Path:
        if (role, suffix, dialect) not in made:
            path = folder / f"{role}-{dialect}{suffix}"
            score_file(sample_export_path(), path, screener=Screener.load(role=role), dialect=dialect)
            made[role, suffix, dialect] = path
        return made[role, suffix, dialect]

    return get


# --- what the results hold ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "dialect"),
    [(".csv", "standard"), (".csv", "excel-nordic"), (".jsonl", "standard"), (".parquet", "standard"), (".xlsx", "")],
)
def test_every_results_format_records_role_and_model(scored, suffix, dialect):
    path = scored("transactional", suffix, dialect or "standard")
    header, rows = read_table(path, what="results")
    assert {"fit_role", "model_id"} <= set(header)
    model_id = Screener.load().model_info.model_id
    assert {(row["fit_role"], row["model_id"]) for _, row in rows} == {("transactional", model_id)}


def test_results_without_a_role_record_an_empty_role(tmp_path):
    path = tmp_path / "none.parquet"
    score_file(sample_export_path(), path, screener=Screener.load(role=None))
    assert set(pq.read_table(path).column("fit_role").to_pylist()) == {None}


def test_the_role_column_sits_after_the_band_and_nothing_was_renamed(screener):
    columns = result_columns(screener)
    assert columns[columns.index("fit_band") + 1] == "fit_role"
    assert {"candidate_id", "model_id", "fit_score", "fit_band", "needs_review", "validity_flags"} <= set(columns)


def test_the_single_result_json_holds_role_and_model():
    result = json.loads(Screener.load(role="transactional").score({"candidate_id": "c1", "tc1": 4}).model_dump_json())
    assert result["fit"]["role"] == "transactional"
    assert result["model"]["model_id"] == Screener.load().model_info.model_id


# --- the one rule -------------------------------------------------------------------------------------


def test_the_stored_role_is_used_without_a_request():
    chosen = stored_role("r.csv", {"transactional": 5})
    assert (chosen.role, chosen.stored, chosen.note) == ("transactional", "transactional", None)
    assert chosen.profile().id == "transactional"


def test_another_role_is_refused_naming_file_both_roles_and_the_fix():
    with pytest.raises(ResultsRoleError) as caught:
        stored_role("r.csv", {"complex-case": 5}, "transactional")
    message = str(caught.value)
    assert "r.csv" in message and "'complex-case'" in message and "'transactional'" in message
    assert "profilefit score EXPORT --role transactional" in message


def test_a_role_file_with_the_stored_id_is_accepted_and_kept(tmp_path):
    role_file = tmp_path / "cc.json"
    role_file.write_text(load_role("complex-case").model_dump_json(), encoding="utf-8")
    assert stored_role("r.csv", {"complex-case": 2}, role_file).role == role_file


def test_mixed_roles_are_refused_with_their_counts():
    with pytest.raises(ResultsRoleError, match=r"more than one role .*'complex-case' in 3 row.*'transactional' in 1"):
        stored_role("r.csv", {"complex-case": 3, "transactional": 1})
    with pytest.raises(ResultsRoleError, match="more than one role"):
        stored_role("r.csv", {"complex-case": 3, "": 1}, "complex-case")


def test_a_file_without_fit_is_not_named_for_a_role():
    assert stored_role("r.csv", {"": 4}).profile() is None
    with pytest.raises(ResultsRoleError, match="no role"):
        stored_role("r.csv", {"": 4}, "complex-case")


def test_an_older_file_uses_the_role_given_with_a_note():
    chosen = stored_role("old.csv", {None: 4}, "transactional")
    assert chosen.role == "transactional" and chosen.stored is None
    assert "old.csv does not record the role" in chosen.note and "'transactional'" in chosen.note
    assert "no role is named" in stored_role("old.csv", {None: 4}).note


def test_a_role_that_is_not_built_in_is_named_by_id_only():
    chosen = stored_role("r.csv", {"acme-desk": 4})
    assert chosen.profile() is None and "--role FILE" in chosen.note


# --- the readers --------------------------------------------------------------------------------------


def _without_role(source: Path, target: Path) -> Path:
    with source.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, [c for c in rows[0] if c != "fit_role"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return target


def _mixed(source: Path, target: Path) -> Path:
    with source.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    rows[3]["fit_role"] = "complex-case"
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


def test_library_readers_refuse_another_role(scored):
    path = scored("transactional", ".parquet")
    with pytest.raises(ResultsRoleError):
        shortlist_html(path, role="complex-case")
    with pytest.raises(ResultsRoleError):
        audit_files(path, sample_demographics_path(), role="complex-case")
    with pytest.raises(ResultsRoleError):
        read_applicants(path, role="complex-case")
    assert "Transactional support" in shortlist_html(path)
    assert audit_files(path, sample_demographics_path()).tool.role_id == "transactional"
    assert read_applicants(path).fit_role.stored == "transactional"
    assert select_shortlist(iter_results(path)).roles == {"transactional": 400}


@pytest.mark.parametrize("command", ["shortlist", "audit", "validate"])
def test_a_mixed_file_is_refused_by_every_reader(scored, tmp_path, command):
    path = _mixed(scored("transactional", ".csv"), tmp_path / "mixed.csv")
    code, out, err = _run(*_reader_argv(command, path, tmp_path, None))
    assert code == EXIT_USAGE and "more than one role" in err and str(path) in err and out == ""


@pytest.mark.parametrize("command", ["shortlist", "audit"])
def test_an_older_file_keeps_working_with_a_note(scored, tmp_path, command):
    path = _without_role(scored("transactional", ".csv"), tmp_path / "old.csv")
    code, out, err = _run(*_reader_argv(command, path, tmp_path, "transactional"))
    assert code == EXIT_OK
    assert "does not record the role" in err
    assert NAMES["transactional"] in out + _page(tmp_path)


def test_an_older_file_keeps_working_for_validate(scored, tmp_path):
    path = _without_role(scored("transactional", ".csv"), tmp_path / "old.csv")
    code, _, err = _run(*_reader_argv("validate", path, tmp_path, "complex-case"))
    assert code == EXIT_OK, err


def test_role_learn_refuses_another_role_and_defaults_to_the_stored_one(scored, tmp_path):
    path = scored("transactional", ".csv")
    argv = ["role", "learn", str(path), "--outcomes", str(sample_outcomes_path()), "--outcome", "resolution_rating"]
    code, _, err = _run(*argv, "--out", str(tmp_path / "a.toml"), "--role", "complex-case")
    assert code == EXIT_USAGE and "'transactional'" in err and not (tmp_path / "a.toml").exists()


def test_report_on_a_stored_result_refuses_another_role_and_notes_another_model(tmp_path):
    stored = tmp_path / "result.json"
    result = Screener.load(role="transactional").score({"candidate_id": "c1", "tc1": 4})
    stored.write_text(result.model_dump_json(), encoding="utf-8")
    code, out, err = _run("report", str(stored), "--role", "complex-case")
    assert code == EXIT_USAGE and out == ""
    assert str(stored) in err and "'transactional'" in err and "'complex-case'" in err
    code, out, err = _run("report", str(stored))
    assert code == EXIT_OK and NAMES["transactional"] in out and NAMES["complex-case"] not in out


# --- the property -------------------------------------------------------------------------------------


def _reader_argv(command: str, path: Path, folder: Path, role: str | None) -> list[str]:
    asked = [] if role is None else ["--role", role]
    if command == "shortlist":
        return ["shortlist", str(path), "--html", str(folder / "page.html"), *asked]
    if command == "audit":
        return ["audit", str(path), "--demographics", str(sample_demographics_path()), *asked]
    if command == "report":
        return ["report", "--id", "cand-0001", str(path), *asked]
    outcomes = ["--outcomes", str(sample_outcomes_path()), "--outcome", "resolution_rating"]
    return ["validate", str(path), *outcomes, *asked]


def _page(folder: Path) -> str:
    page = folder / "page.html"
    return page.read_text(encoding="utf-8") if page.exists() else ""


@settings(max_examples=25)
@given(
    stored=st.sampled_from(builtin_roles()),
    output=results_outputs(),
    asked=role_requests(),
    command=st.sampled_from(["shortlist", "audit", "validate", "report"]),
)
@pytest.mark.slow
def test_readers_use_the_stored_role_or_refuse_another(scored, tmp_path_factory, stored, output, asked, command):
    """For any built-in role, format and dialect, each reader names the stored role or refuses; never another."""
    folder = tmp_path_factory.mktemp("read")
    code, out, err = _run(*_reader_argv(command, scored(stored, *output), folder, asked))
    shown = out + _page(folder)
    others = [name for role, name in NAMES.items() if role != stored]
    if asked in (None, stored):
        assert code == EXIT_OK, err
        assert not any(name in shown for name in others)
        if command != "validate":  # the study names no role
            assert NAMES[stored] in shown
    else:
        assert code == EXIT_USAGE
        assert shown == ""
        assert f"'{stored}'" in err and f"'{asked}'" in err and "profilefit score" in err


@settings(max_examples=15)
@given(
    stored=st.sampled_from(builtin_roles()), asked=role_requests(), assessment=assessments(Screener.load().instrument)
)
def test_report_of_a_stored_result_uses_its_role_or_refuses(tmp_path_factory, stored, asked, assessment):
    folder = tmp_path_factory.mktemp("report")
    path = folder / "result.json"
    path.write_text(Screener.load(role=stored).score(assessment).model_dump_json(), encoding="utf-8")
    code, out, err = _run("report", str(path), *([] if asked is None else ["--role", asked]))
    if asked in (None, stored):
        assert code == EXIT_OK, err
        assert NAMES[stored] in out
        assert not any(name in out for role, name in NAMES.items() if role != stored)
    else:
        assert (code, out) == (EXIT_USAGE, "")
        assert f"'{stored}'" in err and f"'{asked}'" in err
