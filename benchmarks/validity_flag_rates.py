"""Flag rates of the response-validity flags among attentive and careless simulated candidates.

Reproduces the table in docs/fit.md:

    python benchmarks/validity_flag_rates.py            # 50,000 candidates, seed 11
    python benchmarks/validity_flag_rates.py --n 5000   # quicker, noisier

Candidates come from the reference simulation (docs/simulation.md), which marks who
answered carelessly; a flag's rate among attentive candidates is its false-alarm rate,
its rate among careless ones its detection rate.
"""

from __future__ import annotations

import argparse

import numpy as np

from profilefit.core.scoring import score_responses
from profilefit.core.validity import FLAG_IDS, validity_flags
from profilefit.data.simulate import simulate


def flag_rates(n: int, seed: int) -> dict[str, tuple[float, float]]:
    """Rate of each flag (and of any flag) among attentive and among careless simulated candidates."""
    simulation = simulate(n, seed=seed)
    flags = validity_flags(simulation.responses, score_responses(simulation.responses))
    careless = simulation.careless
    table = {flag: flags.flags[:, k] for k, flag in enumerate(FLAG_IDS)}
    table["any flag"] = flags.any
    return {name: (float(fired[~careless].mean()), float(fired[careless].mean())) for name, fired in table.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="simulated candidates (default: 50000)")
    parser.add_argument("--seed", type=int, default=11, help="simulation seed (default: 11)")
    args = parser.parse_args()
    simulation_careless = simulate(args.n, seed=args.seed).careless
    print(
        f"{args.n} simulated candidates, seed {args.seed}: "
        f"{int((~simulation_careless).sum())} attentive, {int(simulation_careless.sum())} careless"
    )
    print(f"{'flag':24s} {'attentive':>10s} {'careless':>10s}")
    for name, (attentive, careless) in flag_rates(args.n, args.seed).items():
        print(f"{name:24s} {attentive:10.4f} {careless:10.4f}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
