"""Can the blocks of instrument 2.0 be arranged so that a coached applicant gains less? A design study.

    python benchmarks/forced_choice_design.py             # 10,000 applicants per condition, seed 20261206
    python benchmarks/forced_choice_design.py --n 20000 --iterations 400000

The 72 statements of the shipped 2.0 file keep their texts, ratings and keying; only which block
each sits in, and where in the block, changes. A seeded simulated annealing search looks for
arrangements that keep every rule tests/core/test_instrument_2.py and ``check_design`` enforce
(three scales per block, desirability spread at most 0.5 per block, each scale in at least 8 blocks
with at least 5 partner scales, at least 15 % of comparisons between opposite keys, no scale in two
blocks in a row, reverse statements at every position) and minimise

    sum over blocks of  (generic desirability spread) + weight * (spread of the role's pull),

and, last, the role's pull spread alone (the generic spread only kept within its 0.5 rule),

where a statement's pull is :func:`~profilefit.data.simulate.role_pull` for the complex-case role
(its normalised weight, signed by keying and the direction the role wants): what a coach adds to the
statement's desirability. Weight 0 matches the generic ratings as closely as the rules allow; a large
weight puts statements the role pulls alike into the same block, so the coached applicant finds less
to choose between.

For the shipped design and each searched one, the simulation's parameters are regenerated in memory
by its rule (``simulation_parameters``; loadings follow the statement ids, so they move with the
statements), and the same simulated people answer honestly and with directed faking (1.2's
strengths, not re-tuned). Printed per design:

- honest trait recovery: mean over scales of r(estimate, true trait) and the empirical reliability
  (Brown 2011: var(est) / (var(est) + mean SE^2)), attentive applicants;
- per role: r of the role's composite (weight x direction x scale) estimated against true; the
  honest fit's reliability, r of the fit from estimated scales with the fit from the true traits
  (each placed on honest norms of its own kind; the same scenario choices in both); directed fit gain
  in SD of the honest fit; and the fakers' strong-band share against their honest share with a
  quarter of attentive applicants faking (as benchmarks/faking.py).

Then, on the shipped design, the ``idealised`` flag (core/validity.py): how often it fires for
honest, average-applicant and directed attentive simulated applicants of each role, with the
thresholds it had before (index 0.45, blocks alone 0.5, no role), with today's thresholds on the
generic desirability order alone (a Screener without a role), on the generic order alone with the
index threshold lowered until about as many honest applicants are flagged as with the role, and with
the role's order added (``FC_ROLE_ORDER_SHARE``; a Screener with the role), and with one side of the
blocks in the role's order added (``FC_ROLE_ONE_SIDE_SHARE``, today's rule with a role): a rule is worth
adding where it catches more fakers than it adds false alarms.
``--part flags`` prints this part alone.

The applicants are simulated (docs/simulation.md, docs/faking.md).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from faking import quarter_faking  # benchmarks/faking.py
from tests.simulated_forced_choice import ForcedChoiceScreening, forced_choice_flags

from profilefit.core.fit import RoleProfile, builtin_roles, load_role
from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.scoring import NormGroup, Responses, load_parameters, score_responses
from profilefit.core.screening import Screener
from profilefit.core.thurstonian import check_design
from profilefit.core.thurstonian import score as map_scores
from profilefit.core.validity import (
    FC_IDEALISED_STATEMENTS_ONLY,
    FC_IDEALISED_THRESHOLD,
    FC_ROLE_ONE_SIDE_SHARE,
    FC_ROLE_ORDER_SHARE,
    validity_flags,
)
from profilefit.data.simulate import presentation, role_pull, simulate_forced_choice, simulation_parameters
from profilefit.data.simulate._parameters_file import shipped_instrument_file

#: The rules of tests/core/test_instrument_2.py the search keeps.
MAX_SPREAD = 0.5
MIN_BLOCKS, MIN_PARTNERS, MIN_MIXED = 8, 5, 0.15
#: Penalty per broken rule in the search's energy: far above any objective difference.
RULE_PENALTY = 100.0


def raw_instrument() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(shipped_instrument_file().read_text("utf-8"))
    return data


def statements_of(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [statement for block in raw["blocks"] for statement in block["statements"]]


def instrument_from(raw: dict[str, Any], order: list[int]) -> Instrument:
    """The instrument with its statements placed by ``order`` (slot -> statement index), blocks b01.. in order."""
    statements = statements_of(raw)
    blocks = [
        {"id": f"b{k + 1:02d}", "statements": [statements[order[3 * k + p]] for p in range(3)]}
        for k in range(len(order) // 3)
    ]
    return Instrument.model_validate({**raw, "blocks": blocks})


class Search:
    """Simulated annealing over the placement of the statements (slot -> statement index)."""

    def __init__(self, raw: dict[str, Any], pull: NDArray[np.float64], weight: float, generic: float = 1.0) -> None:
        statements = statements_of(raw)
        scales = sorted({s["scale"] for s in statements})
        self.scale = [scales.index(s["scale"]) for s in statements]
        self.reverse = [bool(s["reverse"]) for s in statements]
        self.rating = [float(s["desirability"]) for s in statements]
        self.pull = [float(p) for p in pull]
        self.weight = weight
        self.generic = generic
        self.n_blocks = len(statements) // 3
        self.n_scales = len(scales)

    def rules(self, order: list[int]) -> tuple[int, float]:
        """Number of broken rules, and the objective."""
        broken, objective = 0, 0.0
        scales_of: list[set[int]] = []
        partners = [set() for _ in range(self.n_scales)]  # type: list[set[int]]
        mixed = 0
        for k in range(self.n_blocks):
            members = order[3 * k : 3 * k + 3]
            scales = [self.scale[i] for i in members]
            unique = set(scales)
            broken += 3 - len(unique)
            ratings = [self.rating[i] for i in members]
            spread = max(ratings) - min(ratings)
            broken += spread > MAX_SPREAD + 1e-9
            pulls = [self.pull[i] for i in members]
            objective += self.generic * spread + self.weight * (max(pulls) - min(pulls))
            keys = [self.reverse[i] for i in members]
            mixed += sum(a != b for a, b in ((keys[0], keys[1]), (keys[0], keys[2]), (keys[1], keys[2])))
            for s in unique:
                partners[s] |= unique - {s}
            if scales_of:
                broken += len(scales_of[-1] & unique)
            scales_of.append(unique)
        broken += sum(max(0, MIN_PARTNERS - len(p)) for p in partners)
        broken += mixed < MIN_MIXED * 3 * self.n_blocks
        positions = {p for k, i in enumerate(order) if self.reverse[i] for p in [k % 3]}
        broken += 3 - len(positions)
        return broken, objective

    def energy(self, order: list[int]) -> float:
        broken, objective = self.rules(order)
        return RULE_PENALTY * broken + objective

    def run(self, start: list[int], iterations: int, seed: int) -> list[int]:
        rng = np.random.default_rng(seed)
        order = list(start)
        energy = self.energy(order)
        best, best_energy = list(order), energy
        n = len(order)
        pairs = rng.integers(0, n, size=(iterations, 2))
        draws = rng.random(iterations)
        for step in range(iterations):
            temperature = 2.0 * (0.002 / 2.0) ** (step / iterations)
            a, b = int(pairs[step, 0]), int(pairs[step, 1])
            if a == b:
                continue
            order[a], order[b] = order[b], order[a]
            trial = self.energy(order)
            if trial <= energy or draws[step] < math.exp((energy - trial) / temperature):
                energy = trial
                if energy < best_energy:
                    best, best_energy = list(order), energy
            else:
                order[a], order[b] = order[b], order[a]
        return best


def composite(values: NDArray[np.float64], role: RoleProfile, scale_ids: tuple[str, ...]) -> NDArray[np.float64]:
    """The role's weighted composite: sum of weight x direction x scale."""
    w = np.array(
        [
            (role.scales[s].weight * (-1.0 if role.scales[s].direction == "lower" else 1.0))
            if s in role.scales
            else 0.0
            for s in scale_ids
        ]
    )
    result: NDArray[np.float64] = values @ w
    return result


def measure(instrument: Instrument, n: int, seed: int, agreement: Screener) -> dict[str, Any]:
    model = simulation_parameters(instrument).to_model(instrument.forced_choice_design())
    scale_ids = instrument.scale_ids
    honest_p = presentation("honest", instrument)
    norm_sim = simulate_forced_choice(n, instrument, seed=seed + 1, presentation=honest_p)
    norm_attentive = ~norm_sim.careless
    norm_scores = map_scores(model, norm_sim.positions).estimate[norm_attentive]
    norms = NormGroup.from_scores("honest simulated applicants", scale_ids, norm_scores)
    true_norms = NormGroup.from_scores("true traits", scale_ids, norm_sim.standardised_traits[norm_attentive])

    honest = simulate_forced_choice(n, instrument, seed=seed, presentation=honest_p)
    attentive = ~honest.careless
    scored = map_scores(model, honest.positions)
    est, se = scored.estimate[attentive], scored.standard_error[attentive]
    true = honest.standardised_traits[attentive]
    r = [float(np.corrcoef(est[:, k], true[:, k])[0, 1]) for k in range(len(scale_ids))]
    reliability = est.var(axis=0) / (est.var(axis=0) + (se**2).mean(axis=0))
    out: dict[str, Any] = {"r": float(np.mean(r)), "rel": float(np.mean(reliability)), "roles": {}}
    for role_id in builtin_roles():
        role = load_role(role_id)
        screening = ForcedChoiceScreening.build(role, instrument, model, norms, agreement)
        fit_est = screening.scorer.score(norms.percentiles(scored.estimate, scale_ids), choices=honest.choices)
        fit_true = screening.scorer.score(
            true_norms.percentiles(honest.standardised_traits, scale_ids), choices=honest.choices
        )
        fit_r = float(np.corrcoef(fit_est.score[attentive], fit_true.score[attentive])[0, 1])
        comp_r = float(np.corrcoef(composite(est, role, scale_ids), composite(true, role, scale_ids))[0, 1])
        directed = simulate_forced_choice(
            n, instrument, seed=seed, presentation=presentation("directed", instrument, role=role)
        )
        fit_dir = screening.scorer.score(
            norms.percentiles(map_scores(model, directed.positions).estimate, scale_ids), choices=directed.choices
        )
        base = fit_est.score[attentive]
        gain = float((fit_dir.score[attentive].mean() - base.mean()) / base.std())
        names = ("failed_attention_check", "too_fast", "idealised")
        flags_h = forced_choice_flags(
            instrument, honest.blocks, honest.checks, honest.seconds, model=model, choices=honest.choices, role=role
        )
        flags_d = forced_choice_flags(
            instrument,
            directed.blocks,
            directed.checks,
            directed.seconds,
            model=model,
            choices=directed.choices,
            role=role,
        )
        shares = quarter_faking(
            (fit_est.score, fit_est.band, np.column_stack([flags_h[f] for f in names])),
            (fit_dir.score, fit_dir.band, np.column_stack([flags_d[f] for f in names])),
            attentive,
            np.random.default_rng([seed, 25]),
        )
        out["roles"][role_id] = {
            "composite_r": comp_r,
            "fit_r": fit_r,
            "gain": gain,
            "ratio": shares["mixed_strong"] / shares["honest_strong"],
        }
    return out


def pull_spread(instrument: Instrument, role: RoleProfile) -> float:
    """Mean over blocks of the spread (max - min) of the role's pull."""
    spreads = []
    for block in instrument.blocks:
        pulls = [role_pull(role, s.scale, s.reverse) for s in block.statements]
        spreads.append(max(pulls) - min(pulls))
    return float(np.mean(spreads))


def flag_study(n: int, seed: int) -> None:
    """The idealised flag's rates on the shipped 2.0 under three sets of thresholds (see the module docstring)."""
    instrument = load_instrument("customer-contact-2.0")
    model = load_parameters(instrument)
    roles = builtin_roles()
    sims = {
        c: simulate_forced_choice(n, instrument, seed=seed, presentation=presentation(c, instrument))
        for c in ("honest", "applicant")
    }
    for role_id in roles:
        how = presentation("directed", instrument, role=load_role(role_id))
        sims[f"directed {role_id}"] = simulate_forced_choice(n, instrument, seed=seed, presentation=how)
    attentive = ~sims["honest"].careless
    print(
        f"\nidealised flag on the shipped 2.0, {n} simulated applicants per condition (seed {seed}), attentive counted;"
        " share of each condition flagged"
    )
    rules = {
        "before: index >= 0.45 or blocks >= 0.5, no role": (0.45, 0.5, None, None),
        f"now, no role: index >= {FC_IDEALISED_THRESHOLD:g} or blocks >= {FC_IDEALISED_STATEMENTS_ONLY:g}": (
            FC_IDEALISED_THRESHOLD,
            FC_IDEALISED_STATEMENTS_ONLY,
            None,
            None,
        ),
        f"as many honest flagged, no role: index >= 0.5 or blocks >= {FC_IDEALISED_STATEMENTS_ONLY:g}": (
            0.5,
            FC_IDEALISED_STATEMENTS_ONLY,
            None,
            None,
        ),
        f"with the role: also role order >= {FC_ROLE_ORDER_SHARE:g}": (
            FC_IDEALISED_THRESHOLD,
            FC_IDEALISED_STATEMENTS_ONLY,
            FC_ROLE_ORDER_SHARE,
            None,
        ),
        "with the role: also one side in its order >= 0.75 (not adopted)": (
            FC_IDEALISED_THRESHOLD,
            FC_IDEALISED_STATEMENTS_ONLY,
            FC_ROLE_ORDER_SHARE,
            0.75,
        ),
        f"now, with the role: also one side in its order >= {FC_ROLE_ONE_SIDE_SHARE:g}": (
            FC_IDEALISED_THRESHOLD,
            FC_IDEALISED_STATEMENTS_ONLY,
            FC_ROLE_ORDER_SHARE,
            FC_ROLE_ONE_SIDE_SHARE,
        ),
    }
    print(f"  {'role':13s} {'thresholds':62s} " + " ".join(f"{c:>22s}" for c in sims))
    for role_id in roles:
        role = load_role(role_id)
        pull = np.array([role.pull(s.scale, s.reverse) for s in instrument.statements])
        parts = {}
        for condition, sim in sims.items():
            responses = Responses(
                instrument,
                sim.candidate_ids,
                np.empty((n, 0)),
                sim.choices,
                sim.checks,
                sim.seconds,
                sim.blocks,
            )
            flags = validity_flags(responses, score_responses(responses, model), pull)
            assert flags.ideal_blocks is not None and flags.rated_blocks is not None
            assert flags.role_blocks is not None and flags.role_rated is not None
            assert flags.role_most is not None and flags.role_least is not None
            enough = flags.rated_blocks >= 12
            blocks = np.where(enough, flags.ideal_blocks / np.maximum(flags.rated_blocks, 1), np.nan)
            role_enough = flags.role_rated >= 12
            role_count = np.maximum(flags.role_rated, 1)
            role_share = np.where(role_enough, flags.role_blocks / role_count, 0.0)
            one_side = np.where(role_enough, np.maximum(flags.role_most, flags.role_least) / role_count, 0.0)
            parts[condition] = (flags.idealised_index, blocks, role_share, one_side)
        for label, (index_at, blocks_at, role_at, side_at) in rules.items():
            rates = []
            for condition in sims:
                index, blocks, role_share, one_side = parts[condition]
                fired = (np.nan_to_num(index, nan=-1.0) >= index_at - 1e-9) | (
                    np.nan_to_num(blocks, nan=-1.0) >= blocks_at - 1e-9
                )
                if role_at is not None:
                    fired |= role_share >= role_at - 1e-9
                if side_at is not None:
                    fired |= one_side >= side_at - 1e-9
                rates.append(float(fired[attentive].mean()))
            print(f"  {role_id:13s} {label:62s} " + " ".join(f"{rate:22.3f}" for rate in rates))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="simulated applicants per condition (default 10000)")
    parser.add_argument("--seed", type=int, default=20261206, help="simulation seed (default 20261206)")
    parser.add_argument("--iterations", type=int, default=200_000, help="annealing steps per design (default 200000)")
    parser.add_argument(
        "--weights", type=float, nargs="+", default=[0.0, 0.5, 2.0, 8.0], help="pull-spread weights searched"
    )
    parser.add_argument("--part", choices=("design", "flags"), help="print one part only (default: both)")
    parser.add_argument("--orders", type=Path, help="write each searched design's statement order here (JSON)")
    args = parser.parse_args()
    if args.part != "flags":
        design_study(args)
    if args.part != "design":
        flag_study(2 * args.n, args.seed)


def design_study(args: argparse.Namespace) -> None:
    raw = raw_instrument()
    shipped = instrument_from(raw, list(range(72)))
    complex_case = load_role("complex-case")
    pull = np.array([role_pull(complex_case, s.scale, s.reverse) for s in shipped.statements])
    designs: list[tuple[str, Instrument]] = [("shipped", shipped)]
    orders: dict[str, list[str]] = {}
    searches = [(f"matched, weight {w:g}", 1.0, w) for w in args.weights] + [("role pull only", 0.0, 1.0)]
    for k, (label, generic, weight) in enumerate(searches):
        search = Search(raw, pull, weight, generic)
        order = search.run(list(range(72)), args.iterations, seed=args.seed + k)
        broken, _ = search.rules(order)
        instrument = instrument_from(raw, order)
        problems = check_design(
            instrument.forced_choice_design(),
            min_blocks=MIN_BLOCKS,
            min_partners=MIN_PARTNERS,
            min_mixed_share=MIN_MIXED,
        )
        if broken or problems:
            print(f"{label}: the search broke {broken} rules; check_design: {problems}")
            continue
        designs.append((label, instrument))
        orders[label] = [s.id for s in instrument.statements]
    if args.orders is not None:
        args.orders.write_text(json.dumps(orders, indent=1) + "\n", "utf-8")

    agreement = Screener.load()
    roles = builtin_roles()
    print(
        f"instrument 2.0 designs: the shipped blocks and {len(designs) - 1} searched ({args.iterations} annealing "
        f"steps each, seed {args.seed}); {args.n} simulated applicants per condition; attentive counted"
    )
    print(
        "pull spread: mean over blocks of max - min of the complex-case role's pull; desir.: mean generic "
        "desirability spread"
    )
    print("per role: comp r = role composite, estimated vs true; fit r = honest fit from estimates vs from true")
    print("traits; gain = directed fit gain in honest SD; x strong = fakers' strong-band share / honest (a quarter)")
    header = f"{'design':20s} {'desir.':>6s} {'pull':>5s} {'mean r':>6s} {'rel.':>5s}"
    for role_id in roles:
        header += f" | {role_id[:13]:>13s}: {'comp r':>6s} {'fit r':>5s} {'gain':>5s} {'x strong':>8s}"
    print(header)
    for label, instrument in designs:
        result = measure(instrument, args.n, args.seed, agreement)
        ratings = [[s.desirability or 0.0 for s in block.statements] for block in instrument.blocks]
        desir = float(np.mean([max(r) - min(r) for r in ratings]))
        line = (
            f"{label:20s} {desir:6.2f} {pull_spread(instrument, complex_case):5.2f} {result['r']:6.3f} "
            f"{result['rel']:5.3f}"
        )
        for role_id in roles:
            m = result["roles"][role_id]
            line += f" | {'':13s}  {m['composite_r']:6.3f} {m['fit_r']:5.3f} {m['gain']:5.2f} {m['ratio']:8.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
