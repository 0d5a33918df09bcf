"""Faking: the simulation's conditions, the idealised-responding flag, and what a reviewer sees.

Rates are measured on fresh simulated applicants and compared with the documented targets
with a stated margin for sampling error (the benchmark, benchmarks/faking.py, prints them
on larger samples).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profilefit.core.fit import builtin_roles, load_role
from profilefit.core.instrument import load_instrument
from profilefit.core.scoring import Responses
from profilefit.core.screening import Screener
from profilefit.core.validity import FLAG_IDS, idealised_index
from profilefit.data.simulate import (
    CONDITIONS,
    WARNED_TARGET_D,
    WARNING_REDUCTION_D,
    SimulationConfig,
    calibrate_directed_strength,
    presentation,
    role_scale_inflation,
    simulate,
)
from profilefit.data.simulate._faking import APPLICANT_STRENGTH, Presentation, claim_answer_probabilities, desirability

INSTRUMENT = load_instrument()
IDEALISED = FLAG_IDS.index("idealised")


@pytest.fixture(scope="module")
def screeners() -> dict[str, Screener]:
    return {role: Screener.load(role=role) for role in builtin_roles()}


def _attentive(n: int, seed: int, condition: str, role: str = "complex-case") -> tuple[Responses, np.ndarray]:
    how = presentation(condition, INSTRUMENT, role=load_role(role))  # type: ignore[arg-type]
    sim = simulate(n, seed=seed, instrument=INSTRUMENT, presentation=how)
    return sim.responses, ~sim.careless


def test_every_answer_of_the_shipped_instrument_is_rated_with_a_reason():
    for item in INSTRUMENT.items:
        assert item.desirability is not None and item.desirability_reason, item.id
    for scenario in INSTRUMENT.scenarios:
        for option in scenario.options:
            assert option.desirability is not None and option.desirability_reason, (scenario.id, option.id)
    claims = [INSTRUMENT.attention_checks[k] for k in INSTRUMENT.virtue_claim_columns]
    assert len(claims) >= 5
    for claim in claims:
        assert claim.expected is None and claim.desirability == 2.0
        assert set(claim.text) == set(INSTRUMENT.languages)


def test_honest_presentation_is_the_reference_simulation_without_faking():
    """Honest answers equal the reference model's answers at faking strength 0, virtue claims included."""
    honest = simulate(500, seed=3, presentation=presentation("honest", INSTRUMENT))
    unfaked = simulate(500, seed=3, config=SimulationConfig.reference(faking=0.0))
    np.testing.assert_array_equal(honest.responses.items, unfaked.responses.items)
    np.testing.assert_array_equal(honest.responses.choices, unfaked.responses.choices)
    np.testing.assert_array_equal(honest.responses.checks, unfaked.responses.checks)


def test_the_default_presentation_is_the_average_applicant():
    default = simulate(300, seed=4)
    applicant = simulate(300, seed=4, presentation=presentation("applicant", INSTRUMENT))
    np.testing.assert_array_equal(default.responses.checks, applicant.responses.checks)
    np.testing.assert_array_equal(default.responses.items, applicant.responses.items)


@pytest.mark.parametrize("role_id", ["complex-case", "transactional"])
@pytest.mark.slow
def test_directed_faking_reproduces_the_published_single_stimulus_inflation(role_id):
    """Speer et al. (2023): d = .99 for context-desirable traits; measured on a fresh seed, within .08."""
    role = load_role(role_id)
    strength = presentation("directed", INSTRUMENT, role=role).strength
    assert role_scale_inflation(INSTRUMENT, role, strength, n=4000, seed=777) == pytest.approx(0.99, abs=0.08)


@pytest.mark.slow
def test_a_warned_directed_applicant_fakes_by_the_published_warning_effect_less():
    """Moon et al. (2025): a warning lowers faking by d = .31; the warned strength gives .99 - .31 on a fresh seed."""
    role = load_role("complex-case")
    warned = calibrate_directed_strength(INSTRUMENT, role, target_d=WARNED_TARGET_D)
    assert pytest.approx(0.99 - WARNING_REDUCTION_D) == WARNED_TARGET_D
    assert warned < presentation("directed", INSTRUMENT, role=role).strength
    assert role_scale_inflation(INSTRUMENT, role, warned, n=4000, seed=777) == pytest.approx(0.68, abs=0.08)


def test_applicant_strength_reproduces_the_published_average_applicant_inflation():
    """The generic desirability at APPLICANT_STRENGTH raises the scales as much as the published trait shifts do."""
    items, options, claims = desirability(INSTRUMENT)
    config = SimulationConfig.reference(careless_share=0.0, faking_sd=0.0)
    from profilefit.core.scoring import score_responses

    honest = score_responses(
        simulate(6000, seed=8, config=config, presentation=presentation("honest", INSTRUMENT)).responses
    ).scales
    generic = Presentation("directed", None, APPLICANT_STRENGTH, False, items, [0 * o for o in options], claims)
    faked = score_responses(simulate(6000, seed=8, config=config, presentation=generic).responses).scales
    published = score_responses(
        simulate(6000, seed=8, config=config, presentation=presentation("applicant", INSTRUMENT)).responses
    ).scales
    generic_d = ((faked - honest).mean(axis=0) / honest.std(axis=0)).mean()
    published_d = ((published - honest).mean(axis=0) / honest.std(axis=0)).mean()
    assert generic_d == pytest.approx(published_d, abs=0.03)


def test_claim_answer_probabilities_match_simulated_applicants():
    config = SimulationConfig.reference(careless_share=0.0)
    sim = simulate(20_000, seed=12, config=config)
    table = claim_answer_probabilities(INSTRUMENT, config)
    answers = sim.responses.checks[:, list(INSTRUMENT.virtue_claim_columns)]
    for column in range(answers.shape[1]):
        observed = np.bincount(answers[:, column].astype(int) - 1, minlength=6) / answers.shape[0]
        np.testing.assert_allclose(observed, table[column], atol=0.015)
    np.testing.assert_allclose(table.sum(axis=1), 1.0, atol=1e-9)


@pytest.mark.slow
def test_idealised_flag_rates_meet_their_targets(screeners):
    """At most 5 % of honest attentive applicants, at least 90 % of maximal, at least half of directed fakers."""
    screener = screeners["complex-case"]
    for role_id in builtin_roles():
        rates = {}
        for condition in ("honest", "directed", "maximal"):
            responses, attentive = _attentive(6000, 20261207, condition, role_id)
            flags = screener.score_responses(responses).validity.flags[:, IDEALISED]
            rates[condition] = flags[attentive].mean()
        # Margins: with 5,300 attentive applicants the SE of a 4 % rate is 0.3 points.
        assert rates["honest"] <= 0.05, rates
        assert rates["maximal"] >= 0.99, rates
        assert rates["directed"] >= 0.5, rates


def test_at_most_15_percent_of_honest_attentive_applicants_need_review(screeners):
    for screener in screeners.values():
        responses, attentive = _attentive(6000, 20261208, "honest")
        review = screener.score_responses(responses).needs_human_review
        assert review[attentive].mean() <= 0.15


@settings(max_examples=25, deadline=None)
@given(
    role_id=st.sampled_from(["complex-case", "transactional"]),
    seed=st.integers(0, 2**31),
    scored_as=st.sampled_from(["complex-case", "transactional"]),
)
def test_a_maximal_pattern_is_never_strong_without_a_validity_flag(role_id, seed, scored_as):
    """Whatever role the applicant fakes for and whichever role scores them: the ideal pattern is flagged."""
    screener = Screener.load(role=scored_as)
    responses, attentive = _attentive(40, seed, "maximal", role_id)
    batch = screener.score_responses(responses)
    assert batch.fit is not None
    strong = batch.fit.band == "strong"
    assert not (strong & ~batch.validity.any)[attentive].any()
    assert batch.validity.flags[attentive, IDEALISED].all()


@settings(max_examples=40, deadline=None)
@given(
    claims=st.lists(st.sampled_from([None, 1, 2, 3, 4, 5, 6]), min_size=6, max_size=6),
    seed=st.integers(0, 2**31),
)
def test_idealised_index_stays_between_0_and_1_and_more_claims_never_lower_it(claims, seed):
    """Raising one virtue claim to 'strongly agree' never lowers the index; the index is in [0, 1] or nan."""
    records = simulate(1, seed=seed, presentation=presentation("honest", INSTRUMENT)).responses.to_records()
    record = dict(records[0])
    for claim_column, value in zip(INSTRUMENT.virtue_claim_columns, claims, strict=True):
        claim_id = INSTRUMENT.check_ids[claim_column]
        record.pop(claim_id, None)
        if value is not None:
            record[claim_id] = value
    before, _ = idealised_index(Responses.from_records(INSTRUMENT, [record]))
    assert np.isnan(before[0]) or 0.0 <= before[0] <= 1.0
    for claim_column in INSTRUMENT.virtue_claim_columns:
        claim_id = INSTRUMENT.check_ids[claim_column]
        if record.get(claim_id) not in (None, 6):
            raised = {**record, claim_id: 6}
            after, _ = idealised_index(Responses.from_records(INSTRUMENT, [raised]))
            assert after[0] >= before[0] - 1e-12


def test_the_flag_is_named_explained_and_asks_for_review_never_rejects(screeners):
    responses, attentive = _attentive(200, 5, "maximal")
    first = int(np.flatnonzero(attentive)[0])
    screener = screeners["complex-case"]
    result = screener.results(screener.score_responses(responses.take([first])))[0]
    names = [flag.flag for flag in result.flags]
    assert "idealised" in names
    assert result.needs_human_review
    detail = next(flag.detail for flag in result.flags if flag.flag == "idealised")
    assert "idealised" in detail and "improbable virtue" in detail
    assert result.fit is not None and result.fit.band is not None  # shown, not withheld: never a rejection


def test_an_undetermined_profile_alone_is_shown_not_a_review_when_the_fit_is_complete(screeners):
    responses, attentive = _attentive(3000, 9, "honest")
    batch = screeners["complex-case"].score_responses(responses)
    assert batch.fit is not None
    clean = attentive & ~batch.validity.any & ~batch.fit.incomplete
    undetermined = clean & ~batch.determined
    assert undetermined.sum() > 100
    assert not batch.needs_human_review[undetermined].any()
    unbound = Screener.load(role=None).score_responses(responses)
    assert unbound.needs_human_review[undetermined].all()  # no fit: the profile is all there is


def test_conditions_are_the_documented_four():
    assert CONDITIONS == ("honest", "applicant", "directed", "maximal")
    with pytest.raises(ValueError, match="role"):
        presentation("directed", INSTRUMENT)


def test_an_old_export_without_virtue_claims_still_gets_the_flag_from_the_statements(screeners):
    """Statements alone carry the flag: the faking issue's record 'every forward item 6, reverse 1'."""
    record = {"candidate_id": "naive", "completion_seconds": 900.0}
    record.update({item.id: 1 if item.reverse else 6 for item in INSTRUMENT.items})
    record.update({c.id: c.expected for c in INSTRUMENT.attention_checks if c.kind == "instructed"})
    result = screeners["complex-case"].score(record)
    assert "idealised" in [flag.flag for flag in result.flags]
    assert result.needs_human_review


def test_the_faking_example_runs_as_written(tmp_path):
    """examples/faking_check.py: the honest answers pass clean, the coached ones are flagged, the report says so."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parents[2] / "examples" / "faking_check.py"
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=120, check=True
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith("honest") and "flags: none" in lines[0]
    assert (
        lines[1].startswith("coached for complex-case") and "idealised" in lines[1] and "needs review: yes" in lines[1]
    )
    html = (tmp_path / "faked-report.html").read_text(encoding="utf-8")
    assert "Idealised answers" in html


def test_the_faking_example_on_2_0_shows_the_warned_applicant_too(tmp_path):
    """examples/faking_check.py --instrument 2.0: honest, coached and coached after the warning, each scored."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parents[2] / "examples" / "faking_check.py"
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path), "--instrument", "2.0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    labels = ("honest", "coached for complex-case", "coached, after the warning")
    assert [line[:28].strip() for line in lines[:3]] == list(labels)
    fits = [float(re.search(r"fit +([0-9.]+)", line).group(1)) for line in lines[:3]]  # type: ignore[union-attr]
    assert fits[0] < fits[2] < fits[1], fits  # this applicant: the warning lowers the gain, not to nothing
    assert (tmp_path / "faked-report-2.0.html").is_file() and "faked-report-2.0.html" in lines[3]


@pytest.mark.slow
def test_a_quarter_of_directed_fakers_are_not_overrepresented_among_clear_strong_results(screeners):
    """Target of the faking issue: with a quarter of applicants faking (directed), their share of the strong
    results without a validity flag is at most 1.3 times their share when everyone answers honestly.

    The fit alone does not meet it (benchmarks/faking.py prints about 2.4 times): the flag does the work.
    """
    for role_id, screener in screeners.items():
        honest_responses, attentive = _attentive(8000, 20261209, "honest", role_id)
        faked_responses, _ = _attentive(8000, 20261209, "directed", role_id)
        honest, faked = screener.score_responses(honest_responses), screener.score_responses(faked_responses)
        assert honest.fit is not None and faked.fit is not None
        fakers = attentive & (np.random.default_rng([20261209, 25]).random(attentive.size) < 0.25)
        clear = {
            "honest": attentive & (honest.fit.band == "strong") & ~honest.validity.any,
            "mixed": attentive
            & np.where(fakers, faked.fit.band == "strong", honest.fit.band == "strong")
            & ~np.where(fakers, faked.validity.any, honest.validity.any),
        }
        ratio = fakers[clear["mixed"]].mean() / fakers[clear["honest"]].mean()
        assert ratio <= 1.3, (role_id, ratio)


@settings(max_examples=40, deadline=None)
@given(
    claims=st.lists(st.sampled_from([1, 2, 3, 4, 5, 6]), min_size=6, max_size=6),
    seed=st.integers(0, 2**31),
    condition=st.sampled_from(["honest", "directed", "maximal"]),
)
@pytest.mark.slow
def test_answering_the_virtue_claims_never_removes_a_flag_that_blank_claims_raise(claims, seed, condition):
    """Coaching "don't claim to be perfect" cannot switch the flag off: claims only add to the statements rule."""
    from profilefit.core.validity import idealised_flag

    how = presentation(condition, INSTRUMENT, role=load_role("complex-case"))  # type: ignore[arg-type]
    record = dict(simulate(1, seed=seed, presentation=how).responses.to_records()[0])
    claim_ids = [INSTRUMENT.check_ids[k] for k in INSTRUMENT.virtue_claim_columns]
    blank = {key: value for key, value in record.items() if key not in claim_ids}
    answered = {**blank, **dict(zip(claim_ids, claims, strict=True))}
    flags = [idealised_flag(Responses.from_records(INSTRUMENT, [r]))[0] for r in (blank, answered)]
    assert flags[1] or not flags[0]
