"""A shortlist page for the bundled sample export: score every candidate, then one HTML page, best fit first.

    python examples/shortlist.py                 # writes ./out/results.csv, ./out/shortlist.html, ./out/reports/
    python examples/shortlist.py pages --lang sv

Each listed candidate's id opens their report page, written into ``reports/`` beside the shortlist (named
by a hash of the id). The results file is what ``profilefit score`` writes; the same pages come from the
command line:

    profilefit score sample -o out/results.csv
    profilefit shortlist out/results.csv --html out/shortlist.html --reports out/reports
"""

from __future__ import annotations

import argparse
from pathlib import Path

from profilefit.core.fit import BANDS
from profilefit.core.screening import Screener
from profilefit.data.batch import score_file
from profilefit.data.datasets import sample_export_path
from profilefit.data.io import read_assessments
from profilefit.exceptions import MissingExtraError
from profilefit.pages.reports import (
    ShortlistRow,
    read_results,
    relative_link,
    report_languages,
    rows_from_results,
    shortlist_html,
    write_row_reports,
)


def score_sample(screener: Screener, results_path: Path) -> list[ShortlistRow]:
    """Score the sample into a results file as ``profilefit score`` does; in memory without the io extra."""
    try:
        summary = score_file(sample_export_path(), results_path, screener=screener)
    except MissingExtraError:  # pyarrow is not installed: score in memory instead
        responses, _, _ = read_assessments(sample_export_path(), screener.instrument)
        print(f"scored {len(responses)} candidates in memory (pip install -e '.[io]' for a file)")
        return rows_from_results(screener.results(screener.score_responses(responses)))
    print(
        f"{summary.rows_read} rows read: {summary.rows_scored} scored into {results_path}, "
        f"{summary.rows_rejected} rejected into {summary.rejects_path}"
    )
    return read_results(results_path)


def main() -> None:
    parser = argparse.ArgumentParser(description="A shortlist page for the bundled sample export.")
    parser.add_argument("out", nargs="?", default="out", help="folder to write into (default: ./out)")
    parser.add_argument("--lang", default="en", choices=report_languages(), help="page language (default: en)")
    parser.add_argument("--role", default="complex-case", help="built-in role or role file (default: complex-case)")
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    screener = Screener.load(role=args.role)
    rows = score_sample(screener, out / "results.csv")

    page = out / "shortlist.html"
    links: dict[str, str] = {}
    if (out / "results.csv").exists():  # report pages of the listed candidates, beside the shortlist
        listed = sorted(rows, key=lambda r: (r.fit_band is None, -(r.fit_score or 0.0)))[:500]
        written = write_row_reports(
            out / "results.csv",
            [row.candidate_id for row in listed],
            out / "reports",
            language=args.lang,
            role=screener.role,
            back=relative_link(page, out / "reports"),
        )
        links = {candidate_id: relative_link(path, out) for candidate_id, path in written.items()}
        print(f"wrote {len(written)} report pages into {out / 'reports'}, linked from the shortlist")
    page.write_text(shortlist_html(rows, language=args.lang, role=screener.role, links=links), encoding="utf-8")
    counts = ", ".join(f"{sum(r.fit_band == band for r in rows)} {band}" for band in BANDS)
    print(f"wrote {page}: {len(rows)} candidates ({counts}; {sum(r.needs_review for r in rows)} need review)")
    print("top five by fit:")
    for row in sorted(rows, key=lambda r: -(r.fit_score or 0))[:5]:
        review = "  needs review" if row.needs_review else ""
        print(f"  {row.candidate_id}  {row.fit_score:5.1f}  {row.fit_band:8s} {row.profile}{review}")


if __name__ == "__main__":
    main()
