"""One candidate's report from a results file (``report --id``), and shortlist rows that open it (``--reports``).

issue 19: a recruiter could not open one candidate's report from the shortlist or from a results file by id.
Ids are someone else's data: a right-to-left override, slashes, ``..`` or markup must never choose where a
file goes, what a link points to, or what a page runs.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.apps.cli._main import EXIT_OK, EXIT_USAGE, main
from profilefit.core.screening import Screener
from profilefit.data.batch import TableWriter, result_schema, score_file
from profilefit.data.datasets import sample_export_path
from profilefit.exceptions import ResultNotFoundError
from profilefit.pages.reports import (
    find_result_row,
    report_file_name,
    row_html_report,
    row_text_report,
    write_row_reports,
)
from tests.strategies import candidate_ids

pa = pytest.importorskip("pyarrow")

HOSTILE_IDS = (
    "../../escaped",
    "..",
    "/etc/passwd",
    "a/../../b",
    "C:\\Windows\\win.ini",
    "\u202eexe.txt",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://x")',
    "CON",
    "x" * 300,
)
NAME = re.compile(r"candidate-[0-9a-f]{20}\.html")


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("results")
    made = {}
    for suffix in (".csv", ".jsonl", ".parquet", ".xlsx"):
        made[suffix] = folder / f"results{suffix}"
        score_file(sample_export_path(), made[suffix])
    return made


def _results_with_ids(path: Path, ids: list[str]) -> Path:
    screener = Screener.load()
    table = pa.Table.from_pylist(
        [{"candidate_id": candidate_id, "profile": "rock", "top_profile": "rock"} for candidate_id in ids],
        schema=result_schema(screener),
    )
    writer = TableWriter(path, table.schema)
    writer.write(table)
    writer.close()
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_report_by_id_from_every_results_format(results, tmp_path, suffix):
    page, data = tmp_path / "c.html", tmp_path / "c.json"
    code, out, err = _run("report", "--id", "cand-0007", str(results[suffix]), "--html", str(page), "--json", str(data))
    assert code == EXIT_OK, err
    assert "cand-0007" in out and "Complex-case support" in out and f"results{suffix}" in out
    assert "cand-0007" in page.read_text(encoding="utf-8") and '"candidate_id": "cand-0007"' in data.read_text()


def test_an_unknown_id_is_a_clear_error_naming_the_file_and_the_id(results):
    code, out, err = _run("report", "--id", "cand-9999", str(results[".csv"]))
    assert (code, out) == (EXIT_USAGE, "")
    assert str(results[".csv"]) in err and "'cand-9999'" in err and "400" in err
    with pytest.raises(ResultNotFoundError, match="cand-9999"):
        find_result_row(results[".xlsx"], "cand-9999")


def test_report_by_id_figures_are_the_files(results):
    row = find_result_row(results[".parquet"], "cand-0002")
    same = find_result_row(results[".xlsx"], "cand-0002")
    assert row.fit_score == pytest.approx(same.fit_score, abs=1e-12)
    assert row.probabilities == pytest.approx(same.probabilities, abs=1e-12)
    assert row.fit_role == "complex-case" and row.model_id == Screener.load().model_info.model_id


def test_a_formula_like_id_is_found_as_it_was_given(tmp_path):
    path = _results_with_ids(tmp_path / "r.csv", ["=1+1", "'quoted", "-5"])
    assert "'=1+1" in path.read_text(encoding="utf-8")  # neutralised in the file
    for candidate_id in ("=1+1", "'quoted", "-5"):
        assert find_result_row(path, candidate_id).candidate_id == candidate_id


def test_the_shortlist_links_each_listed_row_to_its_report_page(results, tmp_path):
    page = tmp_path / "out" / "shortlist.html"
    code, _, err = _run(
        "shortlist", str(results[".xlsx"]), "--html", str(page), "--reports", str(tmp_path / "out"), "--top", "5"
    )
    assert code == EXIT_OK, err
    html = page.read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)"><bdi>([^<]+)</bdi></a>', html)
    assert len(links) == 5
    for href, candidate_id in links:
        assert href == report_file_name(candidate_id)
        target = (page.parent / href).read_text(encoding="utf-8")
        assert candidate_id in target and 'href="shortlist.html"' in target


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(ids=st.lists(st.one_of(st.sampled_from(HOSTILE_IDS), candidate_ids()), min_size=1, max_size=6, unique=True))
def test_a_hostile_id_never_escapes_the_reports_folder(tmp_path_factory, ids):
    """Rule: whatever the ids, every report page is a file directly in the reports folder, named by a hash,
    nothing else is written anywhere, and each shortlist link is a relative link to one of those pages."""
    ids = [candidate_id.strip() for candidate_id in ids if candidate_id.strip()]
    ids = [candidate_id for candidate_id in dict.fromkeys(ids) if min(map(ord, candidate_id)) >= 0x20]
    if not ids:
        return
    root = tmp_path_factory.mktemp("hostile")
    results = _results_with_ids(root / "results.parquet", ids)
    reports = root / "site" / "reports"
    code, _, err = _run(
        "shortlist", str(results), "--html", str(root / "site" / "shortlist.html"), "--reports", str(reports)
    )
    assert code == EXIT_OK, err
    written = sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())
    pages = [name for name in written if name.startswith("site/reports/")]
    assert sorted(set(written) - set(pages)) == ["results.parquet", "site/shortlist.html"]
    assert all(NAME.fullmatch(name.removeprefix("site/reports/")) for name in pages)
    assert len(pages) == len({candidate_id[:128] for candidate_id in ids})
    html = (root / "site" / "shortlist.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(re.fullmatch(r"reports/candidate-[0-9a-f]{20}\.html", href) for href in hrefs)
    for name in pages:
        page = (root / name).read_text(encoding="utf-8")
        assert "<script>alert" not in page and "<img" not in page


def test_write_row_reports_names_pages_by_hash_only(tmp_path):
    path = _results_with_ids(tmp_path / "r.jsonl", list(HOSTILE_IDS))
    written = write_row_reports(path, [candidate_id[:128] for candidate_id in HOSTILE_IDS[:-1]], tmp_path / "reports")
    assert {page.parent for page in written.values()} == {tmp_path / "reports"}
    assert all(NAME.fullmatch(page.name) for page in written.values())


def test_a_row_page_isolates_and_escapes_the_id(tmp_path):
    path = _results_with_ids(tmp_path / "r.csv", ["\u202e<b>x</b>"])
    html = row_html_report(find_result_row(path, "\u202e<b>x</b>"))
    assert "<bdi>\u202e&lt;b&gt;x&lt;/b&gt;</bdi>" in html


#: What the row page says of where its figures come from, by results format and language (reviewer: the nb page
#: said "line 181" in English).
_PLACES = {".csv": ("line", "linje", "regel"), ".jsonl": ("line", "linje", "regel"), ".parquet": ("row", "rad", "rij")}
_PLACES[".xlsx"] = _PLACES[".parquet"]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_the_row_page_words_the_line_or_row_in_its_language(results, suffix):
    row = find_result_row(results[suffix], "cand-0007")
    en, nb, nl = _PLACES[suffix]
    number = row.place[1]
    assert row.place[0] == en and row.source.endswith(f"{en} {number}")  # messages keep English
    for language, word in (("en", en), ("nb", nb), ("nl", nl)):
        page = row_html_report(row, language=language)
        text = row_text_report(row, language=language)
        assert f", {word} {number}." in page and f", {word} {number}." in text
        if language != "en":
            assert f"{en} {number}" not in page and f"{en} {number}" not in text


def test_a_row_that_needs_review_says_review_first_beside_its_greyed_band(results):
    """Reviewer: cand-0180 (fit 87.9, strong, idealised answers) had a greyed band and no "review first"."""
    row = find_result_row(results[".csv"], "cand-0180")
    assert row.needs_review and row.fit_band == "strong"
    page = row_html_report(row, language="nb")
    assert re.search(
        r'<span class="band band-muted">sterk</span>\s*<span class="review-first">vurder først</span>', page
    )
    assert "VURDER FØRST" in row_text_report(row, language="nb")
    calm = find_result_row(results[".csv"], next(r.candidate_id for r in _rows(results) if not r.needs_review))
    assert 'class="review-first"' not in row_html_report(calm)


def _rows(results):
    from profilefit.pages.reports import iter_result_rows

    return iter_result_rows(results[".csv"])


def test_the_review_line_reads_as_a_sentence_in_every_language(results):
    """Reviewer: "Needs human review: needed" / "Må vurderes av et menneske: trengs" read awkwardly."""
    flagged = find_result_row(results[".csv"], "cand-0180")
    calm = find_result_row(results[".csv"], next(r.candidate_id for r in _rows(results) if not r.needs_review))
    expected = {
        "en": ("Human review: A person must look closer", "Human review: Not needed for this result."),
        "nb": ("Manuell vurdering: En person må se nærmere", "Manuell vurdering: Ikke nødvendig for dette resultatet."),
        "sv": ("Manuell granskning: En person måste titta närmare", "Manuell granskning: Behövs inte för det här"),
        "nl": ("Menselijke beoordeling: Iemand moet dit nader bekijken", "Menselijke beoordeling: Niet nodig voor"),
    }
    for language, (needed, not_needed) in expected.items():
        assert needed in row_text_report(flagged, language=language)
        assert not_needed in row_text_report(calm, language=language)
        for row in (flagged, calm):
            assert ": needed" not in row_text_report(row, language=language).lower()


def test_profile_probabilities_are_whole_percentages_as_in_the_candidate_report(results):
    row = find_result_row(results[".csv"], "cand-0001")
    text = row_text_report(row, language="en")
    shown = re.findall(r"^  [^:]+: (\d+(?:\.\d+)?)%$", text, flags=re.MULTILINE)
    assert len(shown) == len(row.probabilities) and all("." not in value for value in shown)
    assert "35.0%" not in row_html_report(row)


def test_a_results_file_holding_an_id_twice_is_refused_by_the_shortlist_and_the_row_report(tmp_path, capsys):
    """A trial: two results files pasted together gave a shortlist of "800 candidates" with each one twice, and
    `report --id` silently the first row; the audit and the validation study already refused such a file."""
    from profilefit.apps.cli import main
    from profilefit.data.datasets import sample_export_path

    results = tmp_path / "r.csv"
    assert main(["score", str(sample_export_path()), "-o", str(results)]) in (0, 1)
    lines = results.read_text(encoding="utf-8").splitlines()
    pasted = tmp_path / "pasted.csv"
    pasted.write_text("\n".join(lines + lines[1:3]) + "\n", encoding="utf-8")
    capsys.readouterr()
    first = lines[1].split(",")[0].strip('"')
    assert main(["shortlist", str(pasted), "--html", str(tmp_path / "s.html")]) == 2
    assert main(["report", "--id", first, str(pasted)]) == 2
    err = capsys.readouterr().err
    assert err.count(f"{first!r} repeats line 2") == 2 and "holds each candidate once" in err
    assert not (tmp_path / "s.html").exists()
