"""The audit in the terms of the model and role used, in four languages, and a page that fits narrow windows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from profilefit.apps.cli._audit_command import register
from profilefit.apps.cli._exit import EXIT_REJECTS
from profilefit.core.artifact import read_manifest, reference_model_path
from profilefit.evidence.audit import (
    AuditLabels,
    Demographics,
    DemographicsTable,
    ScoredCandidate,
    adverse_impact,
    audit_files,
    audit_languages,
    audit_to_dict,
    audit_to_html,
    format_audit_text,
)
from profilefit.evidence.audit._strings import audit_strings
from profilefit.exceptions import AuditInputError, ResultsRoleError
from profilefit.pages import MAX_TEXT_CHARS

REFERENCE_ID = read_manifest(reference_model_path()).model_id
SIMULATED = "trained on simulated candidates"


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _demographics(tmp_path: Path, n: int) -> Path:
    rows = ["candidate_id,sex,race_ethnicity,age"]
    rows += [f"c{k},{'Female' if k % 2 else 'Male'},{'Asian' if k % 3 else 'White'},{25 + k}" for k in range(n)]
    return _write(tmp_path / "demographics.csv", rows)


def _own_model(tmp_path: Path, profiles: list[str]) -> Path:
    """An organisation's model as the audit sees it: a model file with its manifest (only the manifest is read)."""
    model = tmp_path / "own.model.json"
    model.write_bytes(b"not read by the audit")
    manifest = read_manifest(reference_model_path()).model_dump(mode="json")
    manifest |= {"model_id": "acme-own-labels", "file": model.name, "trained_on": "organisation data",
                 "profile_ids": profiles, "seed": 0, "sha256": "0" * 64}  # fmt: skip
    (tmp_path / "own.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return model


def _own_results(tmp_path: Path, n: int = 24) -> Path:
    labels = ["team lead", "specialist", "generalist"]
    rows = ["candidate_id,model_id,profile,top_profile,p_team lead,p_specialist,p_generalist,fit_score,fit_band"]
    for k in range(n):
        top = labels[k % 3]
        reported = "undetermined" if k % 5 == 0 else top
        rows.append(f"c{k},acme-own-labels,{reported},{top},0.5,0.3,0.2,{k * 4},{'strong' if k > 12 else 'weak'}")
    return _write(tmp_path / "results.csv", rows)


# --- the model and role actually used --------------------------------------------------------------


def test_an_organisation_model_is_audited_in_its_own_terms(tmp_path: Path) -> None:
    model = _own_model(tmp_path, ["generalist", "specialist", "team lead"])
    report = audit_files(_own_results(tmp_path), _demographics(tmp_path, 24), model=model)
    assert report.tool.trained_on == "organisation data" and not report.tool.is_reference
    assert report.profiles == ("generalist", "specialist", "team lead", "undetermined")
    assert "unlisted_classifications" not in report.warnings
    for language in audit_languages():
        text = format_audit_text(report, language)
        page = audit_to_html(report, language)
        assert "acme-own-labels" in text and "team lead" in text
        for reference_word in ("Controller", "Empathizer", "reference model", "referansemodell", "referensmodell"):
            assert reference_word not in text and reference_word not in page
    assert "organisation's own labelled data" in format_audit_text(report)
    assert "simulated" not in format_audit_text(report) and "simulated" not in audit_to_html(report)


def test_without_the_model_file_the_audit_says_what_it_cannot_know(tmp_path: Path) -> None:
    report = audit_files(_own_results(tmp_path), _demographics(tmp_path, 24))
    assert report.tool.model_id == "acme-own-labels" and report.tool.trained_on is None
    assert report.profiles == ("team lead", "specialist", "generalist", "undetermined")  # from the p_ columns
    text = format_audit_text(report)
    assert "cannot say what the model was trained on" in text and "simulated" not in text


def test_results_of_another_model_are_refused(tmp_path: Path) -> None:
    model = _own_model(tmp_path, ["generalist", "specialist", "team lead"])
    results = _write(
        tmp_path / "ref.csv", ["candidate_id,model_id,profile,fit_score,fit_band", f"c1,{REFERENCE_ID},rock,50,weak"]
    )
    with pytest.raises(AuditInputError, match=r"scored by model .*not by 'acme-own-labels'"):
        audit_files(results, _demographics(tmp_path, 2), model=model)


def test_profiles_the_model_does_not_list_are_warned_about(tmp_path: Path) -> None:
    model = _own_model(tmp_path, ["generalist", "specialist"])
    report = audit_files(_own_results(tmp_path), _demographics(tmp_path, 24), model=model)
    assert "unlisted_classifications" in report.warnings
    assert report.profiles == ("generalist", "specialist", "team lead", "undetermined")
    assert "does not list (team lead)" in format_audit_text(report)


def test_reference_results_and_role_are_named(tmp_path: Path) -> None:
    rows = ["candidate_id,model_id,profile,fit_score,fit_band"]
    rows += [f"c{k},{REFERENCE_ID},{'hard_worker' if k % 2 else 'undetermined'},{k * 5},weak" for k in range(12)]
    report = audit_files(_write(tmp_path / "r.csv", rows), _demographics(tmp_path, 12), role="complex-case")
    assert report.tool.is_reference and report.tool.role_id == "complex-case"
    text = format_audit_text(report)
    from profilefit.core.fit import load_role

    strong = load_role("complex-case").bands.strong
    assert SIMULATED in text and "Complex-case support" in text and f"strong from {strong:.0f}" in text
    assert "Hard Worker" in text and "hard_worker" not in text
    nb = format_audit_text(report, "nb")
    assert "Kundeservice for komplekse saker" in nb and "simulerte kandidater" in nb
    assert "40_and_over" not in nb and "under 40 år" in nb


# --- languages ----------------------------------------------------------------------------------


def test_every_audit_string_is_in_every_language() -> None:
    languages = set(audit_languages())
    assert languages == {"en", "nb", "sv", "nl"}
    for key, texts in audit_strings().items():
        assert set(texts) == languages, key
        placeholders = {re.findall(r"{(\w+)}", text).__str__() for text in texts.values()}
        assert len({tuple(sorted(re.findall(r"{(\w+)}", t))) for t in texts.values()}) == 1, (key, placeholders)
        assert all(text.strip() for text in texts.values()), key


@pytest.mark.parametrize(
    ("language", "heading", "ratio"),
    [("en", "Adverse-impact audit of", "0.500"), ("nb", "Revisjon av negativ påvirkning for", "0,500"),
     ("sv", "Granskning av negativ påverkan för", "0,500"), ("nl", "Audit op nadelige impact van", "0,500")],
)  # fmt: skip
def test_text_and_page_are_written_in_the_language(language: str, heading: str, ratio: str) -> None:
    candidates = [ScoredCandidate(f"c{k}", "rock", float(k), "strong" if k % 2 else "weak") for k in range(8)]
    people = {f"c{k}": Demographics(sex="A" if k < 4 else "B", age_band="40_and_over" if k % 3 else "under_40")
              for k in range(8)}  # fmt: skip
    report = adverse_impact(candidates, DemographicsTable(frozenset({"sex", "age_band"}), people))
    text, page = format_audit_text(report, language), audit_to_html(report, language)
    assert heading in text and ratio in text
    assert f'<html lang="{language}">' in page and heading in page
    labels = AuditLabels(language)
    assert labels.category("age_band", "40_and_over") in page and "40_and_over" not in page
    assert labels.profile("undetermined") in page
    assert audit_to_dict(report, language)["language"] == language


# --- the page -----------------------------------------------------------------------------------

HOSTILE = "\u202e" + "x" * 5000


def _hostile_page() -> str:
    people = {"a": Demographics(sex=HOSTILE, race_ethnicity="<b>"), "b": Demographics(sex="Female", race_ethnicity="W")}
    candidates = [ScoredCandidate("a", HOSTILE, 10.0, "weak"), ScoredCandidate("b", "rock", 90.0, "strong")]
    report = adverse_impact(candidates, DemographicsTable(frozenset({"sex", "race_ethnicity"}), people))
    return audit_to_html(report)


def test_every_chart_has_a_text_alternative() -> None:
    page = _hostile_page()
    charts = re.findall(r'<figure class="chart" aria-label="([^"]+)">(.*?)</figure>', page, flags=re.S)
    assert len(charts) == 6  # selection and scoring for sex, race/ethnicity and their intersection
    for label, chart in charts:
        assert label.strip() and "<figcaption>" in chart
        assert "<svg" not in chart  # drawn in HTML: names and values are text at the page's size
        assert chart.count('aria-hidden="true"') == chart.count('class="track"')  # bars are decoration


def test_wide_tables_scroll_in_their_own_container_and_data_is_isolated() -> None:
    page = _hostile_page()
    tables = page.count("<table")
    assert tables == len(re.findall(r'<div class="scroll" role="region"[^>]*>\s*<table aria-label="[^"]+">', page)) > 0
    assert ".scroll { overflow-x: auto" in page and "overflow-wrap: anywhere" in page
    assert "position: sticky" in page  # the category column stays in view while the table scrolls
    # The hostile string reaches the page only isolated: inside <bdi> in content, between the Unicode
    # isolate marks in attributes and charts, capped as every page caps data (MAX_TEXT_CHARS), and cut
    # shorter in chart labels.
    shown = HOSTILE[: MAX_TEXT_CHARS - 1] + "…"
    assert HOSTILE[:MAX_TEXT_CHARS] not in page
    starts = [match.start() for match in re.finditer(shown, page)]
    assert starts and all(page[:start].endswith(("<bdi>", "\u2068")) for start in starts)
    assert page.count(f"<bdi>{shown}</bdi>") > 0
    assert '<span class="name"><bdi>\u202e' + "x" * 58 + "…</bdi></span>" in page  # cut in the chart only
    assert "<b>" not in page and "&lt;b&gt;" in page


def test_cli_exits_1_when_nothing_matches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    results = _write(tmp_path / "r.csv", ["candidate_id,profile,fit_score,fit_band", "x1,rock,50,weak"])
    demographics = _write(tmp_path / "d.csv", ["candidate_id,sex", "y1,Female"])
    parser = argparse.ArgumentParser(prog="profilefit")
    register(parser.add_subparsers())
    args = parser.parse_args(["audit", str(results), "--demographics", str(demographics)])
    assert args.func(args) == EXIT_REJECTS
    assert "none of the 1 results has a row in the demographics file" in capsys.readouterr().err


def test_end_to_end_own_labels_model_is_audited_over_its_classes(tmp_path: Path) -> None:
    """Train on relabelled sample rows, score the sample export with that model, audit it with --model."""
    import csv as csv_module

    from profilefit.core.screening import Screener
    from profilefit.data.batch import score_file
    from profilefit.data.datasets import sample_export_path, sample_labelled_path
    from profilefit.data.training import train_on_labels
    from profilefit.evidence.audit import sample_demographics_path

    names = {"controller": "Team Lead", "empathizer": "Listener", "rock": "Steady"}
    with sample_labelled_path().open(encoding="utf-8") as stream:
        rows = [{**row, "profile": names[row["profile"]]} for row in csv_module.DictReader(stream)
                if row["profile"] in names][:240]  # fmt: skip
    data = tmp_path / "labels.csv"
    with data.open("w", encoding="utf-8", newline="") as stream:
        writer = csv_module.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    trained = train_on_labels(data, tmp_path / "model", folds=3, model_id="acme-2026")
    results = tmp_path / "results.csv"
    score_file(sample_export_path(), results, screener=Screener.load(trained.model_path))

    # The model has no built-in role, so the results hold no fit: naming complex-case over them is refused.
    with pytest.raises(ResultsRoleError, match="no role"):
        audit_files(results, sample_demographics_path(), model=trained.model_path, role="complex-case")
    report = audit_files(results, sample_demographics_path(), model=trained.model_path)
    assert report.tool.role_id is None and report.tool.role_recorded
    assert report.profiles == ("listener", "steady", "team_lead", "undetermined")  # "Team Lead" trains team_lead
    assert report.tool.model_id == "acme-2026" and report.tool.trained_on == "organisation data"
    assert "unlisted_classifications" not in report.warnings
    assert report.profile_rates["undetermined"] > 0  # 3 classes: undetermined below 0.53
    # Without a fit every result is counted as without a band and never selected.
    assert (report.selected, report.without_band, report.median_fit_score) == (0, 400, None)
    assert "no_band" in report.warnings
    sex = next(d for d in report.dimensions if d.dimension == "sex")
    for k, category in enumerate(sex.categories):
        assert sum(impact.comparisons[k].count for impact in sex.classifications) == category.applicants
    text = format_audit_text(report, "sv")
    assert "acme-2026" in text and "organisationens egna märkta data" in text and "simulerade" not in text


def test_sources_date_and_test_data_are_stated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    from profilefit.evidence.audit import sample_demographics_path

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    rows = ["candidate_id,profile,fit_score,fit_band"] + [f"cand-{k:04d},rock,{k % 90},weak" for k in range(1, 41)]
    results = _write(tmp_path / "results.csv", rows)
    report = audit_files(results, sample_demographics_path())
    data = audit_to_dict(report)
    assert data["sources"]["results_sha256"] == hashlib.sha256(results.read_bytes()).hexdigest()
    assert data["sources"]["demographics"] == "sample_demographics.csv"
    assert data["audited_on"] == "2026-01-01"
    assert "synthetic_demographics" in report.warnings  # the bundled demographics are test data
    assert "describe no real person" in format_audit_text(report) and "Audited on 2026-01-01" in format_audit_text(
        report
    )
    own = audit_files(results, _write(tmp_path / "d.csv", ["candidate_id,sex", "cand-0001,Female"]))
    assert "synthetic_demographics" not in own.warnings and "low_match" in own.warnings


def test_chart_labels_show_every_eeo1_intersection_in_full() -> None:
    people = {"a": Demographics(sex="Female", race_ethnicity="Native Hawaiian or Other Pacific Islander"),
              "b": Demographics(sex="Male", race_ethnicity="American Indian or Alaska Native")}  # fmt: skip
    candidates = [ScoredCandidate("a", "rock", 80.0, "strong"), ScoredCandidate("b", "rock", 20.0, "weak")]
    page = audit_to_html(adverse_impact(candidates, DemographicsTable(frozenset({"sex", "race_ethnicity"}), people)))
    labels = re.findall(r'<span class="name">(.*?)</span>', page)
    assert "<bdi>Female × Native Hawaiian or Other Pacific Islander</bdi>" in labels
    assert all("…" not in label for label in labels)


def test_scales_are_named_by_the_instrument_the_model_reads() -> None:
    assert AuditLabels("nb").scale("taking_charge") == "Ta styringen"  # the shipped instrument's name
    assert AuditLabels("nb", instrument_id="customer-contact").scale("taking_charge") == "Ta styringen"
    # A model that reads another instrument: its scales are not named after the shipped one's.
    assert AuditLabels("nb", instrument_id="acme-service-pulse").scale("taking_charge") == "taking charge"


@pytest.mark.parametrize(("language", "thousand"), [("en", ","), ("nb", "\u00a0"), ("nl", ".")])
def test_every_count_on_the_page_and_in_the_text_is_grouped(language: str, thousand: str) -> None:
    """Reviewer: the nb page said "for 200000 kandidater" and "117500 av 200000" (docs/pages.md: one number rule)."""
    n = 2400
    candidates = [ScoredCandidate(f"c{k}", "rock", float(k % 100), "strong" if k % 3 else "weak") for k in range(n)]
    people = {f"c{k}": Demographics(sex="Female" if k % 2 else "Male") for k in range(n)}
    report = adverse_impact(candidates, DemographicsTable(frozenset({"sex"}), people))
    page, text = audit_to_html(report, language), format_audit_text(report, language)
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.DOTALL)
    for output in (visible, text):
        assert f"2{thousand}400" in output and f"1{thousand}200" in output  # everyone, and each sex
        assert not re.findall(r"(?<![\d.,])(?!19\d\d|20\d\d)\d{4,}(?![\d.,])", output)  # a year may stand ungrouped


def test_the_audit_calls_the_fit_what_the_reports_call_it():
    """nb and sv name the fit "egnethet" and "lämplighet" on every page; the audit said "match" ("matchverdi")."""
    import json
    import re
    from importlib import resources

    text = resources.files("profilefit.evidence.audit").joinpath("data", "strings.json").read_text(encoding="utf-8")
    strings = json.loads(text)["strings"]
    for language in ("nb", "sv"):
        words = [
            word
            for value in strings.values()
            for word in re.findall(r"\w+", re.sub(r"\{\w+\}", "", value.get(language, "")))
            if word.lower().startswith("match")
        ]
        assert words == [], language


@pytest.mark.parametrize("language", ["en", "nb", "sv", "nl"])
def test_every_statistical_heading_of_the_tables_is_explained_in_plain_words(language: str) -> None:
    """Reviewer: "q (BH)", "IR all" and "z p" were column headings a recruiter could not read."""
    labels = AuditLabels(language)
    people = {"a": Demographics(sex="Female"), "b": Demographics(sex="Male")}
    candidates = [ScoredCandidate("a", "rock", 10.0, "weak"), ScoredCandidate("b", "rock", 90.0, "strong")]
    page = audit_to_html(adverse_impact(candidates, DemographicsTable(frozenset({"sex"}), people)), language)
    terms = re.search(r'<section id="terms">\s*<h2>([^<]+)</h2>(.*?)</section>', page, flags=re.S)
    assert terms and terms.group(1) == labels.t("terms_heading")
    explained = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", terms.group(2)))
    headings = set(re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', page))
    for key in ("col_ir", "col_ir_all", "col_below", "col_fisher", "col_q"):
        assert labels.t(key) in headings, key  # a heading the tables show ...
        assert any(labels.t(key) in term.split(", ") for term in explained), key  # ... is explained
    assert all(len(meaning) > 40 for meaning in explained.values())
