"""Check the three rules of role fit on simulated candidates, under every built-in role.

docs/fit.md states the rules and why they hold by construction; this script measures them:

    python benchmarks/fit_rules.py                         # 20,000 candidates, seed 5
    python benchmarks/fit_rules.py --n 2000                # quicker
    python benchmarks/fit_rules.py --role our-role.toml    # your own role file, on the reference model

For each role it prints:

- **monotone**: every answer of every candidate moved one step toward the end the role wants,
  then one step away, one at a time: the share of candidates whose fit drops on some step
  toward the role, and rises on some step away (both must be 0), with the count of cases.
  Items of scales the role does not weigh are neither toward nor away: the share of candidates
  whose fit they move (must be 0). Every answered scenario's choice replaced by each other option:
  an option the role values at least as much must never lower the fit, one it values at most as
  much never raise it, and one it values alike never move it (for a role without [situational],
  every option is valued alike).
- **reasons**: each scale reason's scale put at the norm median, and the situational reason's
  part put at halfway (50): the share of candidates with a reason that fails (a reason for the
  fit must then lower it, one against must raise it).
- **blanks**: for each candidate, a random weighted scale has a random number of its items left
  blank: the share whose fit is higher, or whose band is higher, than with those items answered
  at the role's least-wanted end (both must be 0); higher than with their own answers; incomplete.
  Then a random number of scenarios left blank, against the options the role values least.
"""

from __future__ import annotations

import argparse

import numpy as np
from numpy.typing import NDArray

from profilefit.core.fit import BANDS, builtin_roles
from profilefit.core.scoring import Responses
from profilefit.core.screening import Screener
from profilefit.data.simulate import simulate

#: Band rank for comparisons: an incomplete fit (no band) ranks below every band.
BAND_RANK = {"": -1, **{band: len(BANDS) - 1 - k for k, band in enumerate(BANDS)}}


def with_items(responses: Responses, items: NDArray[np.float64]) -> Responses:
    """The same candidates with other agreement answers."""
    return Responses(
        responses.instrument, responses.candidate_ids, items, responses.choices, responses.checks, responses.seconds
    )


def monotone_violations(screener: Screener, responses: Responses) -> dict[str, tuple[float, int, int]]:
    """Per check: (share of candidates with a violation, violating cases, cases tried).

    Checks: a step toward the role lowers the fit; a step away raises it; an answer the role does
    not weigh moves it.
    """
    role, instrument = screener.role, screener.instrument
    assert role is not None
    base = screener.score_responses(responses).fit
    assert base is not None
    low, high = instrument.response_scale.min, instrument.response_scale.max
    counts = {"toward lowers": [0, 0], "away raises": [0, 0], "unweighted moves": [0, 0]}
    anyone = {key: np.zeros(len(responses), dtype=bool) for key in counts}
    for column, item in enumerate(instrument.items):
        need = role.scales.get(item.scale)
        toward = 1.0 if need is None or (not item.reverse) == (need.direction == "higher") else -1.0
        for step in (toward, -toward):
            items = responses.items.copy()
            items[:, column] = np.clip(items[:, column] + step, low, high)
            moved = items[:, column] != responses.items[:, column]
            fit = screener.score_responses(with_items(responses, items)).fit
            assert fit is not None
            change = fit.score - base.score
            if need is None:
                key, bad = "unweighted moves", change != 0
            elif step == toward:
                key, bad = "toward lowers", change < 0
            else:
                key, bad = "away raises", change > 0
            bad &= moved
            anyone[key] |= bad
            counts[key][0] += int(bad.sum())
            counts[key][1] += int(moved.sum())
    # Situational choices: every other option of every scenario, for everyone who answered it.
    for key in ("option valued more lowers", "option valued less raises", "option valued alike moves"):
        counts[key], anyone[key] = [0, 0], np.zeros(len(responses), dtype=bool)
    for scenario, spec in enumerate(instrument.scenarios):
        weights = np.array([role.situational.get(option.key, 0.0) for option in spec.options])
        answered = responses.choices[:, scenario] >= 0
        before = weights[np.maximum(responses.choices[:, scenario], 0)]
        for option in range(len(spec.options)):
            choices = responses.choices.copy()
            choices[answered, scenario] = option
            tried = answered & (responses.choices[:, scenario] != option)
            fit = screener.score_responses(with_choices(responses, choices)).fit
            assert fit is not None
            change = fit.score - base.score
            for key, applies, bad in (
                ("option valued more lowers", weights[option] > before, change < 0),
                ("option valued less raises", weights[option] < before, change > 0),
                ("option valued alike moves", weights[option] == before, change != 0),
            ):
                cases = tried & applies
                anyone[key] |= cases & bad
                counts[key][0] += int((cases & bad).sum())
                counts[key][1] += int(cases.sum())
    return {key: (float(np.mean(anyone[key])), bad, tried) for key, (bad, tried) in counts.items()}


def with_choices(responses: Responses, choices: NDArray[np.int16]) -> Responses:
    """The same candidates with other scenario choices."""
    return Responses(
        responses.instrument, responses.candidate_ids, responses.items, choices, responses.checks, responses.seconds
    )


def reason_failures(screener: Screener, responses: Responses) -> tuple[int, int, int, int]:
    """Each scale reason's scale put at the norm median; the situational reason's part put at halfway.

    Returns (candidates with a failing reason, failing reasons, reasons checked, candidates with a scale reason).
    """
    scorer = screener.fit_scorer
    assert scorer is not None
    batch = screener.score_responses(responses)
    fit = batch.fit
    assert fit is not None
    results = screener.results(batch)
    n_scales = len(screener.instrument.scale_ids)
    columns = [screener.instrument.scale_ids.index(s) for s in scorer.weighted_scales]
    failed = checked = with_reason = failing_candidates = 0
    for row, result in enumerate(results):
        assert result.fit is not None
        reasons = [r for r in result.fit.reasons_for + result.fit.reasons_against if r.kind in ("scale", "situational")]
        with_reason += bool(reasons)
        failed_before = failed
        for reason in reasons:
            if reason.kind == "situational":  # the part at 50, everything else as it is
                shares = screener.role.combine if screener.role is not None else None
                assert shares is not None
                profile_share = 1.0 - shares.scale_share - shares.situational_share
                perturbed = round(
                    shares.scale_share * fit.scale_component[row]
                    + shares.situational_share * 50.0
                    + profile_share * fit.profile_component[row],
                    1,
                )
                holds = perturbed < fit.score[row] if reason.stance == "for" else perturbed > fit.score[row]
                failed += not holds
                checked += 1
                continue
            percentiles = np.full((1, n_scales), np.nan)
            percentiles[0, columns] = fit.percentiles[row]
            percentiles[0, screener.instrument.scale_ids.index(reason.id)] = 50.0
            missing = np.zeros((1, n_scales), dtype=bool)
            missing[0, columns] = fit.missing[row]
            choices = responses.choices[[row]]
            perturbed = float(scorer.score(percentiles, missing=missing, choices=choices).score[0])
            holds = perturbed < fit.score[row] if reason.stance == "for" else perturbed > fit.score[row]
            failed += not holds
            checked += 1
        failing_candidates += failed > failed_before
    return failing_candidates, failed, checked, with_reason


def blank_gains(screener: Screener, responses: Responses, seed: int) -> dict[str, float]:
    """Blank a random part of one random weighted scale per candidate; compare with least-wanted answers."""
    role, instrument = screener.role, screener.instrument
    assert role is not None
    rng = np.random.default_rng(seed)
    n = len(responses)
    weighted = [s for s in instrument.scale_ids if s in role.scales]
    low, high = instrument.response_scale.min, instrument.response_scale.max
    blank_items, worst_items = responses.items.copy(), responses.items.copy()
    for row in range(n):
        scale = weighted[rng.integers(len(weighted))]
        columns = [k for k, item in enumerate(instrument.items) if item.scale == scale]
        chosen = rng.choice(columns, size=rng.integers(1, len(columns) + 1), replace=False)
        for column in chosen:
            item = instrument.items[column]
            wants_high = role.scales[scale].direction == "higher"
            # The least-wanted answer, in the item's own direction (reverse keys count keyed).
            worst_items[row, column] = low if wants_high != item.reverse else high
            blank_items[row, column] = np.nan
    own = screener.score_responses(responses).fit
    blank = screener.score_responses(with_items(responses, blank_items)).fit
    worst = screener.score_responses(with_items(responses, worst_items)).fit
    assert own is not None and blank is not None and worst is not None
    rank = np.vectorize(BAND_RANK.__getitem__)
    gains = {
        "higher than least-wanted": float(np.mean(blank.score > worst.score)),
        "band higher than least-wanted": float(np.mean(rank(blank.band) > rank(worst.band))),
        "higher than own answers": float(np.mean(blank.score > own.score)),
        "incomplete": float(np.mean(blank.incomplete)),
    }
    # Scenarios: a random number of each candidate's scenarios left blank, against the least-valued options.
    blank_choices, worst_choices = responses.choices.copy(), responses.choices.copy()
    n_scenarios = len(instrument.scenarios)
    least = [
        int(np.argmin([role.situational.get(option.key, 0.0) for option in spec.options]))
        for spec in instrument.scenarios
    ]
    for row in range(n):
        chosen = rng.choice(n_scenarios, size=rng.integers(1, n_scenarios + 1), replace=False)
        for scenario in chosen:
            blank_choices[row, scenario] = -1
            worst_choices[row, scenario] = least[scenario]
    blank = screener.score_responses(with_choices(responses, blank_choices)).fit
    worst = screener.score_responses(with_choices(responses, worst_choices)).fit
    assert blank is not None and worst is not None
    gains |= {
        "scenarios: higher than least-valued options": float(np.mean(blank.score > worst.score)),
        "scenarios: band higher than least-valued": float(np.mean(rank(blank.band) > rank(worst.band))),
        "scenarios: higher than own choices": float(np.mean(blank.score > own.score)),
        "scenarios: incomplete": float(np.mean(blank.incomplete)),
    }
    return gains


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="simulated candidates (default: 20000)")
    parser.add_argument("--seed", type=int, default=5, help="simulation seed (default: 5)")
    parser.add_argument(
        "--role", action="append", help="a built-in role id or a role file; repeatable (default: the built-in roles)"
    )
    args = parser.parse_args()
    simulation = simulate(args.n, seed=args.seed)
    responses = simulation.responses
    n = len(responses)
    print(f"{n} simulated candidates (seed {args.seed}); shares are of candidates")
    for role_id in args.role or builtin_roles():
        screener = Screener.load(role=role_id)
        print(f"\n{role_id}")
        for key, (share, bad, tried) in monotone_violations(screener, responses).items():
            what = "one choice, another option" if key.startswith("option") else "one answer one step"
            print(f"  monotone: {what}, {key:26s} {share:.4f}  ({bad} of {tried} cases)")
        failing, failed, checked, with_reason = reason_failures(screener, responses)
        print(
            f"  reasons: a scale or situational reason fails its check  {failing / n:.4f}  "
            f"({failed} of {checked} reasons; {with_reason} candidates have one)"
        )
        for key, share in blank_gains(screener, responses, args.seed).items():
            print(f"  blanks: {key:42s} {share:.4f}")


if __name__ == "__main__":
    main()
