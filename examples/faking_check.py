"""What an applicant who answers to look good gets, next to the same person answering honestly.

    python examples/faking_check.py            # writes the faked applicant's report into ./out
    python examples/faking_check.py reports --lang nb --role transactional

One simulated applicant answers twice with the same response noise: honestly, and coached for the
role (docs/faking.md). Both are scored; the faked answers carry the idealised-responding flag and
need review, and the report written for them says why. The applicant is simulated: the example
shows what the defences do, not what a real applicant would do.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from profilefit.core.fit import load_role
from profilefit.core.screening import Screener
from profilefit.data.simulate import SimulationConfig, presentation, simulate
from profilefit.pages.reports import report_languages, write_reports


def main() -> None:
    parser = argparse.ArgumentParser(description="An honest and a faked answer sheet of the same applicant, scored.")
    parser.add_argument("out", nargs="?", default="out", help="folder to write the faked report into (default: ./out)")
    parser.add_argument("--lang", default="en", choices=report_languages(), help="report language (default: en)")
    parser.add_argument("--role", default="complex-case", help="built-in role (default: complex-case)")
    parser.add_argument("--seed", type=int, default=4, help="which simulated applicant (default: 4)")
    args = parser.parse_args()

    screener = Screener.load(role=args.role)
    instrument = screener.instrument
    attentive = SimulationConfig.reference(careless_share=0.0)
    coached = presentation("directed", instrument, role=load_role(args.role))
    honest = simulate(1, seed=args.seed, config=attentive, presentation=presentation("honest", instrument))
    faked = simulate(1, seed=args.seed, config=attentive, presentation=coached)

    for label, sim in (("honest", honest), (f"coached for {args.role}", faked)):
        result = screener.score(sim.responses.to_records()[0])
        assert result.fit is not None
        flags = ", ".join(flag.flag for flag in result.flags) or "none"
        print(
            f"{label:28s} fit {result.fit.score:5.1f} ({result.fit.band or 'incomplete'}), flags: {flags}, "
            f"needs review: {'yes' if result.needs_human_review else 'no'}"
        )
    out = Path(args.out)
    paths = write_reports(result, out, language=args.lang, role=screener.role)
    print(f"the coached answers' report: {', '.join(str(p) for p in paths.values())}")


if __name__ == "__main__":
    main()
