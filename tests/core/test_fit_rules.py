"""The three rules role fit follows by construction (docs/fit.md), as properties over random candidates and roles.

Roles are the built-in ones, random roles, and random roles read back from role files; candidates
answer anything on the scale, with blanks. benchmarks/fit_rules.py measures the same rules on
20,000 simulated candidates.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.isotonic import IsotonicRegression

from profilefit.core.fit import BANDS, REASON_MIN_POINTS, ProfileLogits, RoleFitScorer, RoleProfile
from profilefit.core.fit._fit import isotonic_on
from profilefit.core.profiles import PROFILE_IDS
from profilefit.core.scoring import MIN_ANSWERED_SHARE, Responses
from profilefit.core.screening import Screener
from tests.strategies import responses, roles

#: Band rank: an incomplete fit (no band) ranks below every band.
RANK = {"": -1, **{band: len(BANDS) - 1 - k for k, band in enumerate(BANDS)}}


def role_screener(screener: Screener, data: st.DataObject) -> Screener:
    """A screener of the reference model for a built-in or random role, given directly or as a role file."""
    role = data.draw(
        roles(screener.instrument.scale_ids, situational_keys=screener.instrument.situational_keys), label="role"
    )
    if data.draw(st.booleans(), label="from a role file"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "role.json"
            path.write_text(json.dumps(role.model_dump()), encoding="utf-8")
            return Screener(screener.artifact, role=path)
    return Screener(screener.artifact, role=role)


def with_items(answers: Responses, items: np.ndarray) -> Responses:
    return Responses(answers.instrument, answers.candidate_ids, items, answers.choices, answers.checks, answers.seconds)


def with_choices(answers: Responses, choices: np.ndarray) -> Responses:
    return Responses(answers.instrument, answers.candidate_ids, answers.items, choices, answers.checks, answers.seconds)


def option_weights(role: RoleProfile, scenario) -> list[float]:
    """The role's weight of each option of a scenario, by the option's key (0 when the role does not name it)."""
    return [role.situational.get(option.key, 0.0) for option in scenario.options]


def toward(item, role: RoleProfile) -> float:
    """+1 or -1: the step of the raw answer toward the end the role wants (reverse keys count keyed)."""
    wants_high = role.scales[item.scale].direction == "higher"
    return 1.0 if wants_high != item.reverse else -1.0


# ---- monotone ---------------------------------------------------------------------------


@given(data=st.data())
def test_monotone_one_answer_one_step_toward_the_role_never_lowers_the_fit_and_away_never_raises_it(
    screener, instrument, data
):
    scored = role_screener(screener, data)
    role = scored.role
    answers = data.draw(responses(instrument), label="answers")
    weighted = [k for k, item in enumerate(instrument.items) if item.scale in role.scales]
    column = data.draw(st.sampled_from(weighted), label="item")
    step = toward(instrument.items[column], role)
    low, high = instrument.response_scale.min, instrument.response_scale.max
    base = scored.score_responses(answers).fit
    for sign in (1.0, -1.0):
        items = answers.items.copy()
        items[:, column] = np.clip(items[:, column] + sign * step, low, high)
        moved = scored.score_responses(with_items(answers, items)).fit
        ranks = [RANK[b] for b in moved.band.tolist()], [RANK[b] for b in base.band.tolist()]
        if sign > 0:
            assert np.all(moved.score >= base.score) and ranks[0] >= ranks[1]
        else:
            assert np.all(moved.score <= base.score)
            assert all(m <= b for m, b in zip(*ranks, strict=True))


@given(data=st.data())
def test_monotone_a_scenario_option_the_role_values_at_least_as_much_never_lowers_the_fit(screener, instrument, data):
    """Any answered choice replaced by another option: weighed at least as much, the fit and band never fall;
    weighed less, they never rise (a blank counts as the least-valued option, so it is covered too)."""
    scored = role_screener(screener, data)
    role = scored.role
    answers = data.draw(responses(instrument), label="answers")
    scenario = data.draw(st.integers(0, len(instrument.scenarios) - 1), label="scenario")
    spec = instrument.scenarios[scenario]
    option = data.draw(st.integers(0, len(spec.options) - 1), label="option")
    weights = option_weights(role, spec)
    base = scored.score_responses(answers).fit
    choices = answers.choices.copy()
    choices[:, scenario] = option
    moved = scored.score_responses(with_choices(answers, choices)).fit
    answered = answers.choices[:, scenario] >= 0
    for row, before in enumerate(answers.choices[:, scenario].tolist()):
        if not answered[row]:  # a blank counts least-valued: any option is at least as good
            assert moved.score[row] >= base.score[row]
            continue
        if weights[option] >= weights[before]:
            assert moved.score[row] >= base.score[row] and RANK[moved.band[row]] >= RANK[base.band[row]]
        if weights[option] <= weights[before]:
            assert moved.score[row] <= base.score[row] and RANK[moved.band[row]] <= RANK[base.band[row]]


@given(data=st.data())
def test_monotone_answers_the_role_does_not_weigh_never_move_the_fit(screener, instrument, data):
    """Items of unweighted scales, and choices between options the role weighs alike, are neither toward
    nor away from the role: the fit stays. A role without [situational] reads no choice at all."""
    scored = role_screener(screener, data)
    role = scored.role
    answers = data.draw(responses(instrument), label="answers")
    base = scored.score_responses(answers).fit
    unweighted = [k for k, item in enumerate(instrument.items) if item.scale not in role.scales]
    items = answers.items.copy()
    if unweighted:
        column = data.draw(st.sampled_from(unweighted), label="item")
        items[:, column] = data.draw(st.sampled_from([np.nan, 1.0, 6.0]), label="answer")
    choices = answers.choices.copy()
    scenario = data.draw(st.integers(0, choices.shape[1] - 1), label="scenario")
    spec = instrument.scenarios[scenario]
    weights = option_weights(role, spec)
    if role.situational:  # another option weighed alike, for those who answered
        for row, before in enumerate(choices[:, scenario].tolist()):
            alike = [k for k, w in enumerate(weights) if before >= 0 and w == weights[before]]
            choices[row, scenario] = data.draw(st.sampled_from(alike)) if alike else before
    else:
        choices[:, scenario] = data.draw(st.integers(-1, 1), label="choice")
    moved = Responses(instrument, answers.candidate_ids, items, choices, answers.checks, answers.seconds)
    fit = scored.score_responses(moved).fit
    assert np.array_equal(fit.score, base.score) and np.array_equal(fit.band, base.band)


@given(data=st.data())
def test_monotone_the_profile_part_never_pulls_against_the_role_whatever_the_model(data):
    """The profile part is monotone for any classifier coefficients, so the rule survives a retrained model."""
    scales = tuple(f"s{k}" for k in range(5))
    role = data.draw(roles(scales, builtin=False, situational_keys=()), label="role")
    coef = data.draw(hnp.arrays(np.float64, (len(PROFILE_IDS), len(scales)), elements=st.floats(-6, 6)))
    intercept = data.draw(hnp.arrays(np.float64, len(PROFILE_IDS), elements=st.floats(-6, 6)))
    scorer = RoleFitScorer(role, scales, PROFILE_IDS, profile_logits=ProfileLogits(scales, coef, intercept))
    percentiles = data.draw(hnp.arrays(np.float64, (1, len(scales)), elements=st.floats(0, 100)))
    scale = data.draw(st.sampled_from(sorted(role.scales)))
    low, high = sorted(data.draw(st.tuples(st.floats(0, 100), st.floats(0, 100))))
    lower, higher = percentiles.copy(), percentiles.copy()
    lower[0, scales.index(scale)], higher[0, scales.index(scale)] = low, high
    worse, better = (lower, higher) if role.scales[scale].direction == "higher" else (higher, lower)
    worse_fit, better_fit = scorer.score(worse), scorer.score(better)
    assert better_fit.score[0] >= worse_fit.score[0]
    assert better_fit.profile_component[0] >= worse_fit.profile_component[0] - 1e-9
    assert better_fit.scale_component[0] >= worse_fit.scale_component[0] - 1e-9


@given(
    values=hnp.arrays(np.float64, st.integers(1, 9), elements=st.floats(-10, 10)),
    data=st.data(),
)
def test_isotonic_on_is_scikit_learns_isotonic_regression_with_ties_pooled(values, data):
    keys = data.draw(hnp.arrays(np.float64, values.shape, elements=st.sampled_from([0.0, 0.25, 0.5, 1.0])))
    ours = isotonic_on(values, keys)
    theirs = IsotonicRegression().fit(keys, values).predict(keys)
    np.testing.assert_allclose(ours, theirs, atol=1e-9)
    order = np.argsort(keys, kind="stable")
    assert np.all(np.diff(ours[order]) >= -1e-12)


# ---- reasons that hold ------------------------------------------------------------------


@given(data=st.data())
def test_reasons_hold_a_scale_named_for_the_fit_raises_it_and_one_named_against_lowers_it(screener, instrument, data):
    """Put the scale of each scale reason at the norm median: a reason for must lower the fit, one against raise it."""
    scored = role_screener(screener, data)
    scorer = scored.fit_scorer
    answers = data.draw(responses(instrument, max_rows=2), label="answers")
    batch = scored.score_responses(answers)
    columns = [instrument.scale_ids.index(s) for s in scorer.weighted_scales]
    any_choices = np.zeros((1, len(instrument.scenarios)), dtype=np.int16)  # the profile part reads no choice
    median = scorer.score(np.full((1, len(instrument.scale_ids)), 50.0), choices=any_choices)
    median_profile_part = median.profile_component[0]
    for row, result in enumerate(scored.results(batch)):
        fit = result.fit
        for reason in fit.reasons_for + fit.reasons_against:
            if reason.kind == "missing":
                assert reason.stance == "against" and reason.id in fit.missing_scales
            if reason.kind == "profile":  # the profile part agrees with the profile reason
                above = batch.fit.profile_component[row] > median_profile_part
                assert above if reason.stance == "for" else not above
            if reason.kind == "missing_situational":
                assert reason.stance == "against" and fit.missing_situational and fit.incomplete
            if reason.kind == "situational":  # the situational part at halfway moves the fit the other way
                shares = scored.role.combine
                profile_share = 1.0 - shares.scale_share - shares.situational_share
                neutral = round(
                    shares.scale_share * batch.fit.scale_component[row]
                    + shares.situational_share * 50.0
                    + profile_share * batch.fit.profile_component[row],
                    1,
                )
                assert neutral < fit.score if reason.stance == "for" else neutral > fit.score
                assert abs(fit.score - neutral) >= REASON_MIN_POINTS
            if reason.kind != "scale":
                continue
            percentiles = np.full((1, len(instrument.scale_ids)), np.nan)
            percentiles[0, columns] = batch.fit.percentiles[row]
            percentiles[0, instrument.scale_ids.index(reason.id)] = 50.0
            missing = np.zeros_like(percentiles, dtype=bool)
            missing[0, columns] = batch.fit.missing[row]
            at_median = scorer.score(percentiles, missing=missing, choices=answers.choices[[row]]).score[0]
            assert at_median < fit.score if reason.stance == "for" else at_median > fit.score


# ---- blanks never help -----------------------------------------------------------------


@given(data=st.data())
def test_blanks_never_give_a_higher_fit_or_band_than_the_least_wanted_answers(screener, instrument, data):
    scored = role_screener(screener, data)
    role = scored.role
    answers = data.draw(responses(instrument, blank_share=0.0), label="answers")
    share = data.draw(st.sampled_from([0.1, 0.5, 0.9]), label="blank share")
    blank = data.draw(hnp.arrays(np.float64, answers.items.shape, elements=st.floats(0, 1)), label="blanks") < share
    low, high = instrument.response_scale.min, instrument.response_scale.max
    worst_items = answers.items.copy()
    for column, item in enumerate(instrument.items):
        if item.scale in role.scales:  # an item the role does not weigh keeps its answer: it has no least-wanted end
            worst_items[blank[:, column], column] = low if toward(item, role) > 0 else high
    own = scored.score_responses(answers)
    worst = scored.score_responses(with_items(answers, worst_items))
    blanked = scored.score_responses(with_items(answers, np.where(blank, np.nan, answers.items)))
    assert np.all(blanked.fit.score <= worst.fit.score) and np.all(worst.fit.score <= own.fit.score)
    assert all(RANK[b] <= RANK[w] for b, w in zip(blanked.fit.band.tolist(), worst.fit.band.tolist(), strict=True))

    # Incomplete exactly when a weighted scale has fewer than half its items answered, or the role
    # weighs the scenarios and fewer than half were answered.
    needed = {s: np.ceil(MIN_ANSWERED_SHARE * len(instrument.items_of(s))) for s in role.scales}
    too_few = (answers.choices >= 0).sum(axis=1) < MIN_ANSWERED_SHARE * len(instrument.scenarios)
    for row, result in enumerate(scored.results(blanked)):
        answered = {
            s: sum(not blank[row, k] for k, item in enumerate(instrument.items) if item.scale == s) for s in role.scales
        }
        gaps = sorted(s for s in role.scales if answered[s] < needed[s])
        fit = result.fit
        missing_situational = bool(too_few[row]) and bool(role.situational)
        assert sorted(fit.missing_scales) == gaps and fit.missing_situational == missing_situational
        assert fit.incomplete == (bool(gaps) or missing_situational)
        assert any(r.kind == "missing_situational" for r in fit.reasons_against) == missing_situational
        if gaps or missing_situational:
            assert fit.band is None and result.needs_human_review
            assert sorted(r.id for r in fit.reasons_against if r.kind == "missing") == gaps
        else:
            assert fit.band == role.band(fit.score)


@given(data=st.data())
def test_blank_scenarios_never_give_a_higher_fit_or_band_than_the_least_valued_options(screener, instrument, data):
    scored = role_screener(screener, data)
    role = scored.role
    answers = data.draw(responses(instrument), label="answers")
    choices = np.maximum(answers.choices, 0)  # every scenario answered to start with
    own = with_choices(answers, choices)
    blank = data.draw(hnp.arrays(np.bool_, choices.shape), label="blank scenarios")
    worst_choices, blank_choices = choices.copy(), np.where(blank, -1, choices).astype(np.int16)
    for j, spec in enumerate(instrument.scenarios):
        weights = option_weights(role, spec)
        worst_choices[blank[:, j], j] = int(np.argmin(weights))
    fits = [scored.score_responses(r).fit for r in (own, with_choices(answers, worst_choices))]
    blanked = scored.score_responses(with_choices(answers, blank_choices)).fit
    assert np.all(blanked.score <= fits[1].score) and np.all(fits[1].score <= fits[0].score)
    if role.situational:  # a blank counts exactly as the least-valued option
        assert np.array_equal(blanked.situational_component, fits[1].situational_component)
    assert all(RANK[b] <= RANK[w] for b, w in zip(blanked.band.tolist(), fits[1].band.tolist(), strict=True))


@given(data=st.data())
def test_the_batch_path_gives_each_candidate_the_fit_and_reasons_of_the_one_candidate_path(screener, instrument, data):
    """score_responses on many rows and Screener.score on one record: the same fit, band, parts and reasons."""
    scored = role_screener(screener, data)
    answers = data.draw(responses(instrument, min_rows=2, max_rows=4), label="answers")
    batch = scored.results(scored.score_responses(answers))
    for row, record in enumerate(answers.to_records()):
        alone = scored.score(record).fit
        assert alone == batch[row].fit


def test_too_few_scenarios_answered_leave_a_fit_incomplete_at_the_least_valued_options(screener, instrument):
    """Under half the scenarios answered (the rule of the situational scores): incomplete, named, reviewed."""
    record = {"candidate_id": "c-1", **{item.id: 4 for item in instrument.items}}
    record |= {scenario.id: "a" for scenario in instrument.scenarios[:4]}
    result = screener.score(record)
    assert result.fit.incomplete and result.fit.band is None and result.fit.missing_situational
    assert result.fit.missing_scales == [] and result.needs_human_review
    assert result.fit.reasons_against[0].kind == "missing_situational"
    assert "scenarios: fewer than half answered" in result.fit.reasons_against[0].text
    assert not any(r.kind == "situational" for r in result.fit.reasons_for + result.fit.reasons_against)
    least_valued = {
        scenario.id: scenario.options[int(np.argmin(option_weights(screener.role, scenario)))].id
        for scenario in instrument.scenarios[4:]
    }
    complete = screener.score({**record, **least_valued})
    assert complete.fit.band is not None and complete.fit.score == result.fit.score
    assert complete.fit.situational_component == result.fit.situational_component
    assert Screener(screener.artifact, role=None).score(record).fit is None


def test_an_incomplete_fit_is_marked_so_in_the_result_and_its_json(screener, instrument):
    record = {"candidate_id": "c-1", **{item.id: 6 for item in instrument.items if item.scale != "ownership"}}
    record |= {scenario.id: "a" for scenario in instrument.scenarios}
    result = screener.score(record)
    assert result.fit.incomplete and result.fit.band is None and result.fit.missing_scales == ["ownership"]
    assert result.needs_human_review
    assert "Ownership: too few answers" in result.fit.reasons_against[0].text
    assert json.loads(result.model_dump_json())["fit"]["band"] is None
    least_wanted = {item.id: 1 if toward(item, screener.role) > 0 else 6 for item in instrument.items_of("ownership")}
    complete = screener.score({**record, **least_wanted})
    assert complete.fit.band is not None and complete.fit.score == result.fit.score


def test_the_decision_log_records_an_incomplete_fit_without_a_band(instrument, tmp_path, monkeypatch):
    from profilefit.core.decisions import KEY_ENVIRONMENT

    monkeypatch.setenv(KEY_ENVIRONMENT, "organisation-secret")
    log = tmp_path / "decisions.jsonl"
    record = {"candidate_id": "c-1", **{item.id: 4 for item in instrument.items if item.scale != "ownership"}}
    Screener.load(decision_log=log).score(record)
    (line,) = [json.loads(text) for text in log.read_text(encoding="utf-8").splitlines()]
    assert line["result"]["fit"]["band"] is None and line["result"]["needs_human_review"]


@pytest.mark.parametrize("role", ["complex-case", "transactional"])
def test_a_candidate_at_the_norm_median_gets_neither_scale_reasons_nor_a_scale_advantage(screener, role):
    scorer = Screener(screener.artifact, role=role).fit_scorer
    choices = np.zeros((1, len(screener.instrument.scenarios)), dtype=np.int16)
    fit = scorer.score(np.full((1, len(screener.instrument.scale_ids)), 50.0), choices=choices)
    assert fit.scale_component[0] == pytest.approx(50.0)
    assert np.all(scorer.scale_effects(fit, 0) == 0)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_an_incomplete_fit_is_not_selected_by_the_shortlist_or_the_audit(screener, instrument, tmp_path, suffix):
    """Written with an empty band, read back as incomplete: never selected, listed after every banded fit."""
    from profilefit.data.batch import score_file
    from profilefit.evidence.audit import Demographics, DemographicsTable, adverse_impact
    from profilefit.evidence.audit import read_results as read_audit_results
    from profilefit.pages.reports import read_results as read_shortlist_results
    from profilefit.pages.reports import shortlist_html

    def answering(end: int) -> dict[str, int | str]:
        """Every weighted item at the wanted end (1) or the least-wanted end (-1), the others at 4; in every
        scenario the option the role values most (1) or least (-1)."""
        role = screener.role
        pick = np.argmax if end > 0 else np.argmin
        return {
            **{
                item.id: 4 if item.scale not in role.scales else 6 if toward(item, role) * end > 0 else 1
                for item in instrument.items
            },
            **{s.id: s.options[int(pick(option_weights(role, s)))].id for s in instrument.scenarios},
        }

    strong = {"candidate_id": "strong-but-blank", **answering(1)}
    for item in instrument.items_of("ownership"):
        del strong[item.id]
    weak = {"candidate_id": "weak", **answering(-1)}
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in (strong, weak)), encoding="utf-8")
    output = tmp_path / f"results{suffix}"
    score_file(export, output, screener=screener)

    audited = {c.candidate_id: c for c in read_audit_results(output)}
    assert audited["strong-but-blank"].fit_band is None and audited["weak"].fit_band == "weak"
    assert audited["strong-but-blank"].fit_score > audited["weak"].fit_score
    people = {"strong-but-blank": Demographics(sex="A"), "weak": Demographics(sex="B")}
    demographics = DemographicsTable(frozenset({"sex"}), people)
    report = adverse_impact(list(audited.values()), demographics, select_band="possible")
    assert report.selected == 0

    rows = {r.candidate_id: r for r in read_shortlist_results(output)}
    assert rows["strong-but-blank"].incomplete and not rows["weak"].incomplete
    page = shortlist_html(list(rows.values()))
    assert page.index(">weak<") < page.index(">strong-but-blank<")  # not selected: after every banded fit
    assert ">incomplete<" in page
