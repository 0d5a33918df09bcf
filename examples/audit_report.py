"""Adverse-impact audit of the bundled sample, with the bundled synthetic demographics.

    python examples/audit_report.py                      # score the bundled sample export, then audit it
    python examples/audit_report.py results.csv          # audit a results file you already have
    python examples/audit_report.py --select-band strong --lang nb --out-dir audit/
    python examples/audit_report.py results.csv --model my-model/labelled.model.json --role transactional

Prints the audit (what was audited, selection and scoring rates, impact ratios and tests per
category, and the same for each classification the model reports) and writes audit.csv,
audit.json and audit.html to the output directory (./out/audit unless --out-dir is given). The
bundled sample is scored with the reference model for the complex-case role. The demographics are
invented: they describe no real person, so any impact found here is chance. See docs/fairness.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from profilefit.evidence.audit import (
    DEFAULT_SELECT_BAND,
    SELECT_BANDS,
    audit_files,
    audit_languages,
    format_audit_text,
    sample_demographics_path,
    write_audit_csv,
    write_audit_html,
    write_audit_json,
)
from profilefit.exceptions import AuditMatchError


def score_bundled_sample(directory: Path) -> Path:
    """Score the bundled sample export into ``directory/sample_results.csv`` and return its path.

    The reference model and the default role (complex-case support) score it, as ``profilefit score`` does.
    """
    from profilefit.data.batch import score_file
    from profilefit.data.datasets import sample_export_path

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
    parser.add_argument("--model", help="the model that scored the results (default: read from the results)")
    parser.add_argument("--role", help="the role the fit was computed for (default: complex-case for the sample)")
    parser.add_argument("--lang", choices=audit_languages(), default="en", help="language of the text and page")
    parser.add_argument(
        "--out-dir",
        default="out/audit",
        help="where to write audit.csv, audit.json and audit.html (default: out/audit)",
    )
    args = parser.parse_args()

    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = Path(args.results) if args.results else score_bundled_sample(out_dir)
    role = args.role or (None if args.results else "complex-case")

    try:
        report = audit_files(results, args.demographics, select_band=args.select_band, model=args.model, role=role)
    except AuditMatchError as error:  # no result has a demographics row: nothing to audit
        raise SystemExit(f"audit_report.py: {error}") from None
    print(format_audit_text(report, args.lang))
    for path in (
        write_audit_csv(report, out_dir / "audit.csv"),
        write_audit_json(report, out_dir / "audit.json", language=args.lang),
        write_audit_html(report, out_dir / "audit.html", language=args.lang),
    ):
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
