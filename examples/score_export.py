"""Batch-score an assessment export into a results file and a rejects file, then look at both.

    python examples/score_export.py                        # the bundled sample export, into ./out
    python examples/score_export.py results-folder
    python examples/score_export.py out --export my_export.csv --role transactional

Writes OUTDIR/results.csv and OUTDIR/results.rejects.csv exactly as
``profilefit score sample -o OUTDIR/results.csv`` does, prints the summary, the rejected rows with
their reasons, how the candidates spread over the profiles and fit bands, and the candidates a
recruiter would look at first. Then it scores the same export in memory with
``profilefit.data.batch.score_batch`` and checks that both give the same numbers. Needs the ``io`` extra:
``pip install -e ".[io]"``. See docs/batch.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from profilefit.core.screening import Screener
from profilefit.data.batch import score_batch, score_file
from profilefit.data.datasets import sample_export_path
from profilefit.exceptions import MissingExtraError


def main() -> None:
    parser = argparse.ArgumentParser(description="Batch-score an assessment export.")
    parser.add_argument("out", nargs="?", default="out", help="folder to write into (default: ./out)")
    parser.add_argument("--export", help="an export file (default: the bundled sample export)")
    parser.add_argument("--role", default="complex-case", help="built-in role or role file (default: complex-case)")
    args = parser.parse_args()

    export = Path(args.export) if args.export else sample_export_path()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    screener = Screener.load(role=args.role)
    try:
        summary = score_file(export, out / "results.csv", screener=screener)
    except MissingExtraError as error:
        raise SystemExit(str(error)) from None
    print(summary.line())
    assert summary.rows_read == summary.rows_scored + summary.rows_rejected  # nothing is lost

    import pandas as pd  # part of the io extra, which score_file needed too

    # round_trip: pandas 2.x (the io extra's floor is 2.1) otherwise reads some decimals one bit off the written
    # double; pandas 3 reads them exactly and warns that the option is deprecated, so it is asked of 2.x only.
    exact = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
    results = pd.read_csv(summary.results_path, keep_default_na=False, na_values=[""], **exact)
    rejects = pd.read_csv(summary.rejects_path, keep_default_na=False, na_values=[""], dtype={"value": str})
    if len(rejects):
        print(f"\n{len(rejects)} problem(s) in {rejects['row'].nunique()} rejected row(s):")
        for problem in rejects.itertuples(index=False):
            print(
                f"  row {problem.row} ({problem.candidate_id}): {problem.field} = {problem.value!r}: {problem.reason}"
            )

    print("\nprofiles (undetermined: the top probability is below the model's minimum confidence):")
    for profile, count in results["profile"].value_counts().items():
        print(f"  {profile:<14}{count:5d}")
    if results["fit_band"].notna().any():
        print(f"\nfit to the {args.role} role:")
        for band in ("strong", "possible", "weak"):
            print(f"  {band:<14}{int((results['fit_band'] == band).sum()):5d}")
        first = results[~results["needs_review"]].sort_values("fit_score", ascending=False).head(5)
        print("\nfirst to look at (best fit, no validity flag, profile determined):")
        for row in first.itertuples(index=False):
            print(f"  {row.candidate_id:<12}fit {row.fit_score:5.1f}  {row.profile:<14}confidence {row.confidence:.2f}")
    flagged = results[results["validity_flags"].notna()]
    print(f"\n{len(flagged)} candidate(s) with a validity flag, {int(results['needs_review'].sum())} need review")

    # The same export in memory: the numbers equal the results file's (and Screener.score's).
    batch = score_batch(screener, export)
    same = (batch.results["p_controller"] - results["p_controller"]).abs().max()
    print(f"\nin memory: {batch.summary.line()}; largest difference from the file: {same:.1e}")
    print(f"wrote {summary.results_path} and {summary.rejects_path}")


if __name__ == "__main__":
    main()
