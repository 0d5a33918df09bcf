"""Adverse-impact audit of the bundled sample, with the bundled synthetic demographics.

    python examples/audit_report.py                      # score the bundled sample export, then audit it
    python examples/audit_report.py results.csv          # audit a results file you already have
    python examples/audit_report.py --select-band strong --out-dir audit/

Prints the audit table and writes audit.csv, audit.json and audit.html to the output directory
(./out/audit unless --out-dir is given). The demographics are invented: they describe
no real person, so any impact found here is chance. See docs/fairness.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from profilefit.audit import (
    DEFAULT_SELECT_BAND,
    SELECT_BANDS,
    audit_files,
    format_audit_text,
    sample_demographics_path,
    write_audit_csv,
    write_audit_html,
    write_audit_json,
)


def score_bundled_sample(directory: Path) -> Path:
    """Score the bundled sample export into ``directory/sample_results.csv`` and return its path."""
    from profilefit.batch import score_file
    from profilefit.datasets import sample_export_path

    results = directory / "sample_results.csv"
    score_file(sample_export_path(), results)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="?", help="a results file; default: score the bundled sample export")
    parser.add_argument(
        "--demographics", default=str(sample_demographics_path()), help="default: bundled synthetic file"
    )
    parser.add_argument("--select-band", choices=SELECT_BANDS, default=DEFAULT_SELECT_BAND)
    parser.add_argument(
        "--out-dir",
        default="out/audit",
        help="where to write audit.csv, audit.json and audit.html (default: out/audit)",
    )
    args = parser.parse_args()

    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = Path(args.results) if args.results else score_bundled_sample(out_dir)

    report = audit_files(results, args.demographics, select_band=args.select_band)
    print(format_audit_text(report))
    for path in (
        write_audit_csv(report, out_dir / "audit.csv"),
        write_audit_json(report, out_dir / "audit.json"),
        write_audit_html(report, out_dir / "audit.html"),
    ):
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
