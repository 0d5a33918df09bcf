"""``profilefit calibrate``: recovery from simulated applicants in every format, refusals, scoring with the file.

The applicants are simulated from the shipped 2.0 parameters by the engine (tests/forced_choice_support.py),
so the tests read the instrument's structure and that file, never a parameter value written here.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib.util
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from profilefit.apps.cli import main
from profilefit.apps.cli._calibrate_command import (
    MIN_BLOCK_ANSWERS,
    MIN_PEOPLE,
    against_keying,
    near_heywood,
    standardised_loadings,
    thin_blocks,
)
from profilefit.apps.cli._exit import EXIT_CALIBRATION_REFUSED
from profilefit.core.instrument import BLOCK_ANSWERS
from profilefit.core.scoring import block_answer_codes, load_parameters
from profilefit.core.thurstonian import ThurstonianModel, ThurstonianParameters, simulate_answers
from profilefit.core.validity import FC_PERSON_FIT
from tests.forced_choice_support import forced_choice_instrument, simulated_rows, train_small_model

_HAS_PARQUET = all(importlib.util.find_spec(name) is not None for name in ("pandas", "pyarrow"))

#: Simulated applicants in the recovery test: above MIN_PEOPLE, as docs/thurstonian.md advises.
N_PEOPLE = 3_000


def _run(arguments: list[str]) -> tuple[int, str, str]:
    """Run the command in this process; return the exit code, standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(arguments)
    return code, out.getvalue(), err.getvalue()


def _applicants(n: int, *, seed: int) -> list[dict[str, Any]]:
    """``n`` simulated applicants' rows, some blocks unanswered, without the label (calibration needs none)."""
    rows, _ = simulated_rows(n, seed=seed, missing_share=0.02)
    return [{key: value for key, value in row.items() if key != "profile"} for row in rows]


def _write_nordic_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """CSV as Excel writes it in Oslo: semicolons, a byte-order mark, CRLF, a decimal comma."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            cells = [row.get(column, "") for column in columns]
            writer.writerow([str(cell).replace(".", ",") if isinstance(cell, float) else cell for cell in cells])


def _write_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def _fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """The same applicants (and one bad row) as a Nordic CSV and as JSON Lines, each calibrated once."""
    folder = tmp_path_factory.mktemp("calibrate")
    rows = _applicants(N_PEOPLE, seed=21)
    block = forced_choice_instrument().block_ids[1]
    bad = rows[0] | {"candidate_id": "bad-row", block: "aa"}  # one statement marked most and least: one reject
    rows = [*rows[:10], bad, *rows[10:]]
    exports = {"csv": folder / "applicants.csv", "jsonl": folder / "applicants.jsonl"}
    _write_nordic_csv(rows, exports["csv"])
    _write_jsonl(rows, exports["jsonl"])
    if _HAS_PARQUET:
        import pandas as pd

        exports["parquet"] = folder / "applicants.parquet"
        pd.DataFrame(rows).to_parquet(exports["parquet"])
    runs = {}
    for name, export in exports.items():
        before = _fingerprint(export)
        out = folder / f"{name}.parameters.json"
        code, stdout, stderr = _run(
            ["calibrate", str(export), "--instrument", "customer-contact-2.0", "--out", str(out)]
        )
        runs[name] = {
            "code": code,
            "out": stdout,
            "err": stderr,
            "file": out,
            "untouched": _fingerprint(export) == before,
            "export": export,
        }
    return runs


@pytest.mark.slow
def test_calibration_recovers_the_generating_parameters(calibrated):
    run = calibrated["csv"]
    assert run["code"] == 1, run["err"]  # written, and one row was rejected
    instrument = forced_choice_instrument()
    parameters = ThurstonianParameters.load(run["file"])
    assert (parameters.instrument, parameters.instrument_version) == (instrument.id, instrument.version)
    assert parameters.source == "calibration" and parameters.n_people == N_PEOPLE
    assert parameters.rmsr is not None and 0 < parameters.rmsr < 0.05
    assert "applicants.csv" in parameters.note and datetime.now(UTC).strftime("%Y-%m-%d") in parameters.note
    fitted = load_parameters(instrument, run["file"])
    truth = load_parameters(instrument).identified()
    assert np.corrcoef(fitted.loading, truth.loading)[0, 1] >= 0.95
    # Standardised loadings do not depend on a block's scale: within 0.12 each (0.09 the largest seen at 3,000).
    assert np.abs(standardised_loadings(fitted) - standardised_loadings(truth)).max() <= 0.12
    assert np.abs(fitted.trait_correlation - truth.trait_correlation).max() <= 0.1
    assert np.all(np.sign(fitted.loading) == np.sign(truth.loading))
    # The person-fit line is set for the calibrated parameters: near the line of the parameters that made the
    # answers (the reference line; the shipped parameters give back 0.005 within about 0.001, and these are
    # estimates from 3,000 people), and scoring with the file flags below it.
    assert parameters.person_fit_line is not None
    assert abs(parameters.person_fit_line - FC_PERSON_FIT) <= 0.006, parameters.person_fit_line
    assert fitted.person_fit_line == parameters.person_fit_line


@pytest.mark.slow
def test_the_same_people_give_the_same_parameters_from_csv_json_lines_and_parquet(calibrated):
    instrument = forced_choice_instrument()
    from_csv = load_parameters(instrument, calibrated["csv"]["file"])
    assert set(calibrated) >= {"csv", "jsonl"}
    for name, run in calibrated.items():
        assert run["code"] == 1, (name, run["err"])
        other = load_parameters(instrument, run["file"])
        for field in ("utility", "loading", "uniqueness", "trait_correlation"):
            np.testing.assert_allclose(getattr(other, field), getattr(from_csv, field), rtol=0, atol=1e-9)


@pytest.mark.slow
def test_calibration_reports_rejects_prints_a_summary_and_never_touches_its_input(calibrated):
    for run in calibrated.values():
        assert run["untouched"]
        assert f"{N_PEOPLE + 1:,} rows read, {N_PEOPLE:,} valid, 1 rejected" in run["out"]
        block = forced_choice_instrument().block_ids[1]
        assert f"row 11, field {block}: value 'aa'" in run["err"], run["err"]
        assert f"people used          {N_PEOPLE:,}" in run["out"]
        for label in ("RMSR", "loadings ", "in absolute value", "trait correlations", "largest change"):
            assert label in run["out"]
        assert "from the shipped parameters" in run["out"]
        assert re.search(r"person-fit line +-?\d\.\d{4}: marks below it are flagged contradictory", run["out"])
        assert "applicants simulated from these parameters, 1.8% answering as the parameters say" in run["out"]
        assert f"wrote {run['file']}" in run["err"] and "warning" not in run["err"]


def test_a_statement_answered_against_its_keying_is_refused_and_named(tmp_path):
    instrument = forced_choice_instrument()
    shipped = load_parameters(instrument)
    flipped = shipped.loading.copy()
    flipped[4] = -flipped[4]  # applicants read the fifth statement the other way round
    model = ThurstonianModel(
        shipped.design,
        utility=shipped.utility,
        loading=flipped,
        uniqueness=shipped.uniqueness,
        trait_correlation=shipped.trait_correlation,
    )
    codes = block_answer_codes(np.asarray(simulate_answers(model, N_PEOPLE, seed=3).answers))
    rows = [
        {"candidate_id": f"c{person}"}
        | {block: BLOCK_ANSWERS[code] for block, code in zip(instrument.block_ids, codes[person], strict=True)}
        for person in range(N_PEOPLE)
    ]
    export, out = tmp_path / "applicants.jsonl", tmp_path / "params.json"
    _write_jsonl(rows, export)
    code, _, err = _run(["calibrate", str(export), "--instrument", "customer-contact-2.0", "--out", str(out)])
    assert code == EXIT_CALIBRATION_REFUSED
    statement = shipped.design.statements[4]
    assert "came out with a loading against their keying" in err
    assert f"{statement.id} ({statement.trait}, keyed {'+' if statement.keyed > 0 else '-'}" in err
    assert not out.exists()


def test_against_keying_lists_exactly_the_statements_whose_sign_disagrees():
    shipped = load_parameters(forced_choice_instrument())
    loading = shipped.loading.copy()
    loading[[1, 7]] *= -1
    model = ThurstonianModel(
        shipped.design,
        utility=shipped.utility,
        loading=loading,
        uniqueness=shipped.uniqueness,
        trait_correlation=shipped.trait_correlation,
    )
    assert against_keying(shipped) == []
    found = against_keying(model)
    assert [entry.split(" ")[0] for entry in found] == [shipped.design.statements[k].id for k in (1, 7)]


def test_a_statement_whose_error_variance_vanished_is_named_as_a_heywood_case():
    shipped = load_parameters(forced_choice_instrument())
    uniqueness = shipped.uniqueness.copy()
    uniqueness[5] = 1e-6
    model = ThurstonianModel(
        shipped.design,
        utility=shipped.utility,
        loading=shipped.loading,
        uniqueness=uniqueness,
        trait_correlation=shipped.trait_correlation,
    )
    assert near_heywood(shipped) == []
    assert [entry.split(" ")[0] for entry in near_heywood(model)] == [shipped.design.statements[5].id]
    # Standardised loadings do not change when a block is rescaled, as the identified form does.
    np.testing.assert_allclose(standardised_loadings(shipped.identified()), standardised_loadings(shipped), atol=1e-12)


def test_an_agreement_instrument_is_refused_with_its_own_code_and_norms_named(tmp_path):
    out = tmp_path / "params.json"
    code, _, err = _run(["calibrate", "sample", "--instrument", "customer-contact", "--out", str(out)])
    assert code == EXIT_CALIBRATION_REFUSED == 6
    assert "agreement scale" in err and "no item parameters" in err and "profilefit norms" in err
    assert not out.exists()


def test_too_few_people_are_refused_and_the_input_is_untouched(tmp_path):
    export, out = tmp_path / "few.csv", tmp_path / "params.json"
    _write_nordic_csv(_applicants(300, seed=4), export)
    before = _fingerprint(export)
    code, stdout, err = _run(["calibrate", str(export), "--instrument", "customer-contact-2.0", "--out", str(out)])
    assert code == EXIT_CALIBRATION_REFUSED
    assert "300 people answered at least one block" in stdout
    assert f"calibration needs at least {MIN_PEOPLE:,}" in err and "nothing written" in err
    assert not out.exists() and _fingerprint(export) == before


@pytest.mark.parametrize("damage", ["column left out", "column blank", "one answer for everyone"])
def test_a_block_the_data_cannot_estimate_is_refused_at_once_naming_it(tmp_path, damage):
    """Rule: refused before any fitting (it ran for minutes, then blamed other statements' wording)."""
    block = forced_choice_instrument().block_ids[6]
    rows = _applicants(MIN_PEOPLE, seed=8)
    for row in rows:
        if damage == "column left out":
            row.pop(block, None)
        else:
            row[block] = "" if damage == "column blank" else "ab"
    export, out = tmp_path / "damaged.csv", tmp_path / "params.json"
    _write_nordic_csv(rows, export)
    code, _, err = _run(["calibrate", str(export), "--instrument", "customer-contact-2.0", "--out", str(out)])
    assert code == EXIT_CALIBRATION_REFUSED and "nothing written" in err
    said = f"{block}: answered by 0" if damage != "one answer for everyone" else f"{block}: everyone who answered"
    assert said in err and "fitting" not in err, err
    assert not out.exists()


def test_thin_blocks_names_few_answers_and_one_answer_for_everyone():
    blocks = np.array([[0, 1, -1], [1, 1, -1], [2, 1, 3]], dtype=np.int8)
    assert thin_blocks(("b1", "b2", "b3"), blocks, minimum=2) == [
        "b2: everyone who answered it answered ac",
        "b3: answered by 1",
    ]
    assert thin_blocks(("b1", "b2", "b3"), blocks, minimum=1) == [
        "b2: everyone who answered it answered ac",
        "b3: everyone who answered it answered bc",  # one answer is one answer for everyone
    ]
    assert MIN_BLOCK_ANSWERS <= MIN_PEOPLE


def test_a_repeated_candidate_id_is_counted_once_and_rejected_naming_the_first_row(tmp_path):
    """Rule: repeated rows cannot make up the minimum (1,900 people and 200 repeats are 1,900)."""
    rows = _applicants(MIN_PEOPLE - 100, seed=9)
    export, out = tmp_path / "repeats.jsonl", tmp_path / "params.json"
    _write_jsonl(rows + rows[:200], export)
    code, stdout, err = _run(["calibrate", str(export), "--instrument", "customer-contact-2.0", "--out", str(out)])
    assert code == EXIT_CALIBRATION_REFUSED and not out.exists()
    assert f"{MIN_PEOPLE - 100:,} valid, 200 rejected" in stdout
    assert "duplicate candidate id: row 2 has the same id" in err


def test_careless_rows_are_left_out_unless_kept_and_counted_by_flag(tmp_path):
    """Straight-lining, a check answered other than as asked, too fast: learnt as parameters otherwise."""
    instrument = forced_choice_instrument()
    check = next(c for c in instrument.attention_checks if c.expected is not None)
    rows = _applicants(MIN_PEOPLE - 100, seed=10)
    careless = [
        {"candidate_id": f"careless-{k}", **dict.fromkeys(instrument.block_ids, "ab"), check.id: check.expected % 5 + 1}
        for k in range(300)
    ]
    export, out = tmp_path / "with-careless.jsonl", tmp_path / "params.json"
    _write_jsonl(rows + careless, export)
    arguments = ["calibrate", str(export), "--instrument", "customer-contact-2.0", "--out", str(out)]
    code, stdout, err = _run(arguments)
    assert code == EXIT_CALIBRATION_REFUSED and not out.exists()  # 1,900 people left: under the minimum
    assert "300 careless left out (straight_lining 300, failed_attention_check 300, too_fast 0" in stdout
    assert f"{MIN_PEOPLE - 100:,} people answered at least one block" in stdout
    code, stdout, err = _run([*arguments, "--keep-careless", "--max-evaluations", "2"])
    assert "careless left out" not in stdout and f"{MIN_PEOPLE + 200:,} people answered" in stdout
    assert "the optimiser did not converge" in err  # it went on to fit


def test_an_optimiser_that_stops_before_converging_is_refused(tmp_path):
    export, out = tmp_path / "applicants.jsonl", tmp_path / "params.json"
    _write_jsonl(_applicants(MIN_PEOPLE, seed=6), export)
    arguments = ["calibrate", str(export), "--instrument", "customer-contact-2.0", "--out", str(out)]
    code, _, err = _run([*arguments, "--max-evaluations", "2"])
    assert code == EXIT_CALIBRATION_REFUSED
    assert "the optimiser did not converge" in err and "nothing written" in err
    assert not out.exists()


def test_an_output_that_is_the_input_is_refused_before_anything_is_read(tmp_path):
    export = tmp_path / "few.jsonl"
    _write_jsonl(_applicants(20, seed=5), export)
    before = _fingerprint(export)
    code, _, err = _run(["calibrate", str(export), "--instrument", "customer-contact-2.0", "--out", str(export)])
    assert code == 2
    assert "refusing to write" in err and "one of the input files" in err
    assert _fingerprint(export) == before


@pytest.mark.parametrize("share", ["0", "0.0009", "0.5", "-0.1", "many"])
def test_a_person_fit_false_alarm_share_out_of_range_is_refused_before_anything_is_read(tmp_path, capsys, share):
    export = tmp_path / "few.jsonl"
    _write_jsonl(_applicants(20, seed=5), export)
    out = tmp_path / "p.json"
    with pytest.raises(SystemExit) as stopped:
        main(
            [
                *("calibrate", str(export), "--instrument", "customer-contact-2.0", "--out", str(out)),
                *("--person-fit-false-alarm", share),
            ]
        )
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "--person-fit-false-alarm" in err and "from 0.001 to below 0.5" in err, err
    assert not out.exists()


def test_the_parameters_beside_the_instrument_file_are_never_written_over(tmp_path):
    """A trial wrote the new figures over the parameters beside its instrument file, then was told "no change"
    (the comparison read the file just written): the baseline is an input, refused as an output."""
    import shutil

    import profilefit.core.instrument as instrument_package

    data = Path(instrument_package.__file__).parent / "data"
    for name in ("customer_contact_2.json", "customer_contact_2.parameters.json"):
        shutil.copy(data / name, tmp_path / name)
    baseline = tmp_path / "customer_contact_2.parameters.json"
    before = _fingerprint(baseline)
    export = tmp_path / "few.jsonl"
    _write_jsonl(_applicants(20, seed=5), export)
    arguments = ["calibrate", str(export), "--instrument", str(tmp_path / "customer_contact_2.json")]
    code, _, err = _run([*arguments, "--out", str(baseline)])
    assert code == 2 and "refusing to write" in err and "one of the input files" in err, err
    assert _fingerprint(baseline) == before


def test_instrument_check_summarises_a_forced_choice_instrument():
    code, out, _ = _run(["instrument-check", "customer-contact-2.0"])
    instrument = forced_choice_instrument()
    assert code == 0
    assert f"blocks            {len(instrument.blocks)} of three statements" in out
    for scale in instrument.scale_ids:
        assert re.search(rf"scale {scale} +\d+ statements, \d+ keyed \+, \d+ keyed -, compared with \d+ of", out)
    assert re.search(r"mixed-keyed +\d+% of \d+ comparisons", out)
    assert "largest spread in a block" in out and "design problems   none" in out and "length" in out


# ---- scoring with a parameters file ----------------------------------------------------------------


@pytest.fixture(scope="module")
def forced_choice_model(tmp_path_factory):
    return train_small_model(tmp_path_factory.mktemp("fc-model"))


def _other_parameters(path: Path) -> Path:
    """The shipped parameters with every loading halved, as a calibration file: scores must move."""
    instrument = forced_choice_instrument()
    shipped = load_parameters(instrument)
    model = ThurstonianModel(
        shipped.design,
        utility=shipped.utility,
        loading=shipped.loading * 0.5,
        uniqueness=shipped.uniqueness,
        trait_correlation=shipped.trait_correlation,
    )
    ThurstonianParameters.from_model(
        model,
        instrument=instrument.id,
        instrument_version=instrument.version,
        source="calibration",
        n_people=N_PEOPLE,
        rmsr=0.02,
        note="test",
    ).save(path)
    return path


def test_score_one_scores_with_the_parameters_given_and_names_them(forced_choice_model, tmp_path):
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps(_applicants(1, seed=8)[0]), encoding="utf-8")
    parameters = _other_parameters(tmp_path / "mine.parameters.json")
    code, shipped_out, shipped_err = _run(["score-one", str(candidate), "--model", str(forced_choice_model)])
    assert code == 0 and "from the parameters shipped with it" in shipped_err
    code, mine_out, mine_err = _run(
        ["score-one", str(candidate), "--model", str(forced_choice_model), "--parameters", str(parameters)]
    )
    assert code == 0
    digest = hashlib.sha256(parameters.read_bytes()).hexdigest()
    assert f"from the parameters in {parameters} (sha256 {digest})" in mine_err
    shipped_scales = {s["scale"]: s["score"] for s in json.loads(shipped_out)["scales"]}
    mine_scales = {s["scale"]: s["score"] for s in json.loads(mine_out)["scales"]}
    assert shipped_scales.keys() == mine_scales.keys()
    assert max(abs(shipped_scales[k] - mine_scales[k]) for k in shipped_scales) > 0.05


def test_score_writes_results_from_the_parameters_given(forced_choice_model, tmp_path):
    export = tmp_path / "applicants.jsonl"
    _write_jsonl(_applicants(40, seed=9), export)
    parameters = _other_parameters(tmp_path / "mine.parameters.json")
    results = {}
    for name, extra in (("shipped", []), ("mine", ["--parameters", str(parameters)])):
        output = tmp_path / f"{name}.jsonl"
        code, _, err = _run(
            ["score", str(export), "-o", str(output), "--model", str(forced_choice_model), "--no-progress", *extra]
        )
        assert code == 0, err
        results[name] = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert "sha256" in err
    scale = f"scale_{forced_choice_instrument().scale_ids[0]}"
    assert any(abs(a[scale] - b[scale]) > 0.05 for a, b in zip(results["shipped"], results["mine"], strict=True))


def test_parameters_are_refused_for_an_agreement_model_for_another_version_and_as_an_output(
    forced_choice_model, tmp_path
):
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps({"candidate_id": "c-1", "tc1": 4}), encoding="utf-8")
    parameters = _other_parameters(tmp_path / "mine.parameters.json")
    code, _, err = _run(["score-one", str(candidate), "--parameters", str(parameters)])
    assert code == 2 and "parameters are for forced-choice instruments" in err
    text = parameters.read_text(encoding="utf-8")
    wrong = tmp_path / "wrong.parameters.json"
    wrong.write_text(text.replace('"instrument_version": "2.0"', '"instrument_version": "1.9"'), encoding="utf-8")
    candidate.write_text(json.dumps(_applicants(1, seed=8)[0]), encoding="utf-8")
    code, _, err = _run(["score-one", str(candidate), "--model", str(forced_choice_model), "--parameters", str(wrong)])
    assert code == 2 and "holds parameters for instrument customer-contact 1.9" in err
    code, _, err = _run(
        ["score-one", str(candidate), "--parameters", str(parameters), "--decision-log", str(parameters)]
    )
    assert code == 2 and "one of the input files" in err
    assert parameters.read_text(encoding="utf-8") == text


def test_report_scores_with_the_parameters_given_and_names_them(forced_choice_model, tmp_path):
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps(_applicants(1, seed=8)[0]), encoding="utf-8")
    parameters = _other_parameters(tmp_path / "mine.parameters.json")
    arguments = ["report", str(candidate), "--model", str(forced_choice_model)]
    code, shipped, _ = _run(arguments)
    assert code == 0
    code, mine, err = _run([*arguments, "--parameters", str(parameters)])
    assert code == 0 and f"sha256 {hashlib.sha256(parameters.read_bytes()).hexdigest()}" in err
    assert mine != shipped  # other scale scores, so another report


def test_report_of_a_stored_result_says_the_parameters_given_are_not_read(forced_choice_model, tmp_path):
    """A trial: `report result.json --parameters FILE` of a stored result showed the old figures and said
    nothing, even for a file that does not exist; the result is reported as it is, and a note says so."""
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps(_applicants(1, seed=8)[0]), encoding="utf-8")
    code, stored, _ = _run(["score-one", str(candidate), "--model", str(forced_choice_model)])
    assert code == 0
    result = tmp_path / "result.json"
    result.write_text(stored, encoding="utf-8")
    missing = tmp_path / "nowhere.parameters.json"
    code, _, err = _run(["report", str(result), "--parameters", str(missing)])
    assert code == 0 and "is a stored result, reported as it is" in err and "is not read" in err, err
