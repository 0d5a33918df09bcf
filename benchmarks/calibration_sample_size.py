"""How many applicants ``profilefit calibrate`` needs: recovery of instrument 2.0's parameters by sample size.

Usage::

    python benchmarks/calibration_sample_size.py                 # 1,000 / 1,500 / 2,000 / 3,000 people, seeds 1-5
    python benchmarks/calibration_sample_size.py --sizes 2000 --seeds 3

For each size and seed it simulates that many applicants from the shipped parameters of instrument 2.0
(``simulate_answers``), calibrates them (``calibrate``, one BLAS thread), and prints, per size: the
correlation of the estimated loadings with the generating ones in the identified form (each block's
first statement at psi^2 = 1) and standardised (lambda / sqrt(lambda^2 + psi^2)), the largest error
of a trait correlation, and the largest standardised loading (near 1: a near-Heywood case).
docs/thurstonian.md, "The minimum, 2,000 people, measured", quotes its output.
"""

from __future__ import annotations

import argparse

import numpy as np
from threadpoolctl import threadpool_limits

from profilefit.core.instrument import load_instrument
from profilefit.core.scoring import load_parameters
from profilefit.core.thurstonian import ThurstonianModel, calibrate, simulate_answers


def standardised(model: ThurstonianModel) -> np.ndarray:
    return np.asarray(model.loading / np.sqrt(model.loading**2 + model.uniqueness))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 1500, 2000, 3000])
    parser.add_argument("--seeds", type=int, default=5, help="samples per size, seeds 1..N (default: 5)")
    args = parser.parse_args()
    truth = load_parameters(load_instrument("customer-contact-2.0"))
    print("people  r identified form (per seed)          r standardised  largest trait-correlation error  max |std|")
    with threadpool_limits(1):
        for n in args.sizes:
            identified, standard, errors, largest = [], [], [], []
            for seed in range(1, args.seeds + 1):
                model = calibrate(truth.design, simulate_answers(truth, n, seed=seed).answers).model
                identified.append(np.corrcoef(model.loading, truth.loading)[0, 1])
                standard.append(np.corrcoef(standardised(model), standardised(truth))[0, 1])
                errors.append(np.abs(model.trait_correlation - truth.trait_correlation).max())
                largest.append(np.abs(standardised(model)).max())
            print(
                f"{n:6,}  {', '.join(f'{r:.3f}' for r in identified):<36}  "
                f"{min(standard):.3f}-{max(standard):.3f}     {min(errors):.3f}-{max(errors):.3f}"
                f"                      {max(largest):.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
