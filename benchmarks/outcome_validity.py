"""How valid the fit is against the simulated outcomes, at a size where sampling noise is small.

Prints the figures docs/validation.md quotes for the simulated outcome models:

    python benchmarks/outcome_validity.py              # 20,000 applicants, seed 99
    python benchmarks/outcome_validity.py --n 50000 --seed 3

Applicants are drawn from the reference simulation and scored with the reference model and the
complex-case role; half are hired on the fit plus interview noise (as the bundled outcomes are).
It prints the fit's correlation with true performance and with the measured outcome among all
applicants, the observed correlation among the hired, U, and the Case II correction. DESIGN §6
asks observed validities among the hired to stay around .15–.30.
"""

from __future__ import annotations

import argparse

import numpy as np

from profilefit.core.screening import Screener
from profilefit.data.simulate import SimulationConfig, outcome_models, select_hired, simulate, simulate_outcome
from profilefit.evidence.validation import case_ii

HIRED_SHARE = 0.5
INTERVIEW_NOISE = 0.6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=99)
    args = parser.parse_args()

    config = SimulationConfig.reference()
    sample = simulate(args.n, seed=args.seed, config=config)
    fit = Screener.load().score_responses(sample.responses).fit.score
    hired = select_hired(fit, share=HIRED_SHARE, noise=INTERVIEW_NOISE, seed=args.seed + 1)
    u = float(np.std(fit) / np.std(fit[hired]))
    print(f"{args.n} simulated applicants (seed {args.seed}), {int(hired.sum())} hired; U = {u:.3f}")
    header = f"{'outcome':<20} {'r(fit, true) all':>17} {'r(fit, measured) all':>21}"
    print(f"{header} {'observed hired':>15} {'Case II':>8}")
    for k, (name, model) in enumerate(outcome_models().items()):
        drawn = simulate_outcome(sample.traits, config.traits, model, seed=args.seed + 2 + k)
        measured = drawn.observed.astype(float)
        observed = float(np.corrcoef(fit[hired], measured[hired])[0, 1])
        print(
            f"{name:<20} {np.corrcoef(fit, drawn.performance)[0, 1]:>17.3f} "
            f"{np.corrcoef(fit, measured)[0, 1]:>21.3f} {observed:>15.3f} {case_ii(observed, u):>8.3f}"
        )


if __name__ == "__main__":
    main()
