"""Flag rates of the response-validity flags among attentive and careless simulated candidates.

Reproduces the table in docs/fit.md:

    python benchmarks/validity_flag_rates.py            # 50,000 candidates, seed 11
    python benchmarks/validity_flag_rates.py --n 5000   # quicker, noisier

and, with ``--by-band``, the table in docs/faking.md ("What to tell a recruiter"): on instrument 2.0,
the share of honest attentive simulated applicants the ``idealised`` flag marks in each fit band of
each built-in role (20,000 applicants, seed 20261206, as benchmarks/faking.py draws them):

    python benchmarks/validity_flag_rates.py --by-band

and, with ``--person-fit``, the table in docs/scoring.md ("Marks that follow no pattern"): on instrument 2.0,
the ``contradictory`` flag (person fit below ``FC_PERSON_FIT``) among attentive simulated applicants, as the
reference simulation has them answer and answering honestly, among people marking every block at random,
attentive applicants marking a share of the blocks at random, and with blocks left blank (20,000 each,
seed 11), with the person fit's quantiles and the share below a few other lines:

    python benchmarks/validity_flag_rates.py --person-fit

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


def idealised_by_band(n: int, seed: int) -> dict[str, dict[str, tuple[float, int]]]:
    """Per built-in role and fit band: honest attentive 2.0 applicants flagged idealised (share, count)."""
    from profilefit.core.fit import builtin_roles
    from profilefit.core.instrument import load_instrument
    from profilefit.core.scoring import Responses
    from profilefit.core.screening import Screener
    from profilefit.data.simulate import presentation, simulate_forced_choice

    instrument = load_instrument("customer-contact-2.0")
    sim = simulate_forced_choice(n, instrument, seed=seed, presentation=presentation("honest", instrument))
    responses = Responses(
        instrument, sim.candidate_ids, np.empty((n, 0)), sim.choices, sim.checks, sim.seconds, sim.blocks
    )
    attentive, column = ~sim.careless, FLAG_IDS.index("idealised")
    table: dict[str, dict[str, tuple[float, int]]] = {}
    for role in builtin_roles():
        batch = Screener.load("reference-2.0", role=role).score_responses(responses)
        assert batch.fit is not None
        band, flagged = np.asarray(batch.fit.band), batch.validity.flags[:, column]
        table[role] = {
            name: (float(flagged[attentive & (band == name)].mean()), int((attentive & (band == name)).sum()))
            for name in ("strong", "possible", "weak")
        }
        table[role]["all"] = (float(flagged[attentive].mean()), int(attentive.sum()))
    return table


def person_fit_rates(n: int, seed: int) -> None:
    """2.0: the person-fit flag among attentive applicants, random markers and part-random markers."""
    from profilefit.core.instrument import load_instrument
    from profilefit.core.scoring import Responses
    from profilefit.core.screening import Screener
    from profilefit.core.validity import FC_PERSON_FIT
    from profilefit.data.simulate import presentation, simulate_forced_choice

    instrument = load_instrument("customer-contact-2.0")
    screener = Screener.load("reference-2.0", role=None)
    column = FLAG_IDS.index("contradictory")
    lines = (0.0, 0.0025, FC_PERSON_FIT, 0.0075, 0.01, 0.015)
    rng = np.random.default_rng(seed)
    print(f"instrument 2.0, {n} simulated applicants (seed {seed}); flag line {FC_PERSON_FIT}")
    print(f"{'who':48s} {'flagged':>8s} {'q01':>7s} {'median':>7s}   share below " + " ".join(f"{x:>6}" for x in lines))

    def row(label: str, sim: object, blocks: np.ndarray, rows: np.ndarray) -> None:
        empty = np.empty((n, 0))
        responses = Responses(instrument, sim.candidate_ids, empty, sim.choices, sim.checks, sim.seconds, blocks)
        batch = screener.score_responses(responses)
        fit = batch.scores.person_fit
        assert fit is not None
        fit = fit[rows]
        q01, median = np.nanquantile(fit, [0.01, 0.5])
        shares = " ".join(f"{np.mean(fit < line):6.4f}" for line in lines)
        flagged = batch.validity.flags[rows, column].mean()
        print(f"{label:48s} {flagged:8.4f} {q01:7.4f} {median:7.4f}   {' ' * 8}{shares}")

    def blanked(blocks: np.ndarray, answered: int) -> np.ndarray:
        blocks = blocks.copy()
        order = np.argsort(rng.random(blocks.shape), axis=1)[:, : blocks.shape[1] - answered]
        np.put_along_axis(blocks, order, -1, axis=1)
        return blocks

    applicant = simulate_forced_choice(n, instrument, seed=seed)
    honest = simulate_forced_choice(n, instrument, seed=seed, presentation=presentation("honest", instrument))
    everyone = np.ones(n, dtype=bool)
    marks = rng.integers(0, 6, size=applicant.blocks.shape).astype(np.int8)
    row("applicant, attentive", applicant, applicant.blocks, ~applicant.careless)
    row("honest, attentive", honest, honest.blocks, ~honest.careless)
    row("marking every block at random", applicant, marks, everyone)
    for share in (0.25, 0.5, 0.75):
        part = np.where(rng.random(marks.shape) < share, marks, applicant.blocks)
        row(f"applicant, {share:.0%} of blocks at random (attentive)", applicant, part, ~applicant.careless)
    for answered in (22, 18, 12):
        row(
            f"applicant, attentive, {answered} of 24 answered",
            applicant,
            blanked(applicant.blocks, answered),
            ~applicant.careless,
        )
        row(f"at random, {answered} of 24 answered", applicant, blanked(marks, answered), everyone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="simulated candidates (default: 50000)")
    parser.add_argument("--seed", type=int, default=11, help="simulation seed (default: 11)")
    parser.add_argument(
        "--by-band", action="store_true", help="2.0: honest applicants flagged idealised, by fit band and role"
    )
    parser.add_argument(
        "--person-fit", action="store_true", help="2.0: the person-fit flag among attentive and random markers"
    )
    args = parser.parse_args()
    if args.person_fit:
        person_fit_rates(20_000 if args.n == 50_000 else args.n, args.seed)
        return
    if args.by_band:
        n, seed = (20_000, 20261206) if args.n == 50_000 and args.seed == 11 else (args.n, args.seed)
        print(f"instrument 2.0, {n} honest simulated applicants (seed {seed}); attentive ones counted")
        print("share flagged idealised in each fit band (applicants in the band)")
        for role, bands in idealised_by_band(n, seed).items():
            cells = "   ".join(f"{name} {share:.3f} ({count:,})" for name, (share, count) in bands.items())
            print(f"  {role:14s} {cells}")
        return
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
