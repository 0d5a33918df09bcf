"""What faking does to the fit, and how often each validity flag catches it.

Prints the figures docs/faking.md and the model card quote:

    python benchmarks/faking.py                 # 20,000 applicants per condition, seed 20261206
    python benchmarks/faking.py --n 50000 --seed 7
    python benchmarks/faking.py --rating-error 0.5   # our desirability ratings off by SD 0.5
    python benchmarks/faking.py --card docs/model-card.md --doc docs/faking.md   # write the figures there

The same simulated applicants answer under every condition (honest, average applicant,
directed at the role, maximal), with the same response noise, so each faked fit has an
honest twin. For each built-in role and condition, over attentive applicants:

- the mean fit gain in SD of the honest fit, and the rank correlation of faked with honest fit;
- the share in the strong band, and in the strong band without a validity flag;
- each validity flag's rate (under ``honest``: its false-alarm rate; otherwise: detection);
- the share who need review.

Then, with a quarter of applicants faking (directed) and the rest honest: the fakers' share of
the strong band (fit alone, and strong without a flag) and of the top decile, against their
share when everyone answers honestly (the target is at most 1.3 times). Last, the answer
records of the faking issue, scored as an applicant would send them.

The applicants are simulated (docs/simulation.md, docs/faking.md): these figures say what the
defences do against the faking the simulation models, not against every real applicant.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import spearmanr

from profilefit.core.fit import builtin_roles, load_role
from profilefit.core.instrument import Instrument
from profilefit.core.screening import Screener
from profilefit.core.validity import FLAG_IDS
from profilefit.data.simulate import CONDITIONS, presentation, role_scale_inflation, simulate
from profilefit.data.training._card import FAKING_END, FAKING_START, write_marked_section


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
    args = parser.parse_args()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        run(args)
    text = printed.getvalue()
    print(text, end="")
    # The command as run, without where it wrote: the figures depend only on these options.
    options = [f"--n {args.n}"] * (args.n != 20_000) + [f"--seed {args.seed}"] * (args.seed != 20261206)
    options += [f"--rating-error {args.rating_error}"] * (args.rating_error != 0.0)
    command = " ".join(["python benchmarks/faking.py", *options])
    for path in (args.card, args.doc):
        if path is not None:
            write_marked_section(
                path, FAKING_START, FAKING_END, f"`{command}` printed:\n\n```text\n{text.rstrip()}\n```"
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


if __name__ == "__main__":
    main()
