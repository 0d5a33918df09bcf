"""What careless answering does to ``profilefit calibrate``, and what leaving those rows out gives back.

Usage::

    python benchmarks/calibration_careless.py                    # 3,000 applicants, seeds 21-23
    python benchmarks/calibration_careless.py --people 2000 --seeds 21

For each seed it simulates that many applicants of the reference simulation answering the shipped
instrument 2.0 (``simulate_forced_choice``: about one in ten answers carelessly, half of them marking at
random and half giving one answer to every block). It calibrates twice, one BLAS thread each, as
``profilefit calibrate`` does: on every row (``--keep-careless``), and on the rows that
``profilefit.core.validity.careless_answers`` keeps (the default: straight-lining, a wrong attention
check and too fast are left out). Each calibration is compared with the parameters the answers were
simulated from: its root mean squared residual (RMSR, the fit to the answers' own correlations, as the
parameters file records it), the largest error of a trait correlation, and the largest error of a
standardised loading (lambda / sqrt(lambda^2 + psi^2)). docs/thurstonian.md quotes its output.
"""

from __future__ import annotations

import argparse

import numpy as np
from threadpoolctl import threadpool_limits

from profilefit.core.instrument import load_instrument
from profilefit.core.scoring import Responses, load_parameters
from profilefit.core.thurstonian import ThurstonianModel, calibrate
from profilefit.core.validity import careless_answers
from profilefit.data.simulate import simulate_forced_choice


def standardised(model: ThurstonianModel) -> np.ndarray:
    return np.asarray(model.loading / np.sqrt(model.loading**2 + model.uniqueness))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[21, 22, 23])
    args = parser.parse_args()
    instrument = load_instrument("customer-contact-2.0")
    truth = load_parameters(instrument)
    design = instrument.forced_choice_design()
    print(f"instrument 2.0, {args.people:,} simulated applicants per seed; parameters against those simulated from")
    print("seed  rows  careless (simulated)  left out  calibrated on   RMSR    trait-corr error  std-loading error")
    with threadpool_limits(limits=1, user_api="blas"):
        for seed in args.seeds:
            sim = simulate_forced_choice(args.people, instrument, seed=seed)
            responses = Responses(
                instrument, sim.candidate_ids, np.empty((args.people, 0)), sim.choices, sim.checks, sim.seconds,
                sim.blocks,
            )  # fmt: skip
            left_out = careless_answers(responses).any
            for name, rows in (("every row", np.ones(args.people, dtype=bool)), ("careless out", ~left_out)):
                positions = sim.positions[rows]
                answered = (positions >= 0).any(axis=(1, 2))
                calibration = calibrate(design, positions[answered])
                model = calibration.model
                correlation = np.abs(model.trait_correlation - truth.trait_correlation).max()
                loading = np.abs(standardised(model) - standardised(truth)).max()
                print(
                    f"{seed:4d}  {args.people:5,}  {int(sim.careless.sum()):20,}  {int(left_out.sum()):8,}  "
                    f"{name:<12} {int(answered.sum()):5,}  {calibration.rmsr:.4f}  {correlation:16.3f}  "
                    f"{loading:17.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
