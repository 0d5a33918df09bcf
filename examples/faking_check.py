"""What an applicant who answers to look good gets, next to the same person answering honestly.

    python examples/faking_check.py            # writes the faked applicant's report into ./out
    python examples/faking_check.py reports --lang nb --role transactional
    python examples/faking_check.py --instrument 2.0   # forced choice, with the page's warning too

One simulated applicant answers twice with the same response noise: honestly, and coached for the
role (docs/faking.md). Both are scored; the faked answers carry the idealised-responding flag and
need review, and the report written for them says why. On instrument 2.0 (``--instrument 2.0``) the
same applicant also answers coached after the candidate page's warning against faking, as the
simulation models it (docs/faking.md, "A warning before the test"); on 2.0 the flag catches about a
third of coached applicants, so a coached sheet may well come out strong without a flag. The
applicant is simulated: the example shows what the defences do, not what a real applicant would do.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from profilefit.core.fit import load_role
from profilefit.core.instrument import load_instrument
from profilefit.core.scoring import Responses
from profilefit.core.screening import Screener, ScreeningResult
from profilefit.data.simulate import (
    WARNED_TARGET_D,
    SimulationConfig,
    calibrate_directed_strength,
    presentation,
    simulate,
    simulate_forced_choice,
)
from profilefit.pages.reports import report_languages, write_reports


def main() -> None:
    parser = argparse.ArgumentParser(description="An honest and a faked answer sheet of the same applicant, scored.")
    parser.add_argument("out", nargs="?", default="out", help="folder to write the faked report into (default: ./out)")
    parser.add_argument("--lang", default="en", choices=report_languages(), help="report language (default: en)")
    parser.add_argument("--role", default="complex-case", help="built-in role (default: complex-case)")
    parser.add_argument("--seed", type=int, default=4, help="which simulated applicant (default: 4)")
    parser.add_argument("--instrument", default="1.2", choices=("1.2", "2.0"), help="instrument version (default: 1.2)")
    args = parser.parse_args()

    role = load_role(args.role)
    attentive = SimulationConfig.reference(careless_share=0.0)
    if args.instrument == "2.0":
        screener = Screener.load("reference-2.0", role=args.role)
        instrument = screener.instrument
        warned = calibrate_directed_strength(load_instrument(), role, target_d=WARNED_TARGET_D)
        sheets = {
            "honest": presentation("honest", instrument),
            f"coached for {args.role}": presentation("directed", instrument, role=role),
            "coached, after the warning": presentation("directed", instrument, role=role, strength=warned),
        }
        records = {}
        for label, how in sheets.items():
            sim = simulate_forced_choice(1, instrument, seed=args.seed, config=attentive, presentation=how)
            answers = Responses(
                instrument, sim.candidate_ids, np.empty((1, 0)), sim.choices, sim.checks, sim.seconds, sim.blocks
            )
            records[label] = answers.to_records()[0]
    else:
        screener = Screener.load(role=args.role)
        instrument = screener.instrument
        coached = presentation("directed", instrument, role=role)
        honest = simulate(1, seed=args.seed, config=attentive, presentation=presentation("honest", instrument))
        faked = simulate(1, seed=args.seed, config=attentive, presentation=coached)
        records = {
            "honest": honest.responses.to_records()[0],
            f"coached for {args.role}": faked.responses.to_records()[0],
        }

    coached_result: ScreeningResult | None = None
    for label, record in records.items():
        result = screener.score(record)
        assert result.fit is not None
        flags = ", ".join(flag.flag for flag in result.flags) or "none"
        print(
            f"{label:28s} fit {result.fit.score:5.1f} ({result.fit.band or 'incomplete'}), flags: {flags}, "
            f"needs review: {'yes' if result.needs_human_review else 'no'}"
        )
        if label.startswith("coached for"):
            coached_result = result
    assert coached_result is not None
    out = Path(args.out)
    # Its own file names: candidate_report.py writes report.* into the same folder.
    stem = "faked-report-2.0" if args.instrument == "2.0" else "faked-report"
    paths = write_reports(coached_result, out, language=args.lang, role=screener.role, stem=stem)
    print(f"the coached answers' report: {', '.join(str(p) for p in paths.values())}")


if __name__ == "__main__":
    main()
