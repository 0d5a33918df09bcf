"""Candidate reports, the shortlist page and their CLI: every language, well-formed HTML, nothing unescaped."""

from __future__ import annotations

import csv
import json
import re
import shutil
import string
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from markupsafe import escape

from profilefit.apps.cli import main
from profilefit.core.fit import load_role
from profilefit.core.screening import ScreeningResult
from profilefit.core.validity import FLAG_IDS
from profilefit.data.simulate import simulate
from profilefit.pages.reports import (
    Labels,
    ShortlistRow,
    html_report,
    json_report,
    read_results,
    report_languages,
    report_strings,
    rows_from_results,
    shortlist_html,
    text_report,
    write_reports,
)
from tests.strategies import candidate_ids

LANGUAGES = ("en", "nb", "sv", "nl")
HOSTILE_IDS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "æøå & 'quotes' </td></tr>")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Checker(HTMLParser):
    """Balanced tags, and every element and attribute seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def flatten(text: str) -> str:
    """Runs of ordinary white space as one space; no-break spaces (as in "62 %") stay."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def check_html(page: str) -> _Checker:
    """Parse a page; fail on unbalanced tags. Returns the parser with the tags and text it saw."""
    assert page.startswith("<!DOCTYPE html>")
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.problems == [] and checker.stack == [], (checker.problems, checker.stack)
    return checker


def assert_nothing_unescaped(page: str, hostile: str, *, scripts: int = 0) -> None:
    checker = check_html(page)
    assert hostile not in page or not any(c in hostile for c in "<>\"'&")
    names = [tag for tag, _ in checker.tags]
    assert names.count("script") == scripts and "img" not in names
    for _, attrs in checker.tags:
        assert not any(name.startswith("on") for name in attrs), attrs
    assert hostile in "".join(checker.text) or any(hostile in (v or "") for _, a in checker.tags for v in a.values())


@pytest.fixture(scope="module")
def results(screener) -> list[ScreeningResult]:
    return screener.results(screener.score_responses(simulate(60, seed=7).responses))


@pytest.fixture(scope="module")
def flagged(results) -> ScreeningResult:
    return next(r for r in results if r.flags)


def with_id(result: ScreeningResult, candidate_id: str) -> ScreeningResult:
    return result.model_copy(update={"candidate_id": candidate_id})


# ---- strings ----------------------------------------------------------------------


def test_every_language_has_every_report_string_with_the_same_placeholders():
    assert report_languages() == LANGUAGES
    for key, texts in report_strings().items():
        assert set(texts) == set(LANGUAGES), f"{key} lacks {set(LANGUAGES) - set(texts)}"
        # A separator may be a space: nb and sv group thousands with a no-break space ("2 000").
        assert all(text.strip() or key.endswith("_separator") for text in texts.values()), key
        fields = {frozenset(f for _, f, _, _ in string.Formatter().parse(t) if f) for t in texts.values()}
        assert len(fields) == 1, f"{key}: placeholders differ between languages"


def test_every_flag_has_a_name_and_an_explanation_in_every_language():
    for language in LANGUAGES:
        labels = Labels(language)
        for flag in FLAG_IDS:
            assert labels.flag_name(flag) != flag.replace("_", " ") or language == "en"
            explanation = labels.flag_explanation(flag)
            assert len(explanation) > 30 and "{" not in explanation
    assert "12" in Labels("en").flag_explanation("straight_lining")  # a quarter of 48 statements in a row
    assert "212" in Labels("nb").flag_explanation("too_fast")  # 2 s x 56 statements + 10 s x 10 scenarios


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="en, nb, sv, nl"):
        Labels("fi")


# ---- one candidate ---------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_text_report_says_what_the_result_is_for(results, flagged, language):
    labels = Labels(language)
    report = text_report(flagged, language=language)
    flat = flatten(report)
    assert labels.t("notice_human") in flat and labels.t("notice_simulated") in flat
    assert flagged.candidate_id in report
    assert labels.t("fit_of_100", score=labels.number(flagged.fit.score)) in report
    assert labels.band(flagged.fit.band) in report
    for flag in flagged.flags:
        assert labels.flag_name(flag.flag) in report
    assert load_role().text("name", language) in report
    assert all(len(line) <= 88 for line in report.splitlines() if "Norm" not in line and "norm" not in line)


def test_the_json_report_is_the_result_with_its_fit(results):
    for result in results[:5]:
        text = json_report(result)
        assert ScreeningResult.model_validate_json(text) == result
        assert json.loads(text)["fit"]["band"] in ("strong", "possible", "weak")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_html_report_is_well_formed_self_contained_and_complete(flagged, language):
    labels = Labels(language)
    page = html_report(flagged, language=language)
    checker = check_html(page)
    names = [tag for tag, _ in checker.tags]
    charts = [attrs for tag, attrs in checker.tags if tag == "figure" and "chart" in (attrs.get("class") or "")]
    assert len(charts) == 3  # fit, profile probabilities, scales against the norm group
    assert "script" not in names and "link" not in names and "img" not in names
    for _, attrs in checker.tags:
        for name in ("src", "href"):
            assert name not in attrs, attrs  # nothing to fetch: the page works offline
    assert f'<html lang="{language}">' in page
    text = flatten("".join(checker.text))
    for sentence in (labels.t("notice_human"), labels.t("notice_simulated"), labels.t("review_yes")):
        assert sentence in text
    assert labels.norm_group(flagged.norm_group) in text
    for flag in flagged.flags:
        assert labels.flag_explanation(flag.flag) in text
    for reason in flagged.fit.reasons_for + flagged.fit.reasons_against:
        assert labels.reason(reason, isolated=True) in text


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_hostile_candidate_id_is_escaped_everywhere(flagged, hostile, language):
    result = with_id(flagged, hostile)
    assert_nothing_unescaped(html_report(result, language=language), hostile)
    assert_nothing_unescaped(shortlist_html([result], language=language), hostile, scripts=1)


@settings(max_examples=30)
@given(candidate_id=candidate_ids())
def test_any_candidate_id_keeps_the_page_well_formed(flagged, candidate_id):
    page = html_report(with_id(flagged, candidate_id))
    checker = check_html(page)
    assert str(escape(candidate_id)) in page
    assert "script" not in [tag for tag, _ in checker.tags]


def test_an_undetermined_profile_and_a_missing_fit_are_reported(results):
    undetermined = next(r for r in results if r.profile == "undetermined")
    page = html_report(undetermined, language="sv")
    assert Labels("sv").t("undetermined") in page
    no_fit = undetermined.model_copy(update={"fit": None})
    assert Labels("nl").t("no_fit") in text_report(no_fit, language="nl")
    check_html(html_report(no_fit, language="nl"))


def test_a_model_trained_on_organisation_data_says_so(flagged):
    model = flagged.model.model_copy(update={"trained_on": "organisation data"})
    text = "".join(check_html(html_report(flagged.model_copy(update={"model": model}))).text)
    # Only what holds for this model: not the reference model's simulation as well (a trial read both).
    assert Labels().t("notice_organisation_model") in text and Labels().t("notice_simulated") not in text


def test_write_reports_writes_three_files(flagged, tmp_path):
    paths = write_reports(with_id(flagged, "../../etc/passwd"), tmp_path / "out", language="nb")
    assert sorted(p.name for p in paths.values()) == ["report.html", "report.json", "report.txt"]
    assert all(p.parent == tmp_path / "out" for p in paths.values())


# ---- shortlist -----------------------------------------------------------------------


def write_results(path: Path, results: list[ScreeningResult]) -> None:
    """A results file with the columns `profilefit score` writes."""
    records = []
    for r in results:
        record = {
            "candidate_id": r.candidate_id,
            "model_id": r.model.model_id,
            "profile": r.profile,
            "top_profile": r.top_profile,
            "second_profile": r.second_profile,
            "confidence": r.confidence,
            **{f"p_{p}": v for p, v in r.probabilities.items()},
            "fit_score": r.fit.score if r.fit else None,
            "fit_band": r.fit.band if r.fit else None,
            "needs_review": r.needs_human_review,
            "flags": ";".join(f.flag for f in r.flags),
            **{f"scale_{s.scale}": s.score for s in r.scales},
        }
        records.append(record)
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(records), path)
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    else:  # as a spreadsheet in Oslo saves it: BOM, semicolons, decimal commas, CRLF
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
            writer.writerow(records[0])
            for record in records:
                writer.writerow(
                    [
                        str(v).replace(".", ",")
                        if isinstance(v, float)
                        else ("" if v is None else str(v).upper())
                        if isinstance(v, bool)
                        else ("" if v is None else v)
                        for v in record.values()
                    ]
                )


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_results_files_read_back_to_the_same_rows(results, tmp_path, suffix):
    path = tmp_path / f"results{suffix}"
    write_results(path, results)
    rows = read_results(path)
    expected = rows_from_results(results)
    assert [(r.candidate_id, r.fit_band, r.needs_review, r.flags, r.profile) for r in rows] == [
        (r.candidate_id, r.fit_band, r.needs_review, r.flags, r.profile) for r in expected
    ]
    assert [r.fit_score for r in rows] == pytest.approx([r.fit_score for r in expected])


def test_a_results_file_without_the_needed_columns_is_refused(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id;tc1\nc1;4\n", encoding="utf-8")
    with pytest.raises(ValueError, match="candidate_id, profile"):
        read_results(path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shortlist_is_best_fit_first_with_notices_and_controls(results, language):
    labels = Labels(language)
    page = shortlist_html(results, language=language)
    checker = check_html(page)
    spec = _TableSpec()
    spec.feed(page)
    assert len(spec.rows) == len(results)
    fits = [float(row["cells"][2]["data-sort"]) for row in spec.rows]
    assert fits == sorted((r.fit.score for r in results), reverse=True)
    text = flatten("".join(checker.text))
    assert labels.t("notice_human_results") in text and labels.t("notice_simulated") in text
    ids = {attrs.get("id") for _, attrs in checker.tags}
    assert {"filter-band", "filter-flag", "filter-review", "shortlist", "controls"} <= ids
    assert load_role().text("name", language) in text


def test_an_empty_shortlist_says_so():
    page = shortlist_html([], language="nb")
    check_html(page)
    assert Labels("nb").t("no_candidates") in page


@pytest.fixture(scope="module")
def node():
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed; the page's script is checked where it is")
    return path


_FAKE_DOM = """
const spec = JSON.parse(require("fs").readFileSync(0, "utf8"));
function el(attrs) {
  return { attrs: Object.assign({}, attrs), hidden: false, textContent: "", listeners: {}, value: "", checked: false,
    getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; },
    setAttribute(n, v) { this.attrs[n] = String(v); }, removeAttribute(n) { delete this.attrs[n]; },
    addEventListener(t, f) { (this.listeners[t] = this.listeners[t] || []).push(f); },
    fire(t) { (this.listeners[t] || []).forEach(f => f()); } };
}
const rows = spec.rows.map(r => Object.assign(el(r.attrs), { cells: r.cells.map(el) }));
const body = { rows: rows.slice(),
  appendChild(row) { this.rows = this.rows.filter(r => r !== row); this.rows.push(row); } };
const heads = spec.heads.map(h => { const th = el(h.attrs); const b = h.button ? el({}) : null;
  th.querySelector = () => b; th.button = b; return th; });
const nodes = { shortlist: { tBodies: [body], tHead: { rows: [{ cells: heads }] } },
  "filter-band": el({}), "filter-flag": el({}), "filter-review": el({}),
  shown: el({ "data-template": spec.template }), controls: Object.assign(el({}), { hidden: true }) };
new Function("document", spec.script)({ getElementById: id => nodes[id] });
const seen = [];
for (const [action, value] of spec.actions) {
  if (action === "click") { heads[value].button.fire("click"); }
  else if (action === "review") { nodes["filter-review"].checked = value; nodes["filter-review"].fire("change"); }
  else { nodes["filter-" + action].value = value; nodes["filter-" + action].fire("change"); }
  seen.push({ order: body.rows.map(r => r.cells[1].attrs["data-sort"]),
              visible: body.rows.filter(r => !r.hidden).map(r => r.cells[1].attrs["data-sort"]),
              shown: nodes.shown.textContent, controls: !nodes.controls.hidden });
}
process.stdout.write(JSON.stringify(seen));
"""


class _TableSpec(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.heads: list[dict] = []
        self.rows: list[dict] = []
        self.script = ""
        self.template = ""
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "th":
            self.heads.append({"attrs": attrs, "button": False})
        elif tag == "button":
            self.heads[-1]["button"] = True
        elif tag == "tr" and "data-band" in attrs:
            self.rows.append({"attrs": attrs, "cells": []})
        elif tag == "td":
            self.rows[-1]["cells"].append(attrs)
        elif tag == "script":
            self._in_script = True
        elif attrs.get("id") == "shown":
            self.template = attrs["data-template"]

    def handle_endtag(self, tag):
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data):
        if self._in_script:
            self.script += data


def run_page_script(node: str, page: str, actions: list) -> list[dict]:
    spec = _TableSpec()
    spec.feed(page)
    payload = json.dumps({**spec.__dict__, "actions": actions}, default=str)
    done = subprocess.run([node, "-e", _FAKE_DOM], input=payload, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_shortlist_script_sorts_and_filters(node, results):
    page = shortlist_html(results)
    fit = {r.candidate_id: r.fit.score for r in results}
    band = {r.candidate_id: r.fit.band for r in results}
    flags = {r.candidate_id: {f.flag for f in r.flags} for r in results}
    review = {r.candidate_id: r.needs_human_review for r in results}
    steps = run_page_script(
        node,
        page,
        [
            ["band", ""],
            ["click", 2],
            ["click", 2],
            ["click", 1],
            ["band", "strong"],
            ["band", ""],
            ["flag", "*"],
            ["flag", "-"],
            ["flag", "too_fast"],
            ["flag", ""],
            ["review", True],
        ],
    )
    start, ascending, descending, by_id, strong, _, any_flag, no_flag, too_fast, _, needing = steps
    assert start["controls"] and start["shown"] == f"{len(results)} of {len(results)} shown"
    assert [fit[c] for c in ascending["order"]] == sorted(fit.values())
    assert [fit[c] for c in descending["order"]] == sorted(fit.values(), reverse=True)
    assert by_id["order"] == sorted(fit)
    assert strong["visible"] and all(band[c] == "strong" for c in strong["visible"])
    assert len(strong["visible"]) == sum(b == "strong" for b in band.values())
    assert set(any_flag["visible"]) == {c for c in fit if flags[c]}
    assert set(no_flag["visible"]) == {c for c in fit if not flags[c]}
    assert set(too_fast["visible"]) == {c for c in fit if "too_fast" in flags[c]}
    assert set(needing["visible"]) == {c for c in fit if review[c]}
    assert needing["shown"] == f"{sum(review.values())} of {len(results)} shown"


# ---- command line --------------------------------------------------------------------


@pytest.fixture()
def candidate_file(tmp_path, instrument):
    responses = simulate(1, seed=8).responses
    record = responses.to_records()[0] | {"candidate_id": HOSTILE_IDS[1]}
    path = tmp_path / "candidate.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def test_cli_report_prints_text_and_writes_html_and_json(candidate_file, tmp_path, capsys):
    html_path, json_path = tmp_path / "out.html", tmp_path / "out.json"
    code = main(
        [
            "report",
            str(candidate_file),
            "--role",
            "transactional",
            "--lang",
            "nb",
            "--html",
            str(html_path),
            "--json",
            str(json_path),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Kandidatrapport" in out and "Kundeservice for enkle henvendelser" in out
    result = ScreeningResult.model_validate_json(json_path.read_text(encoding="utf-8"))
    assert result.fit.role == "transactional" and result.candidate_id == HOSTILE_IDS[1]
    assert_nothing_unescaped(html_path.read_text(encoding="utf-8"), HOSTILE_IDS[1])
    # A stored result is reported as it is.
    assert main(["report", str(json_path), "--role", "transactional"]) == 0
    assert f"{Labels().t('fit')}: {result.fit.score}" in capsys.readouterr().out


def test_cli_report_names_a_bad_field(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"candidate_id": "c1", "tc1": 9}), encoding="utf-8")
    assert main(["report", str(path)]) == 2
    assert "tc1" in capsys.readouterr().err


def test_cli_report_refuses_an_unknown_role(candidate_file, capsys):
    assert main(["report", str(candidate_file), "--role", "astronaut"]) == 2
    assert "astronaut" in capsys.readouterr().err


def test_cli_shortlist_writes_the_page(results, tmp_path, capsys):
    path = tmp_path / "results.csv"
    write_results(path, results)
    page = tmp_path / "shortlist.html"
    assert main(["shortlist", str(path), "--html", str(page), "--lang", "sv", "--role", "complex-case"]) == 0
    assert f"{len(results)} candidates" in capsys.readouterr().out
    text = page.read_text(encoding="utf-8")
    check_html(text)
    assert "Kortlista" in text and "Kundtjänst för komplexa ärenden" in text


def test_shortlist_rows_can_be_given_directly():
    rows = [
        ShortlistRow("b", "rock", "rock", 0.5, 40.0, "weak", False),
        ShortlistRow("a", "rock", "rock", 0.6, None, None, True, ("too_fast",)),
    ]
    page = shortlist_html(rows)
    assert page.index(">b<") < page.index(">a<")  # no fit goes last


@pytest.mark.parametrize("language", ["en", "nb", "sv", "nl"])
def test_a_fit_incomplete_for_too_few_scenarios_says_so_and_names_the_scenarios_reason(screener, instrument, language):
    record = {"candidate_id": "c-1", **{item.id: 4 for item in instrument.items}}
    record |= {scenario.id: "a" for scenario in instrument.scenarios[:4]}
    result = screener.score(record)
    assert result.fit.missing_situational and result.fit.band is None
    labels = Labels(language)
    text = " ".join(text_report(result, language=language).split())
    html = " ".join(html_report(result, language=language).split()).replace("&#39;", "'")
    assert " ".join(labels.t("review_incomplete_fit_scenarios").split()) in text
    assert " ".join(labels.t("review_incomplete_fit_scenarios").split()) in html
    assert " ".join(labels.t("fit_incomplete_scenarios").split()) in html  # the fit box says why it has no band
    assert labels.t("fit_incomplete", scales="–") not in html
