"""A local validation study on bundled synthetic outcomes, then a role learned from outcomes and checked.

    python examples/validation_study.py              # writes into ./out/validation
    python examples/validation_study.py --out-dir study/

What it does, in the order an analyst would:

1. Scores the bundled sample export (400 simulated applicants) into results.
2. Runs the study of the fit against the bundled outcomes of the 200 who were hired: a supervisor
   rating of complex-case resolution (reliability .52) and six-month retention (yes/no).
3. Tries to learn a role from the bundled study (about 160 ratings) and says whether to trust it.
4. Simulates a larger centre (3,000 applicants, 1,500 hired), learns a role there, and checks it on
   a second, independent simulated centre against the current role.

Needs the ``evidence`` extra for differential prediction: pip install -e ".[evidence]".
Everything here is simulated: no real person, no real outcome. See docs/validation.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from profilefit.core.screening import Screener
from profilefit.data.batch import score_file
from profilefit.data.datasets import sample_export_path
from profilefit.evidence.audit import sample_demographics_path
from profilefit.evidence.validation import (
    format_study_text,
    learn_role_files,
    read_applicants,
    read_outcomes,
    sample_outcomes_path,
    validate_files,
    validation_study,
    write_simulated_centre,
    write_study_html,
    write_study_json,
)


def headline(title: str, study) -> None:
    v = study.validity
    print(
        f"{title}: n = {study.counts.study_n}, observed r = {v.pearson.value:.3f} "
        f"[{v.pearson.low:.3f}, {v.pearson.high:.3f}], range-corrected r = {v.range_corrected.value:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "folder", nargs="?", default="out", help="output folder (default: out); files go in FOLDER/validation"
    )
    parser.add_argument("--out-dir", help="exactly where to write the files (default: FOLDER/validation)")
    args = parser.parse_args()
    out = Path(args.out_dir or Path(args.folder) / "validation")
    out.mkdir(parents=True, exist_ok=True)

    print("1. Scoring the bundled sample export")
    results = out / "sample_results.csv"
    score_file(sample_export_path(), results)

    print("\n2. The study: fit against the supervisor rating of complex-case resolution\n")
    study = validate_files(
        results,
        sample_outcomes_path(),
        "resolution_rating",
        demographics=sample_demographics_path(),
        criterion_reliability=0.52,
    )
    print(format_study_text(study))
    print(f"Wrote {write_study_json(study, out / 'study.json')}")
    print(f"Wrote {write_study_html(study, out / 'study.html')}")
    retention = validate_files(results, sample_outcomes_path(), "retained_6m")
    headline("Six-month retention (yes/no)", retention)

    print("\n3. Learning a role from the bundled study")
    learned = learn_role_files(results, sample_outcomes_path(), "resolution_rating")
    cv = learned.cv_validity
    validity = f"cross-validated r = {cv.value:.3f} [{cv.low:.3f}, {cv.high:.3f}]"
    print(f"   n = {learned.n}, {validity}; trusted: {learned.trusted}")
    for problem in learned.problems:
        print(f"   Refused: {problem}")
    for warning in learned.warnings:
        print(f"   Warning: {warning}")

    print("\n4. A larger simulated centre: learn there, check on an independent one")
    centre = write_simulated_centre(out / "centre_a", applicants=3000, seed=7070)
    learned = learn_role_files(*centre, "resolution_rating")
    weights = ", ".join(f"{scale} {weight:g}" for scale, weight in sorted(learned.weights.items(), key=lambda i: -i[1]))
    cv = learned.cv_validity
    print(f"   learned on n = {learned.n}: weights {weights}")
    print(f"   cross-validated r = {cv.value:.3f} [{cv.low:.3f}, {cv.high:.3f}]; trusted: {learned.trusted}")
    role_path = out / "learned-resolution.toml"
    role_path.write_text(learned.toml, encoding="utf-8")
    print(f"   Wrote {role_path}")

    results_b, outcomes_b = write_simulated_centre(out / "centre_b", applicants=3000, seed=8080)
    learned_results = out / "centre_b" / "learned_results.csv"
    score_file(out / "centre_b" / "centre_export.csv", learned_results, screener=Screener.load(role=role_path))
    outcomes = read_outcomes(outcomes_b, "resolution_rating")
    headline("   Centre B, current role", validation_study(read_applicants(results_b), outcomes))
    headline("   Centre B, learned role", validation_study(read_applicants(learned_results), outcomes))
    print(
        "   Centre B hired on the current role's fit, so the learned role's range correction is only a rough guide;"
        "\n   compare the observed figures."
    )


if __name__ == "__main__":
    main()
