"""What faking does to the fit, and how often each validity flag catches it.

Prints the figures docs/faking.md and the model card quote:

    python benchmarks/faking.py                 # 20,000 applicants per condition, seed 20261206
    python benchmarks/faking.py --n 50000 --seed 7
    python benchmarks/faking.py --rating-error 0.5   # our desirability ratings off by SD 0.5
    python benchmarks/faking.py --card docs/model-card.md --doc docs/faking.md   # write the figures there
    python benchmarks/faking.py --only 2.0 --n 5000     # the forced-choice section alone, quicker
    python benchmarks/faking.py --only 2.0 --role benchmarks/roles/complex-case-three-scales.toml

The same simulated applicants answer under every condition (honest, average applicant,
directed at the role, maximal), with the same response noise, so each faked fit has an
honest twin. For each built-in role and condition, over attentive applicants:

- the mean fit gain in SD of the honest fit, and the rank correlation of faked with honest fit;
- the share in the strong band, and in the strong band without a validity flag;
- each validity flag's rate (under ``honest``: its false-alarm rate; otherwise: detection);
- the share who need review.

On 2.0 a fifth applicant, ``warned``, is the directed one after the candidate page's warning against
faking: calibrated on 1.2 like ``directed``, to Speer's d less the mean effect of a warning (Moon et al.
2025, d = .31), and not tuned on 2.0.

Then, with a quarter of applicants faking (directed) and the rest honest: the fakers' share of
the strong band (fit alone, and strong without a flag) and of the top decile, against their
share when everyone answers honestly (the target is at most 1.3 times). Last, the answer
records of the faking issue, scored as an applicant would send them.

Then the same for the forced-choice instrument 2.0 (the shipped file when it is in the package,
otherwise the draft of tests/simulated_forced_choice.py; ``--instrument2`` names another): the same
people answer its blocks (``simulate_forced_choice``), are scored by the Thurstonian engine (MAP with
the shipped parameters, or the simulation's when no file ships), placed on a norm group of honest
simulated applicants' estimates, and given the role fit by ``RoleFitScorer`` with the shipped 1.2
model's profile logits and their scenario choices (``Screener.load("reference-2.0")`` has logits of its
own: on the same answers its fit differs by a few points at most). The flags are every flag the
product raises on 2.0 (``validity_flags`` with the role, as the Screener calls it, so ``contradictory``
and ``straight_lining`` count too), and "review" is the Screener's rule with a role: any flag, or an
incomplete fit. Printed: each scale's d of directed faking against honest on 1.2 and 2.0, the issue's
targets with a quarter faking, and the maximal and directed answer records with their flags.

The applicants are simulated (docs/simulation.md, docs/faking.md): these figures say what the
defences do against the faking the simulation models, not against every real applicant.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.simulated_forced_choice import (
    ForcedChoiceScreening,
    draft_instrument,
    forced_choice_validity,
    honest_norms,
    shipped_forced_choice,
)

from profilefit.core.fit import FitScores, RoleProfile, builtin_roles, load_role
from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.scoring import NormGroup, score_responses
from profilefit.core.screening import Screener
from profilefit.core.thurstonian import ThurstonianModel, ThurstonianParameters
from profilefit.core.thurstonian import score as map_scores
from profilefit.core.validity import FLAG_IDS
from profilefit.data.simulate import (
    CONDITIONS,
    WARNED_TARGET_D,
    WARNING_REDUCTION_D,
    block_codes,
    calibrate_directed_strength,
    idealised_block_share,
    presentation,
    role_scale_inflation,
    simulate,
    simulate_forced_choice,
    simulation_parameters,
)
from profilefit.data.simulate._parameters_file import norms_file, parameters_file, shipped_instrument_file
from profilefit.data.training._card import FAKING_END, FAKING_START, write_marked_section

#: Markers of the forced-choice figures in docs/faking.md (not the model card: it describes the 1.2 model).
FAKING_2_START, FAKING_2_END = "<!-- faking-2.0:start -->", "<!-- faking-2.0:end -->"
#: Speer et al. (2023), forced-choice scales: faked-minus-honest d for context-desirable traits, and over all.
SPEER_FC_DESIRABLE, SPEER_FC_ALL = 0.61, 0.41


def scored(screener: Screener, responses: Any) -> tuple[NDArray[np.float64], NDArray[np.str_], Any, Any]:
    batch = screener.score_responses(responses)
    assert batch.fit is not None
    return batch.fit.score, batch.fit.band, batch.validity.flags, batch.needs_human_review


def quarter_faking(
    honest: tuple[Any, ...], faked: tuple[Any, ...], attentive: NDArray[np.bool_], rng: np.random.Generator
) -> dict[str, float]:
    """Fakers' share of the strong band, strong-and-clear and top decile, against their honest share."""
    fakers = attentive & (rng.random(attentive.size) < 0.25)
    mixed_score = np.where(fakers, faked[0], honest[0])
    mixed_band = np.where(fakers, faked[1], honest[1])
    mixed_flag = np.where(fakers[:, None], faked[2], honest[2]).any(axis=1)
    out = {}
    for label, band, flag, score in (
        ("honest", honest[1], honest[2].any(axis=1), honest[0]),
        ("mixed", mixed_band, mixed_flag, mixed_score),
    ):
        strong = attentive & (band == "strong")
        clear = strong & ~flag
        decile = attentive & (score >= np.quantile(score[attentive], 0.9))
        out[f"{label}_strong"] = float(fakers[strong].mean())
        out[f"{label}_clear"] = float(fakers[clear].mean())
        out[f"{label}_decile"] = float(fakers[decile].mean())
    return out


def against_targets(
    faked_fit: NDArray[np.float64],
    honest_fit: NDArray[np.float64],
    attentive: NDArray[np.bool_],
    shares: dict[str, float],
) -> tuple[tuple[float, str], tuple[float, str]]:
    """Issue 21's two fit targets: the fit gain in honest SD (at most 0.4), the strong-band ratio (at most 1.15)."""
    gain = float((faked_fit[attentive].mean() - honest_fit.mean()) / honest_fit.std())
    ratio = shares["mixed_strong"] / shares["honest_strong"]
    return (gain, "met" if gain <= 0.4 else "NOT met"), (ratio, "met" if ratio <= 1.15 else "NOT met")


#: The fit's three parts (docs/fit.md), as attributes of :class:`FitScores`.
FIT_PARTS = {"scales": "scale_component", "profiles": "profile_component", "scenarios": "situational_component"}


def part_gain(honest: NDArray[np.float64], faked: NDArray[np.float64]) -> float:
    """Mean gain of ``faked`` over ``honest`` (the same people), in SD of the honest values."""
    return float((faked.mean() - honest.mean()) / honest.std())


def print_part_gains(honest: FitScores, directed: FitScores, attentive: NDArray[np.bool_]) -> None:
    """Directed faking's gain in each part of the fit, and in the fit made of each part alone or of two.

    The fit is a weighted sum of its three parts; the printed mixes show how far re-weighting the
    parts could take the gain (the role's own shares are in the line above, as the fit).
    """
    gains = {
        name: part_gain(getattr(honest, field)[attentive], getattr(directed, field)[attentive])
        for name, field in FIT_PARTS.items()
    }
    print(
        "  directed gain of each part of the fit, in SD of its honest value: "
        + ", ".join(f"{name} {gain:.2f}" for name, gain in gains.items())
    )
    mixes = []
    for weights in ((1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 0, 1), (0, 1, 1), (1, 1, 2), (1, 1, 6)):
        w = np.array(weights, dtype=np.float64) / sum(weights)

        def mixed(fit: FitScores, w: NDArray[np.float64] = w) -> NDArray[np.float64]:
            parts = [getattr(fit, field)[attentive] for field in FIT_PARTS.values()]
            return np.asarray(sum(wk * part for wk, part in zip(w, parts, strict=True)), dtype=np.float64)

        label = "/".join(f"{wk:.2f}".rstrip("0").rstrip(".") for wk in w)
        mixes.append((label, part_gain(mixed(honest), mixed(directed))))
    best = min(mixes, key=lambda m: m[1])
    print(
        "  the fit re-weighted (scales/profiles/scenarios shares): "
        + ", ".join(f"{label} {gain:.2f}" for label, gain in mixes)
        + f"; smallest {best[1]:.2f} SD ({best[0]})"
    )


def issue_records(instrument: Instrument) -> list[tuple[str, dict[str, Any]]]:
    """The answer records of the faking issue, as an applicant without the key would fill them in."""
    low, high = instrument.response_scale.min, instrument.response_scale.max
    records = []

    def maximal_for(role_id: str, claims: bool) -> dict[str, Any]:
        p = presentation("maximal", instrument, role=load_role(role_id))
        record: dict[str, Any] = {}
        for item, shift in zip(instrument.items, p.item_shift, strict=True):
            record[item.id] = high if shift > 0 else low if shift < 0 else 4
        for scenario, shift in zip(instrument.scenarios, p.option_shift, strict=True):
            record[scenario.id] = scenario.options[int(np.argmax(shift))].id
        for check in instrument.attention_checks:
            if check.kind == "instructed":
                record[check.id] = check.expected
            elif claims:
                record[check.id] = high
        return record

    records.append(("looks good for complex-case, scenarios too", maximal_for("complex-case", claims=False)))
    records.append(("the same, virtue claims strongly agreed", maximal_for("complex-case", claims=True)))
    naive = {item.id: low if item.reverse else high for item in instrument.items}
    naive.update({s.id: maximal_for("complex-case", False)[s.id] for s in instrument.scenarios})
    naive.update({c.id: c.expected for c in instrument.attention_checks if c.kind == "instructed"})
    records.append(("every forward item 6, every reverse item 1", naive))
    records.append(("faking for a transactional job", maximal_for("transactional", claims=False)))
    rng = np.random.default_rng(3)
    honest = {item.id: int(rng.choice([3, 3, 4, 4, 5, 2])) for item in instrument.items}
    honest.update({s.id: s.options[k % len(s.options)].id for k, s in enumerate(instrument.scenarios)})
    honest.update({c.id: c.expected if c.kind == "instructed" else 2 for c in instrument.attention_checks})
    records.append(("honest, mid-scale with some variation", honest))
    return [
        (label, {"candidate_id": f"record-{k}", "completion_seconds": 900.0, **r})
        for k, (label, r) in enumerate(records)
    ]


#: Answer sheets written by hand the way an applicant might fill them in, without any key: what
#: sounds good gets "Agree" (5), a few "Strongly agree", what sounds bad "Disagree". They test the
#: flag against faking that the simulation's push along our ratings does not produce.
_SOUNDS_GOOD = {
    **dict(tc1=5, tc7=4, tc3=3, tc4=4, tc8=4, tc6=3, cm1=6, cm2=5, cm3=2, cm4=5, cm5=5, cm6=2),
    **dict(em1=5, em2=5, em3=3, em4=5, em7=5, em6=2, ad1=4, ad7=4, ad8=4, ad4=4, ad9=3, ad10=4),
    **dict(pr1=5, pr7=5, pr3=2, pr9=5, pr10=4, pr8=3, im1=5, im2=5, im3=2, im4=5, im5=5, im6=2),
    **dict(cp1=5, cp2=4, cp3=3, cp4=5, cp5=4, cp7=5, ow1=6, ow2=5, ow3=2, ow4=5, ow7=6, ow8=2),
}
_BEST_SOUNDING = dict(sj1="a", sj2="d", sj3="a", sj4="b", sj5="c", sj6="b", sj7="b", sj8="a", sj9="a", sj10="b")
_MODEST_CLAIMS = dict(vc1=2, vc2=4, vc3=2, vc4=3, vc5=4, vc6=1)


def hand_written_records() -> list[tuple[str, dict[str, Any]]]:
    """Faked answer sheets written by hand (see ``_SOUNDS_GOOD``), for the shipped instrument."""
    mirrored = dict(_SOUNDS_GOOD)  # the role's description mirrored: take charge, stay calm, own it
    mirrored.update(dict.fromkeys(["tc1", "tc7", "tc4", "tc8", "ow1", "ow2", "ow4", "ow7", "cm1", "cm2", "cm5"], 6))
    mirrored.update(dict.fromkeys(["tc3", "tc6", "ow3", "ow8", "cm3", "cm6"], 1))
    mirrored.update(dict.fromkeys(["ad1", "ad7", "ad4", "ad9"], 2))
    mirrored.update(dict.fromkeys(["ad8", "ad10"], 5))
    cautious = {k: 5 if v == 6 else 2 if v == 1 else v for k, v in mirrored.items()}
    agree_only = {k: 5 if v >= 5 else 2 if v <= 2 else v for k, v in _SOUNDS_GOOD.items()}
    sheets = [
        ("by hand: sounds good, mostly Agree; modest claims", _SOUNDS_GOOD, _MODEST_CLAIMS),
        ("by hand: the same, every claim Agree", _SOUNDS_GOOD, dict.fromkeys(_MODEST_CLAIMS, 5)),
        ("by hand: the same, claims left blank", _SOUNDS_GOOD, {}),
        ("by hand: Agree and Disagree only", agree_only, dict.fromkeys(_MODEST_CLAIMS, 4)),
        ("by hand: role mirrored at the extremes", mirrored, _MODEST_CLAIMS),
        ("by hand: role mirrored, claims Strongly disagree", mirrored, dict.fromkeys(_MODEST_CLAIMS, 1)),
        ("by hand: role mirrored with Agree", cautious, _MODEST_CLAIMS),
    ]
    return [
        (
            label,
            {
                "candidate_id": f"hand-{k}",
                "completion_seconds": 900.0,
                "chk1": 2,
                "chk2": 5,
                **items,
                **_BEST_SOUNDING,
                **claims,
            },
        )
        for k, (label, items, claims) in enumerate(sheets)
    ]


def extreme_style(responses: Any, share: float, seed: int) -> Any:
    """Honest answers of people who use the ends of the scale: each 5 becomes 6 and each 2 becomes 1 with ``share``.

    In both directions and whatever the statement says, virtue claims included: a response style,
    not faking. The simulation does not model it otherwise.
    """
    rng = np.random.default_rng([seed, 77])
    items, checks = responses.items.copy(), responses.checks.copy()
    for array in (items, checks):
        moved = rng.random(array.shape) < share
        array[moved & (array == 5)] = 6
        array[moved & (array == 2)] = 1
    instructed = list(responses.instrument.instructed_columns)
    checks[:, instructed] = responses.checks[:, instructed]  # instructed checks answered as asked
    return type(responses)(
        responses.instrument, responses.candidate_ids, items, responses.choices, checks, responses.seconds
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="simulated applicants (default: 20000)")
    parser.add_argument("--seed", type=int, default=20261206, help="simulation seed (default: 20261206)")
    parser.add_argument(
        "--rating-error", type=float, default=0.0, help="SD of applicants' desirability around our ratings (default 0)"
    )
    parser.add_argument("--card", type=Path, help="write the printed figures into this model card")
    parser.add_argument("--doc", type=Path, help="write the printed figures into this page too")
    parser.add_argument("--instrument2", type=Path, help="a forced-choice instrument file for the 2.0 section")
    parser.add_argument("--only", choices=("1.2", "2.0"), help="print one section only (default: both)")
    parser.add_argument(
        "--role",
        action="append",
        help="a role id or role file for the 2.0 section, repeatable (default: the built-in roles)",
    )
    args = parser.parse_args()
    # The command as run, without where it wrote: the figures depend only on these options.
    options = [f"--n {args.n}"] * (args.n != 20_000) + [f"--seed {args.seed}"] * (args.seed != 20261206)
    options += [f"--rating-error {args.rating_error}"] * (args.rating_error != 0.0)
    options += [f"--instrument2 {args.instrument2}"] * (args.instrument2 is not None)
    options += [f"--role {role}" for role in args.role or ()]
    command = " ".join(["python benchmarks/faking.py", *options])
    if args.only != "2.0":
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            run(args)
        text = printed.getvalue()
        print(text, end="")
        for path in (args.card, args.doc):
            if path is not None:
                write_marked_section(
                    path, FAKING_START, FAKING_END, f"`{command}` printed:\n\n```text\n{text.rstrip()}\n```"
                )
    if args.only != "1.2":
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            run_forced_choice(args)
        text = printed.getvalue()
        print(text, end="")
        if args.doc is not None:
            write_marked_section(
                args.doc, FAKING_2_START, FAKING_2_END, f"`{command}` printed:\n\n```text\n{text.rstrip()}\n```"
            )


def run(args: argparse.Namespace) -> None:
    screener = Screener.load()
    instrument = screener.instrument
    print(
        f"{args.n} simulated applicants per condition (seed {args.seed}); rating error SD {args.rating_error}; "
        "attentive applicants counted"
    )
    for role_id in builtin_roles():
        role = load_role(role_id)
        screener = Screener.load(role=role_id)
        conditions = {
            c: presentation(c, instrument, role=role, rating_error_sd=args.rating_error, rating_seed=args.seed)
            for c in CONDITIONS
        }
        directed = conditions["directed"]
        inflation = role_scale_inflation(instrument, role, directed.strength)
        print(
            f"\n{role_id}: directed strength {directed.strength:.3f} (role's scales inflate by d = {inflation:.2f}; "
            f"bands strong >= {role.bands.strong}, possible >= {role.bands.possible})"
        )
        results = {}
        attentive = None
        for condition, how in conditions.items():
            sim = simulate(args.n, seed=args.seed, instrument=instrument, presentation=how)
            attentive = ~sim.careless
            results[condition] = scored(screener, sim.responses)
        assert attentive is not None
        honest = results["honest"]
        base = honest[0][attentive]
        header = f"  {'condition':10s} {'gain SD':>8s} {'rank r':>7s} {'strong':>7s} {'clear':>7s} {'review':>7s}  "
        print(header + " ".join(f"{flag[:11]:>11s}" for flag in FLAG_IDS))
        for condition, (score, band, flags, review) in results.items():
            gain = (score[attentive].mean() - base.mean()) / base.std()
            rank = spearmanr(score[attentive], base).statistic
            strong = band[attentive] == "strong"
            clear = strong & ~flags[attentive].any(axis=1)
            rates = " ".join(f"{flags[attentive, k].mean():11.3f}" for k in range(len(FLAG_IDS)))
            print(
                f"  {condition:10s} {gain:8.2f} {rank:7.2f} {strong.mean():7.3f} {clear.mean():7.3f} "
                f"{review[attentive].mean():7.3f}  {rates}"
            )
        # A stream of its own: the simulation draws profiles from default_rng(seed), and fakers must not follow them.
        shares = quarter_faking(honest, results["directed"], attentive, np.random.default_rng([args.seed, 25]))
        print("  a quarter of attentive applicants faking (directed), the rest honest; the fakers' share of:")
        for key, label in (("strong", "strong band"), ("clear", "strong without a flag"), ("decile", "top decile")):
            ratio = shares[f"mixed_{key}"] / shares[f"honest_{key}"]
            print(
                f"    {label:22s} {shares[f'mixed_{key}']:.3f} faking, {shares[f'honest_{key}']:.3f} honest: "
                f"{ratio:.2f} times"
            )

    print("\nhonest attentive applicants with an extreme response style (5 -> 6 and 2 -> 1 with the share given):")
    screener = Screener.load()
    honest_sim = simulate(
        args.n, seed=args.seed, instrument=instrument, presentation=presentation("honest", instrument)
    )
    attentive = ~honest_sim.careless
    print(f"  {'share':>6s} {'idealised':>9s} {'any flag':>9s} {'review':>7s} {'strong':>7s}")
    for share in (0.0, 0.25, 0.5, 1.0):
        batch = screener.score_responses(extreme_style(honest_sim.responses, share, args.seed))
        assert batch.fit is not None
        print(
            f"  {share:6.2f} {batch.validity.flags[attentive, FLAG_IDS.index('idealised')].mean():9.3f} "
            f"{batch.validity.any[attentive].mean():9.3f} {batch.needs_human_review[attentive].mean():7.3f} "
            f"{(batch.fit.band[attentive] == 'strong').mean():7.3f}"
        )

    print("\nanswer records, scored for complex-case (the first four built from our ratings, the rest by hand):")
    for label, record in issue_records(instrument) + hand_written_records():
        result = screener.score(record)
        assert result.fit is not None
        flags = ", ".join(flag.flag for flag in result.flags) or "none"
        print(
            f"  {label:50s} fit {result.fit.score:5.1f} {result.fit.band or 'incomplete':8s} flags: {flags:24s} "
            f"review: {'yes' if result.needs_human_review else 'no'}"
        )


# ---- instrument 2.0: forced choice ----------------------------------------------------------------


def forced_choice_setup(args: argparse.Namespace) -> tuple[Instrument, str, ThurstonianModel, str]:
    """The 2.0 instrument and the parameters it is scored with, each with where it came from."""
    if args.instrument2 is not None:
        instrument, origin = load_instrument(args.instrument2), str(args.instrument2)
        params_path = parameters_file(args.instrument2)
    elif (shipped := shipped_forced_choice()) is not None:
        instrument, origin = shipped, "the shipped file"
        params_path = parameters_file(shipped_instrument_file())
    else:
        instrument = draft_instrument()
        origin = "the draft of tests/simulated_forced_choice.py (the shipped file is not in the package yet)"
        params_path = None
    design = instrument.forced_choice_design()
    if params_path is not None and params_path.is_file():
        return instrument, origin, ThurstonianParameters.load(params_path).to_model(design), str(params_path.name)
    return instrument, origin, simulation_parameters(instrument).to_model(design), "the simulation's, computed"


def scale_d(before: NDArray[np.float64], after: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each column's mean change in SD of ``before``."""
    d: NDArray[np.float64] = (after - before).mean(axis=0) / before.std(axis=0)
    return d


def maximal_blocks(instrument: Instrument, role: RoleProfile | None) -> NDArray[np.int8]:
    """Most the top-rated statement, least the bottom-rated one, in every block: by the role's coached
    desirability, or by the generic ratings when ``role`` is None. Shape (1, n_blocks)."""
    shift = (
        presentation("maximal", instrument, role=role).statement_shift
        if role is not None
        else np.array([s.desirability or 0.0 for s in instrument.statements])
    )
    per_block = shift.reshape(len(instrument.blocks), 3)
    positions = np.stack([per_block.argmax(axis=1), per_block.argmin(axis=1)], axis=1)[None, :, :]
    return block_codes(positions)


def run_forced_choice(args: argparse.Namespace) -> None:
    instrument, origin, model, parameters = forced_choice_setup(args)
    agreement = Screener.load()
    print(
        f"\ninstrument 2.0 ({instrument.id} {instrument.version}, {len(instrument.blocks)} blocks; {origin}); "
        f"parameters: {parameters}"
    )
    print(
        f"{args.n} simulated applicants per condition (seed {args.seed}), the same people as on 1.2; scored by "
        "MAP; attentive applicants counted"
    )
    norms_path = norms_file(args.instrument2 or shipped_instrument_file())
    if norms_path.is_file():
        norms = NormGroup.model_validate_json(norms_path.read_text("utf-8"))
        print(f"norms: {norms_path.name} ({norms.n} honest simulated applicants)")
    else:
        honest_norm_sim = simulate_forced_choice(
            args.n, instrument, seed=args.seed + 1, presentation=presentation("honest", instrument)
        )
        norms = honest_norms(instrument, model, honest_norm_sim)
        print(f"norms: {norms.n} honest, attentive simulated applicants (seed {args.seed + 1}), scored alike")
    agreement_instrument = agreement.instrument
    for role_id in args.role or builtin_roles():
        role = load_role(role_id)
        role_id = role.id
        screening = ForcedChoiceScreening.build(role, instrument, model, norms, agreement)
        strength = calibrate_directed_strength(load_instrument(), role)
        warned = calibrate_directed_strength(load_instrument(), role, target_d=WARNED_TARGET_D)
        print(f"\n{role_id} on 2.0: directed strength {strength:.3f} (1.2's, calibrated there to d = .99; not tuned)")
        print(
            f"  warned: directed after the page's warning, strength {warned:.3f} (1.2's, calibrated there to "
            f"d = .99 - {WARNING_REDUCTION_D:.2f}, the mean effect of a warning, Moon et al. 2025; not tuned)"
        )
        conditions = {
            c: presentation(c, instrument, role=role, rating_error_sd=args.rating_error, rating_seed=args.seed)
            for c in CONDITIONS
        }
        # Where the gain comes from: directed faking in the blocks alone (scenarios answered honestly),
        # and in the scenarios alone (blocks answered honestly); and the directed applicant who was warned.
        directed = conditions["directed"]
        parts = {
            "dir.blocks": replace(directed, option_shift=[np.zeros_like(o) for o in directed.option_shift]),
            "dir.scen.": replace(directed, statement_shift=np.zeros_like(directed.statement_shift)),
            "warned": presentation(
                "directed",
                instrument,
                role=role,
                strength=warned,
                rating_error_sd=args.rating_error,
                rating_seed=args.seed,
            ),
        }
        results: dict[str, tuple[Any, ...]] = {}
        fits: dict[str, FitScores] = {}
        estimates: dict[str, NDArray[np.float64]] = {}
        ideal_share: dict[str, float] = {}
        attentive = None
        for condition, how in {**conditions, **parts}.items():
            sim = simulate_forced_choice(args.n, instrument, seed=args.seed, presentation=how)
            attentive = ~sim.careless
            ideal_share[condition] = float(np.nanmean(idealised_block_share(instrument, sim.blocks)[attentive]))
            estimates[condition] = map_scores(model, sim.positions).estimate
            fit = screening.scorer.score(
                norms.percentiles(estimates[condition], instrument.scale_ids), choices=sim.choices
            )
            validity = forced_choice_validity(
                instrument, sim.blocks, sim.checks, sim.seconds, model=model, choices=sim.choices, role=role
            )
            # Every flag the product raises on 2.0, and its review rule with a role (ScoredBatch.needs_human_review:
            # any flag, or an incomplete fit): what a recruiter sees, not a chosen few flags.
            review = validity.any | fit.incomplete
            results[condition] = (fit.score, fit.band, validity.flags, review)
            fits[condition] = fit
        assert attentive is not None

        # Per-scale inflation, directed against honest, on both formats (the same people).
        honest_12 = simulate(
            args.n,
            seed=args.seed,
            instrument=agreement_instrument,
            presentation=presentation("honest", agreement_instrument),
        )
        directed_12 = simulate(
            args.n,
            seed=args.seed,
            instrument=agreement_instrument,
            presentation=presentation(
                "directed", agreement_instrument, role=role, rating_error_sd=args.rating_error, rating_seed=args.seed
            ),
        )
        d12 = scale_d(
            score_responses(honest_12.responses).scales[attentive],
            score_responses(directed_12.responses).scales[attentive],
        )
        d20 = scale_d(estimates["honest"][attentive], estimates["directed"][attentive])
        print("  directed faking, d of each scale (faked - honest, in honest SD):")
        print(f"    {'scale':16s} {'role wants':>10s} {'1.2':>6s} {'2.0':>6s}")
        toward = np.ones(len(instrument.scale_ids))
        for k, scale_id in enumerate(instrument.scale_ids):
            need = role.scales.get(scale_id)
            wants = "-" if need is None else f"{'lower' if need.direction == 'lower' else 'higher'} {need.weight:g}"
            if need is not None and need.direction == "lower":
                toward[k] = -1.0
            print(f"    {scale_id:16s} {wants:>10s} {d12[k]:6.2f} {d20[k]:6.2f}")
        weighted = np.array([s in role.scales for s in instrument.scale_ids])
        for label, mask, speer in (
            ("the role's scales, in its direction", weighted, SPEER_FC_DESIRABLE),
            ("all scales (weighted ones in the role's direction)", np.ones_like(weighted), SPEER_FC_ALL),
        ):
            print(
                f"    mean over {label}: 1.2 {np.mean(toward[mask] * d12[mask]):.2f}, "
                f"2.0 {np.mean(toward[mask] * d20[mask]):.2f} (Speer et al. 2023, forced choice: {speer:.2f})"
            )

        base = results["honest"][0][attentive]
        print(
            f"  {'condition':10s} {'gain SD':>8s} {'rank r':>7s} {'strong':>7s} {'clear':>7s} {'review':>7s}  "
            + " ".join(f"{flag[:11]:>11s}" for flag in FLAG_IDS)
            + "  ideal.share"
        )
        for condition, (fit_score, band, flags, review) in results.items():
            gain = (fit_score[attentive].mean() - base.mean()) / base.std()
            rank = spearmanr(fit_score[attentive], base).statistic
            strong = band[attentive] == "strong"
            clear = strong & ~flags[attentive].any(axis=1)
            rates = " ".join(f"{flags[attentive, k].mean():11.3f}" for k in range(len(FLAG_IDS)))
            print(
                f"  {condition:10s} {gain:8.2f} {rank:7.2f} {strong.mean():7.3f} {clear.mean():7.3f} "
                f"{review[attentive].mean():7.3f}  {rates}  {ideal_share[condition]:11.3f}"
            )
        shares = quarter_faking(
            results["honest"], results["directed"], attentive, np.random.default_rng([args.seed, 25])
        )
        print("  a quarter of attentive applicants faking (directed), the rest honest; the fakers' share of:")
        for key, label in (("strong", "strong band"), ("clear", "strong without a flag"), ("decile", "top decile")):
            ratio = shares[f"mixed_{key}"] / shares[f"honest_{key}"]
            print(
                f"    {label:22s} {shares[f'mixed_{key}']:.3f} faking, {shares[f'honest_{key}']:.3f} honest: "
                f"{ratio:.2f} times"
            )
        warned_shares = quarter_faking(
            results["honest"], results["warned"], attentive, np.random.default_rng([args.seed, 25])
        )
        warned_ratios = [warned_shares[f"mixed_{key}"] / warned_shares[f"honest_{key}"] for key in ("strong", "clear")]
        print(
            "  the same quarter faking after the warning: their share of the strong band "
            f"{warned_ratios[0]:.2f} times, of strong without a flag {warned_ratios[1]:.2f} times"
        )
        print_part_gains(fits["honest"], fits["directed"], attentive)
        (gain, gain_met), (ratio, ratio_met) = against_targets(results["directed"][0], base, attentive, shares)
        print(
            f"  targets (issue 21): directed fit gain {gain:.2f} SD (at most 0.4: {gain_met}); fakers' strong-band "
            f"share {ratio:.2f} times their honest share (at most 1.15: {ratio_met})"
        )
        (gain, gain_met), (ratio, ratio_met) = against_targets(results["warned"][0], base, attentive, warned_shares)
        print(
            f"  the same after the warning: directed fit gain {gain:.2f} SD ({gain_met}); strong-band share "
            f"{ratio:.2f} times ({ratio_met})"
        )

    print("\nanswer records on 2.0 (scenarios as the role wants them, instructed checks as asked, 15 minutes):")
    rng_records = np.full((1, len(instrument.attention_checks)), np.nan)
    for role_id in ("complex-case", "transactional"):
        role = load_role(role_id)
        screening = ForcedChoiceScreening.build(role, instrument, model, norms, agreement)
        best_options = presentation("maximal", instrument, role=role).option_shift
        choices = np.array([[int(np.argmax(shift)) for shift in best_options]])
        for label, blocks in (
            (f"most/least by the {role_id} role's coached desirability", maximal_blocks(instrument, role)),
            ("most/least by the generic desirability ratings", maximal_blocks(instrument, None)),
        ):
            for claims_label, claim_answer in (("claims blank", np.nan), ("claims strongly agreed", 6.0)):
                checks = rng_records.copy()
                for k in instrument.instructed_columns:
                    checks[0, k] = instrument.attention_checks[k].expected
                for k in instrument.virtue_claim_columns:
                    checks[0, k] = claim_answer
                fit = screening.fit(blocks, choices)
                validity = forced_choice_validity(
                    instrument, blocks, checks, np.array([900.0]), model=model, choices=choices, role=role
                )
                raised = ", ".join(validity.ids(0)) or "none"
                review = bool(validity.any[0] or fit.incomplete[0])
                share = idealised_block_share(instrument, blocks)[0]
                print(
                    f"  {role_id:13s} {label:58s} {claims_label:22s} fit {fit.score[0]:5.1f} {fit.band[0]:8s} "
                    f"idealised share {share:.2f}; flags: {raised}; review: {'yes' if review else 'no'}"
                )


if __name__ == "__main__":
    main()
