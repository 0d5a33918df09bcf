"""The audit's outputs (text, CSV, JSON, HTML), the ``audit`` command, the synthetic file and the example."""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from profilefit.apps.cli import _audit_command, _main
from profilefit.apps.cli._audit_command import register
from profilefit.apps.cli._exit import ExitCode
from profilefit.evidence.audit import (
    SAMPLE_CANDIDATE_IDS,
    SAMPLE_DEMOGRAPHICS_SEED,
    Demographics,
    DemographicsTable,
    ScoredCandidate,
    adverse_impact,
    audit_files,
    audit_to_dict,
    audit_to_html,
    format_audit_text,
    make_synthetic_demographics,
    read_demographics,
    sample_demographics_path,
    write_audit_csv,
    write_sample_demographics,
)

REPOSITORY = Path(__file__).resolve().parents[2]
HOSTILE = "<script>x</script>"


def _run_cli(argv: list[str]) -> int:
    """Run ``profilefit audit`` through its own parser, independent of the other sub-commands."""
    parser = argparse.ArgumentParser(prog="profilefit")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.func(args))


def _write_results(path: Path, candidate_ids: list[str], *, seed: int = 7, nordic: bool = False) -> Path:
    """A results file like ``profilefit score`` writes, with random fit scores and bands that follow them."""
    rng = np.random.default_rng(seed)
    delimiter = ";" if nordic else ","
    header = ["candidate_id", "model_id", "profile", "top_profile", "second_profile", "confidence", "fit_score",
              "fit_band", "needs_review", "flags"]  # fmt: skip
    lines = [delimiter.join(header)]
    profiles = ["controller", "rock", "empathizer", "undetermined"]
    for candidate_id in candidate_ids:
        score = float(rng.uniform(0, 100))
        band = "strong" if score >= 70 else "possible" if score >= 45 else "weak"
        text = f"{score:.1f}".replace(".", ",") if nordic else f"{score:.1f}"
        confidence = "0,5" if nordic else "0.5"
        profile = profiles[int(rng.integers(len(profiles)))]
        top = "rock" if profile == "undetermined" else profile
        lines.append(delimiter.join([candidate_id, "ref", profile, top, "rock", confidence, text, band, "false", ""]))
    newline = "\r\n" if nordic else "\n"
    data = newline.join(lines) + newline
    path.write_bytes((("\ufeff" if nordic else "") + data).encode("utf-8"))
    return path


def _hostile_report():
    people = {
        "a": Demographics(sex=HOSTILE, race_ethnicity="=1+1"),
        "b": Demographics(sex="Female", race_ethnicity="\"&'"),
        "c": Demographics(sex="Female", race_ethnicity="=1+1"),
    }
    candidates = [
        ScoredCandidate("a", "rock", 10.0, "weak"),
        ScoredCandidate("b", "rock", 90.0, "strong"),
        ScoredCandidate("c", HOSTILE, 50.0, "possible"),
    ]
    return adverse_impact(candidates, DemographicsTable(frozenset({"sex", "race_ethnicity"}), people))


def test_html_escapes_every_category_string() -> None:
    page = audit_to_html(_hostile_report())
    assert HOSTILE not in page
    assert "<script" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "\"&'" not in page and "&quot;&amp;&#x27;" in page
    assert page.startswith("<!DOCTYPE html>") and "<link" not in page and "src=" not in page  # self-contained
    for wording in ("rule of thumb", "not a verdict", "support a human decision"):
        assert wording in page


def test_csv_output_neutralises_formulas_and_reconciles(tmp_path: Path) -> None:
    report = _hostile_report()
    path = write_audit_csv(report, tmp_path / "audit.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["category"] for row in rows if row["dimension"] == "race_ethnicity"} >= {"'=1+1"}
    assert rows[0]["kind"] == "all" and rows[0]["applicants"] == "3"
    for dimension in ("sex", "race_ethnicity", "sex_race_ethnicity"):
        own = [row for row in rows if row["dimension"] == dimension]
        assert sum(int(row["applicants"]) for row in own if row["kind"] != "classification") == 3
        # Per category, the classification rows count every candidate once.
        for category in {row["category"] for row in own if row["kind"] == "category"}:
            assigned = [
                int(row["classification_count"])
                for row in rows
                if row["dimension"] == dimension and row["category"] == category and row["kind"] == "classification"
            ]
            applicants = next(
                int(row["applicants"]) for row in rows
                if row["dimension"] == dimension and row["category"] == category and row["kind"] == "category"
            )  # fmt: skip
            assert sum(assigned) == applicants


def test_text_and_json_outputs() -> None:
    report = _hostile_report()
    text = format_audit_text(report)
    assert "rule of thumb" in text and "Unknown category:" in text
    data = json.loads(json.dumps(audit_to_dict(report), allow_nan=False))
    assert data["schema_version"] == "profilefit.audit/2"
    sex = next(d for d in data["dimensions"] if d["dimension"] == "sex")
    assert sex["selection_reference"] == "Female"
    assert any("rule of thumb" in note for note in data["notes"])


def test_cli_end_to_end_on_nordic_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # one audit date for both runs compared below
    ids = [f"cand-{k:04d}" for k in range(1, 61)]
    results = _write_results(tmp_path / "results.csv", ids, nordic=True)
    demographics = tmp_path / "demographics.csv"
    rows = ["candidate_id;sex;race_ethnicity;age"]
    rows += [f"{cid};{'Female' if k % 2 else 'Male'};{'Asian' if k % 3 else 'White'};{30 + k % 20}" for k, cid in
             enumerate(ids[:55])]  # fmt: skip
    rows += ["nobody;Female;Asian;50"]
    demographics.write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    out_csv, out_json, out_html = tmp_path / "a.csv", tmp_path / "a.json", tmp_path / "a.html"

    code = _run_cli(["audit", str(results), "--demographics", str(demographics), "--select-band", "strong",
                     "--csv", str(out_csv), "--json", str(out_json), "--html", str(out_html)])  # fmt: skip

    out = capsys.readouterr().out
    assert code == ExitCode.OK
    assert "Adverse-impact audit of 60 candidates" in out
    assert "Matched to demographics: 55 of 60" in out and "Demographics rows without a result: 1" in out
    assert "Sex × race/ethnicity" in out and "Age band" in out
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["select_band"] == "strong" and data["applicants"] == 60
    assert data == json.loads(json.dumps(audit_to_dict(audit_files(results, demographics, select_band="strong"))))
    header = out_csv.read_text(encoding="utf-8").splitlines()[0].split(",")
    comparison = ["count", "rate", "impact_ratio", "impact_ratio_all", "below_four_fifths", "reference", "fisher_p",
                  "z", "z_p"]  # fmt: skip
    version_1 = ["kind", "dimension", "category", "applicants", "share", "excludable",
                 *(f"selection_{c}" for c in comparison), *(f"scoring_{c}" for c in comparison)]  # fmt: skip
    assert header[: len(version_1)] == version_1  # readers by position keep working
    assert header[len(version_1)].startswith("profile_") and "classification_impact_ratio" in header
    assert "rule of thumb" in out_html.read_text(encoding="utf-8")


def test_cli_missing_column_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.csv"
    results.write_text("candidate_id,profile,fit_band\na,rock,weak\n", encoding="utf-8")
    demographics = tmp_path / "demographics.csv"
    demographics.write_text("candidate_id,sex\na,Male\n", encoding="utf-8")
    code = _run_cli(["audit", str(results), "--demographics", str(demographics)])
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE
    assert "'fit_score'" in err and str(results) in err


def test_audit_command_is_registered() -> None:
    assert _main._COMMANDS[_audit_command.__name__.rsplit(".", 1)[1]] == ("audit",)


def test_synthetic_demographics_are_deterministic_and_bundled(tmp_path: Path) -> None:
    ids = list(SAMPLE_CANDIDATE_IDS)
    first = make_synthetic_demographics(ids, seed=SAMPLE_DEMOGRAPHICS_SEED)
    assert first == make_synthetic_demographics(ids, seed=SAMPLE_DEMOGRAPHICS_SEED)
    assert first != make_synthetic_demographics(ids, seed=SAMPLE_DEMOGRAPHICS_SEED + 1)
    regenerated = write_sample_demographics(tmp_path)
    assert regenerated.read_bytes() == sample_demographics_path().read_bytes()
    header = sample_demographics_path().read_text(encoding="utf-8").splitlines()[0]
    assert header == "candidate_id,sex,race_ethnicity,age"  # nothing else: no description of anyone


def test_bundled_demographics_show_excludable_categories(tmp_path: Path) -> None:
    table = read_demographics(sample_demographics_path())
    assert len(table.people) == 400 and table.dimensions == {"sex", "race_ethnicity", "age_band"}
    results = _write_results(tmp_path / "results.csv", list(SAMPLE_CANDIDATE_IDS))
    report = audit_files(results, sample_demographics_path())
    race = next(d for d in report.dimensions if d.dimension == "race_ethnicity")
    excludable = {c.category for c in race.categories if c.excludable}
    assert excludable == {"American Indian or Alaska Native", "Native Hawaiian or Other Pacific Islander"}
    assert race.unknown > 0 and report.results_without_demographics == 0


@pytest.mark.slow
def test_example_runs_on_a_results_file(tmp_path: Path) -> None:
    results = _write_results(tmp_path / "results.csv", list(SAMPLE_CANDIDATE_IDS))
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY / "src")}
    completed = subprocess.run(
        [sys.executable, str(REPOSITORY / "examples" / "audit_report.py"), str(results), "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Adverse-impact audit of 400 candidates" in completed.stdout
    assert (tmp_path / "audit.html").is_file() and (tmp_path / "audit.json").is_file()


def test_ids_neutralised_in_a_results_csv_still_join_their_demographics(tmp_path):
    from profilefit.evidence.audit import audit_files

    results = tmp_path / "results.csv"
    results.write_text(
        "candidate_id,profile,fit_score,fit_band\n'-17,controller,70,strong\n'=x,rock,40,weak\nplain,rock,50,possible\n",
        encoding="utf-8",
    )
    demographics = tmp_path / "demographics.csv"
    demographics.write_text("candidate_id,sex\n-17,Female\n=x,Male\nplain,Male\n", encoding="utf-8")
    report = audit_files(results, demographics)
    assert report.results_without_demographics == 0
    assert report.demographics_without_results == 0


def test_spellings_of_one_category_are_audited_as_one_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The trial's case: ``Vrouw`` and ``vrouw`` were two groups, and a small one became the reference."""
    ids = [f"cand-{k:04d}" for k in range(60)]
    results = _write_results(tmp_path / "results.csv", ids)
    demographics = tmp_path / "demographics.csv"
    tidy = ["candidate_id,sex,race_ethnicity"]
    tidy += [f"{cid},{'Vrouw' if k % 2 else 'Man'},{'White' if k % 3 else 'Asian'}" for k, cid in enumerate(ids)]
    messy = [line.replace(",Vrouw,", ",vrouw ,") if k % 3 == 1 else line for k, line in enumerate(tidy)]
    demographics.write_text("\n".join(tidy) + "\n", encoding="utf-8")
    expected = audit_to_dict(audit_files(results, demographics))
    demographics.write_text("\n".join(messy) + "\n", encoding="utf-8")
    assert _run_cli(["audit", str(results), "--demographics", str(demographics)]) == ExitCode.OK
    merged = audit_to_dict(audit_files(results, demographics))
    assert merged["dimensions"] == expected["dimensions"]
    assert [c["category"] for c in merged["dimensions"][0]["categories"]] == ["Man", "Vrouw"]
    err = capsys.readouterr().err
    assert "profilefit audit: warning: sex: 'Vrouw' (20) and 'vrouw' (10) counted as one category, 30 people" in err


def test_a_demographics_column_not_audited_is_named_in_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The trial's case: a ``gender`` column gave no sex section and no word of why."""
    ids = [f"cand-{k:04d}" for k in range(40)]
    results = _write_results(tmp_path / "results.csv", ids)
    demographics = tmp_path / "demographics.csv"
    lines = ["candidate_id;gender;Kjonn;Alder"] + [
        f"{cid};F;{'K' if k % 2 else 'M'};{30 + k}" for k, cid in enumerate(ids)
    ]
    demographics.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    assert _run_cli(["audit", str(results), "--demographics", str(demographics)]) == ExitCode.OK
    report = audit_files(results, demographics)
    assert [dimension.dimension for dimension in report.dimensions] == ["sex", "age_band"]
    assert report.unaudited_columns == ("gender",)
    err = capsys.readouterr().err
    assert (
        f"profilefit audit: note: {demographics}: 1 column of the demographics file not audited: 'gender' "
        "(a name for gender, which is not audited)"
    ) in err
