"""Role fit of simulated candidates by their true profile, under every built-in role.

Prints the figures docs/fit.md quotes:

    python benchmarks/fit_by_profile.py              # 20,000 candidates, seed 5
    python benchmarks/fit_by_profile.py --n 100000

For each role: the median fit of attentive simulated candidates of each true profile,
the share of each profile in the strong and weak bands, the band shares overall (the
built-in cut-offs aim at about a quarter strong and a third weak), and what happens
to the fit when one answer moves one step toward the end of a scale the role prefers.
"""

from __future__ import annotations

import argparse

import numpy as np
from numpy.typing import NDArray

from profilefit.core.fit import builtin_roles
from profilefit.core.scoring import Responses
from profilefit.core.screening import Screener
from profilefit.data.simulate import simulate


def single_answer_changes(screener: Screener, responses: Responses) -> NDArray[np.float64]:
    """Change of fit when one answer on a weighted scale moves one step the way the role prefers.

    One value per candidate and item whose answer could still move.
    """
    role, instrument = screener.role, screener.instrument
    assert role is not None
    base = screener.score_responses(responses).fit
    assert base is not None
    changes = []
    for column, item in enumerate(instrument.items):
        need = role.scales.get(item.scale)
        if need is None:
            continue
        step = 1.0 if (not item.reverse) == (need.direction == "higher") else -1.0
        items = responses.items.copy()
        low, high = instrument.response_scale.min, instrument.response_scale.max
        items[:, column] = np.clip(items[:, column] + step, low, high)
        moved = Responses(
            instrument, responses.candidate_ids, items, responses.choices, responses.checks, responses.seconds
        )
        fit = screener.score_responses(moved).fit
        assert fit is not None
        changed = items[:, column] != responses.items[:, column]
        changes.append((fit.score - base.score)[changed])
    return np.concatenate(changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="simulated candidates (default: 20000)")
    parser.add_argument("--seed", type=int, default=5, help="simulation seed (default: 5)")
    args = parser.parse_args()
    simulation = simulate(args.n, seed=args.seed)
    attentive = ~simulation.careless
    print(f"{args.n} simulated candidates (seed {args.seed}), {int(attentive.sum())} attentive ones counted")
    for role_id in builtin_roles():
        screener = Screener.load(role=role_id)
        fit, role = screener.score_responses(simulation.responses).fit, screener.role
        assert fit is not None and role is not None
        print(f"\n{role_id} (strong >= {role.bands.strong}, possible >= {role.bands.possible})")
        print(f"  {'profile':14s} {'n':>6s} {'median':>7s} {'strong':>7s} {'weak':>7s}")
        for profile in screener.profile_ids:
            chosen = attentive & (simulation.profiles == profile)
            scores, band = fit.score[chosen], fit.band[chosen]
            print(
                f"  {profile:14s} {int(chosen.sum()):6d} {np.median(scores):7.1f} "
                f"{np.mean(band == 'strong'):7.2f} {np.mean(band == 'weak'):7.2f}"
            )
        shares = ", ".join(
            f"{name} {np.mean(fit.band[attentive] == name):.2f}" for name in ("strong", "possible", "weak")
        )
        print(f"  all attentive: median {np.median(fit.score[attentive]):.1f}; {shares}")
        deltas = single_answer_changes(screener, simulation.responses.take(np.arange(min(args.n, 5000))))
        print(
            f"  one answer one step the preferred way ({deltas.size} cases): fit up {np.mean(deltas > 0):.3f}, "
            f"same {np.mean(deltas == 0):.3f}, down {np.mean(deltas < 0):.3f} "
            f"(largest drop {max(0.0, -deltas.min()):.1f} points)"
        )


if __name__ == "__main__":
    main()
