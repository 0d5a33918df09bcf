"""The shortlist is bounded: the top N by fit, a note of how many are left out, counts over every candidate."""

from __future__ import annotations

import csv
import re
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilefit.apps.cli import main
from profilefit.core.fit import BANDS
from profilefit.pages.reports import DEFAULT_TOP, iter_results, read_results, select_shortlist, shortlist_html
from tests.strategies import shortlist_rows

_COLUMNS = ("candidate_id", "profile", "top_profile", "confidence", "fit_score", "fit_band", "needs_review")


def _write_results(path, n):
    bands = ("strong", "possible", "weak", "")
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([*_COLUMNS, "validity_flags", "trained_on"])
        for k in range(n):
            band = bands[k % 4]
            score = "" if k % 7 == 0 else f"{(k * 37) % 1000 / 10:.1f}"
            writer.writerow([f"cand-{k:06d}", "rock", "rock", "0.61", score, band if score else "", k % 3 == 0, "", ""])


def _order(row):
    return (row.fit_band is None, row.fit_score is None, -(row.fit_score or 0.0), row.candidate_id)


@given(rows=shortlist_rows(), top=st.integers(1, 50))
@pytest.mark.slow
def test_the_top_n_of_a_stream_is_the_first_n_of_the_whole_sorted(rows, top):
    """Rule: select_shortlist(rows, top) keeps exactly sorted(rows)[:top], and counts every row, kept or not."""
    shortlist = select_shortlist(iter(rows), top=top)
    assert shortlist.rows == sorted(rows, key=_order)[:top]
    assert shortlist.total == len(rows) and shortlist.left_out == max(0, len(rows) - top)
    assert shortlist.band_counts == {band: sum(r.fit_band == band for r in rows) for band in BANDS}
    assert shortlist.needs_review == sum(r.needs_review for r in rows)
    assert shortlist.incomplete == sum(r.fit_score is not None and r.fit_band is None for r in rows)
    simulated = all(r.trained_on == "simulation" for r in rows)
    assert shortlist.trained_on == ("simulation" if simulated else "organisation data")
    assert select_shortlist(rows, top=None).rows == sorted(rows, key=_order)


@pytest.mark.parametrize("top", [0, -1, 2.5, True])
def test_top_must_be_a_positive_whole_number(top):
    with pytest.raises(ValueError, match="top must be a whole number of at least 1"):
        select_shortlist([], top=top)


def test_the_page_lists_the_top_and_says_how_many_are_left_out(tmp_path):
    path = tmp_path / "results.csv"
    _write_results(path, 40)
    everyone = read_results(path)
    page = shortlist_html(path, top=10, language="nb")
    assert page.count('<tr data-band="') == 10
    assert "Siden viser de 10 beste etter egnethet; 30 til er utelatt" in page
    assert "40 kandidater" in page  # the counts cover every candidate
    shown = re.findall(r'<td class="id" data-sort="([^"]+)"', page)
    assert shown == [row.candidate_id for row in sorted(everyone, key=_order)[:10]]
    whole = shortlist_html(path, top=None)
    assert whole.count('<tr data-band="') == 40 and 'id="left-out"' not in whole


def test_cli_top_defaults_to_500_and_names_what_it_left_out(tmp_path, capsys):
    path = tmp_path / "results.csv"
    _write_results(path, DEFAULT_TOP + 200)
    page = tmp_path / "shortlist.html"
    assert main(["shortlist", str(path), "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert f"{DEFAULT_TOP + 200} candidates" in out and f"200 left out, the best {DEFAULT_TOP} listed" in out
    assert page.read_text(encoding="utf-8").count('<tr data-band="') == DEFAULT_TOP
    assert main(["shortlist", str(path), "--html", str(page), "--top", "5"]) == 0
    assert page.read_text(encoding="utf-8").count('<tr data-band="') == 5
    with pytest.raises(SystemExit) as stopped:
        main(["shortlist", str(path), "--html", str(page), "--top", "0"])
    assert stopped.value.code == 2
    assert "expected a whole number of at least 1, not '0'" in capsys.readouterr().err


def _peak(function):
    tracemalloc.start()
    try:
        value = function()
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
@pytest.mark.slow
def test_a_results_file_is_read_a_row_at_a_time(tmp_path, monkeypatch, suffix):
    """Selecting the top 10 of 20,000 results holds a small part of what every row takes: rows are streamed."""
    monkeypatch.setattr("profilefit.data.io._files._PARQUET_BATCH_ROWS", 1_000)  # several batches at this size
    path = tmp_path / "results.csv"
    _write_results(path, 20_000)
    if suffix != ".csv":
        pd = pytest.importorskip("pandas")
        pytest.importorskip("pyarrow")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        path = tmp_path / f"results{suffix}"
        if suffix == ".jsonl":
            frame.to_json(path, orient="records", lines=True)
        else:
            frame.to_parquet(path)
    shortlist, streamed = _peak(lambda: select_shortlist(iter_results(path), top=10))
    everyone, whole = _peak(lambda: read_results(path))
    assert shortlist.total == len(everyone) == 20_000 and len(shortlist.rows) == 10
    assert streamed < whole / 5, f"top 10: peak {streamed:,} bytes; every row: {whole:,} bytes"


@pytest.mark.parametrize(
    ("language", "total", "left_out"),
    [("en", "1,500 candidates", "1,490 more"), ("nb", "1\u00a0500 kandidater", "1\u00a0490 til")],
)
def test_every_count_on_the_page_is_grouped_by_the_number_rule(tmp_path, language, total, left_out):
    """Reviewer: '200000 candidates; 36000 strong … 199500 more are left out' broke the one number rule."""
    path = tmp_path / "results.csv"
    _write_results(path, 1500)
    page = shortlist_html(path, top=10, language=language)
    assert total in page and left_out in page
    counts = re.search(r'<p class="meta">(.*?)</p>', page).group(1)
    assert not re.search(r"\d{4}", counts), counts  # every count of four digits or more is grouped


def test_the_cli_summary_line_groups_thousands(tmp_path, capsys):
    path = tmp_path / "results.csv"
    _write_results(path, 1500)
    assert main(["shortlist", str(path), "--html", str(tmp_path / "s.html"), "--top", "10"]) == 0
    out = capsys.readouterr().out
    assert "1,500 candidates" in out and "1,490 left out, the best 10 listed" in out
    assert not re.search(r"\d{4}", out.replace(str(tmp_path), "")), out
