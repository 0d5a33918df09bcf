"""Role fit: the role file format, the fit score's properties, reasons, and the Controller-versus-Empathizer check."""

from __future__ import annotations

import json
import re
import string
import tomllib
from importlib import resources

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pydantic import ValidationError
from sklearn.isotonic import IsotonicRegression

from profilefit.core.fit import (
    BANDS,
    MAX_SCALE_REASONS,
    REASON_MARGIN,
    REASON_MIN_POINTS,
    FitReason,
    RoleFit,
    RoleFitScorer,
    RoleProfile,
    builtin_roles,
    load_role,
    reason_languages,
    reason_templates,
    reason_text,
)
from profilefit.core.fit._result import construct_trusted
from profilefit.core.profiles import PROFILE_IDS
from profilefit.core.screening import Screener, ScreeningResult
from profilefit.data.simulate import simulate

SCALES = (
    "taking_charge",
    "composure",
    "empathy",
    "accommodation",
    "procedure",
    "improvement",
    "competitiveness",
    "ownership",
)
ROLES = ("complex-case", "transactional")
#: The shipped instrument's scenarios as the behaviour keys of their options, in option order.
SCENARIOS = (
    ("empathizer", "controller", "competitor", "rock"),
    ("hard_worker", "accommodator", "empathizer", "controller"),
    ("controller", "innovator", "accommodator", "hard_worker"),
    ("competitor", "rock", "innovator", "empathizer"),
    ("rock", "hard_worker", "controller", "accommodator"),
    ("accommodator", "rock", "competitor", "innovator"),
    ("hard_worker", "empathizer", "accommodator", "competitor"),
    ("controller", "hard_worker", "rock", "innovator"),
    ("empathizer", "controller", "competitor", "innovator"),
    ("innovator", "rock", "hard_worker", "accommodator"),
)


def role_data(role_id: str = "complex-case") -> dict:
    text = resources.files("profilefit.core.fit").joinpath("data", f"{role_id}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@pytest.fixture(scope="module", params=ROLES)
def scorer(request, screener):
    """A built-in role bound to the reference model's scales and profile logits."""
    return Screener(screener.artifact, role=request.param).fit_scorer


def percentile_rows(*, min_rows: int = 1, max_rows: int = 12):
    """Norm percentiles of candidates on the eight shipped scales; ``nan`` where a scale score is missing."""
    cells = st.one_of(st.floats(0, 100), st.just(np.nan))
    shape = st.tuples(st.integers(min_rows, max_rows), st.just(len(SCALES)))
    return hnp.arrays(np.float64, shape, elements=cells)


def choice_rows(n: int):
    """Options chosen by ``n`` candidates in the ten shipped scenarios (0-3), -1 where unanswered."""
    return hnp.arrays(np.int16, (n, len(SCENARIOS)), elements=st.integers(-1, 3))


def some_choices(n: int) -> np.ndarray:
    """Every scenario answered with its first option: fixed choices for tests about the scales."""
    return np.zeros((n, len(SCENARIOS)), dtype=np.int16)


def situational_part(role: RoleProfile, choices: np.ndarray) -> np.ndarray:
    """docs/fit.md's situational part, computed here on its own, one candidate and scenario at a time."""
    parts = []
    for row in choices:
        values = []
        for keys, chosen in zip(SCENARIOS, row, strict=True):
            weights = [role.situational.get(key, 0.0) for key in keys]
            if max(weights) == min(weights):
                continue  # the role's weights do not tell this scenario's options apart
            worst = min(weights) if chosen < 0 else weights[chosen]
            values.append((worst - min(weights)) / (max(weights) - min(weights)))
        parts.append(np.mean(values) if role.situational else 0.0)
    return np.array(parts)


# ---- role files -------------------------------------------------------------------


def test_built_in_roles_load_and_complex_case_is_the_default():
    assert set(ROLES) <= set(builtin_roles())
    assert load_role().id == "complex-case"
    for role_id in ROLES:
        role = load_role(role_id)
        assert role.id == role_id
        assert set(role.profiles) == set(PROFILE_IDS)
        for language in ("en", "nb", "sv", "nl"):
            assert role.text("name", language) and role.text("description", language)


def test_complex_case_follows_the_hbr_findings():
    role = load_role("complex-case")
    weights = {scale: need.weight for scale, need in role.scales.items()}
    top_three = sorted(weights, key=weights.get, reverse=True)[:3]
    assert set(top_three) == {"taking_charge", "ownership", "composure"}
    assert max(role.profiles, key=role.profiles.get) == "controller"  # best at resolving problems
    ranked = sorted(role.profiles, key=role.profiles.get, reverse=True)
    assert 2 <= ranked.index("empathizer") <= 4  # mid-pack


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scales": {"taking_charge": {"wieght": 3.0}}}, "wieght"),
        ({"scales": {"taking_charge": {"weight": 0}}}, "greater than 0"),
        ({"scales": {"taking_charge": {"weight": 2, "direction": "up"}}}, "direction"),
        ({"profiles": {"controller": 1.5}}, "less than or equal to 1"),
        ({"bands": {"strong": 40.0, "possible": 50.0}}, "must be below"),
        ({"name": {"nb": "Komplekse saker"}}, "English"),
        ({"scales": {}}, "at least 1"),
        ({"colour": "blue"}, "colour"),
        ({"situational": {"controller": 11.0}}, "less than or equal to 10"),
        ({"situational": {"Controller": 1.0}}, "pattern"),
        ({"combine": {"scale_share": 0.6}}, "situational_share is 0"),
        ({"combine": {"scale_share": 0.6, "situational_share": 0.25}, "situational": {}}, "no \\[situational\\]"),
        ({"combine": {"scale_share": 0.8, "situational_share": 0.25}}, "more than 1"),
    ],
)
def test_a_role_file_with_a_mistake_is_refused_naming_it(change, message):
    data = {**role_data(), **change}
    with pytest.raises(ValidationError, match=message):
        RoleProfile.model_validate(data)


def test_roles_load_from_toml_and_json_files(tmp_path):
    data = role_data("transactional")
    data["id"] = "our-helpdesk"
    json_path = tmp_path / "helpdesk.json"
    json_path.write_text(json.dumps(data), encoding="utf-8")
    assert load_role(json_path).id == "our-helpdesk"
    toml_path = tmp_path / "helpdesk.toml"
    toml_path.write_text(
        resources.files("profilefit.core.fit").joinpath("data", "transactional.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert load_role(toml_path) == load_role("transactional")
    assert load_role(load_role("transactional")) is load_role("transactional")
    with pytest.raises(FileNotFoundError, match="complex-case"):
        load_role("no-such-role")
    (tmp_path / "role.yaml").write_text("id: x", encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.toml or \.json"):
        load_role(tmp_path / "role.yaml")


def test_a_role_must_match_the_instrument_and_the_model():
    role = load_role()
    with pytest.raises(ValueError, match="taking_charge"):
        RoleFitScorer(role, ("calm", "drive"), PROFILE_IDS)
    with pytest.raises(ValueError, match="pirate"):
        RoleFitScorer(role, SCALES, (*PROFILE_IDS, "pirate"))
    typo = RoleProfile.model_validate({**role_data(), "profiles": {**role.profiles, "controler": 0.5}})
    with pytest.raises(ValueError, match="controler"):
        RoleFitScorer(typo, SCALES, PROFILE_IDS, scenarios=SCENARIOS)


def test_a_role_weighing_a_behaviour_no_scenario_offers_is_refused_naming_it_and_the_instruments_keys():
    typo = RoleProfile.model_validate({**role_data(), "situational": {"controler": 3.0, "rock": 1.0}})
    with pytest.raises(ValueError, match=r"situational key\(s\) \['controler'\].*accommodator, competitor"):
        RoleFitScorer(typo, SCALES, PROFILE_IDS, scenarios=SCENARIOS)
    with pytest.raises(ValueError, match="no scenarios"):
        RoleFitScorer(load_role(), SCALES, PROFILE_IDS)  # an instrument without scenarios
    flat = RoleProfile.model_validate({**role_data(), "situational": dict.fromkeys(PROFILE_IDS, 2.0)})
    with pytest.raises(ValueError, match="value no option of any scenario above another"):
        RoleFitScorer(flat, SCALES, PROFILE_IDS, scenarios=SCENARIOS)
    with pytest.raises(ValueError, match="give the choices"):
        RoleFitScorer(load_role(), SCALES, PROFILE_IDS, scenarios=SCENARIOS).score(np.full((1, 8), 50.0))


def test_a_role_without_situational_weights_scores_as_before_and_reads_no_choices(screener):
    """An organisation's role file from before the scenarios counted: the same numbers, choices ignored."""
    data = role_data()
    del data["situational"]
    data["combine"] = {"scale_share": 0.6}
    old = Screener(screener.artifact, role=RoleProfile.model_validate(data)).fit_scorer
    assert not old.weighs_situational
    percentiles = np.random.default_rng(7).uniform(0, 100, (50, len(SCALES)))
    fit = old.score(percentiles)
    again = old.score(percentiles, choices=np.random.default_rng(8).integers(-1, 4, (50, len(SCENARIOS))))
    assert np.array_equal(fit.score, again.score) and not fit.situational_component.any()
    share = 0.6  # the pre-situational formula, written out
    expected = np.round(100.0 * (share * fit.scale_component / 100 + (1 - share) * fit.profile_component / 100), 1)
    np.testing.assert_array_equal(fit.score, expected)


# ---- properties of the score ---------------------------------------------------------


def test_the_score_is_built_as_documented(scorer, screener):
    """docs/fit.md's formula, computed here on its own: scikit-learn's isotonic regression, the logistic probit."""
    role = scorer.role
    core = screener.artifact.linear
    rows = [list(core.classes).index(p) for p in PROFILE_IDS]
    features = screener.instrument.feature_names
    weighted = [s for s in SCALES if s in role.scales]
    suitability = np.array([role.profiles[p] for p in PROFILE_IDS])
    sign = np.array([-1.0 if role.scales[s].direction == "lower" else 1.0 for s in weighted])
    coef = core.coef[rows][:, [features.index(s) for s in weighted]] * sign
    monotone = np.column_stack(
        [IsotonicRegression().fit(suitability, coef[:, j]).predict(suitability) for j in range(len(weighted))]
    )
    weights = np.array([role.scales[s].weight for s in weighted])
    rng = np.random.default_rng(3)
    percentiles = rng.uniform(0, 100, (20, len(SCALES)))
    choices = rng.integers(-1, 4, (20, len(SCENARIOS))).astype(np.int16)
    choices[:, :6] = np.maximum(choices[:, :6], 0)  # at least half answered: a complete fit
    fit = scorer.score(percentiles, choices=choices)
    situational = situational_part(role, choices)
    for row in range(20):
        chosen = percentiles[row, [SCALES.index(s) for s in weighted]]
        standing = np.where(sign > 0, chosen, 100 - chosen) / 100
        scale_part = weights @ standing / weights.sum()
        clipped = np.clip(standing, 0.005, 0.995)
        logits = core.intercept[rows] + monotone @ (np.log(clipped / (1 - clipped)) / 1.702)
        profile_part = np.exp(logits) / np.exp(logits).sum() @ suitability
        share, other = role.combine.scale_share, role.combine.situational_share
        mixed = share * scale_part + other * situational[row] + (1 - share - other) * profile_part
        assert fit.score[row] == pytest.approx(round(100 * mixed, 1))
        assert fit.scale_component[row] == pytest.approx(100 * scale_part)
        assert fit.profile_component[row] == pytest.approx(100 * profile_part)
        assert fit.situational_component[row] == pytest.approx(100 * situational[row])
    assert not fit.incomplete.any() and other > 0


@given(data=st.data())
def test_fit_is_between_0_and_100_and_its_band_follows_the_cut_offs(scorer, data):
    percentiles = data.draw(percentile_rows())
    choices = data.draw(choice_rows(percentiles.shape[0]))
    fit = scorer.score(percentiles, choices=choices)
    assert np.all((fit.score >= 0) & (fit.score <= 100))
    too_few = (choices >= 0).sum(axis=1) < len(SCENARIOS) / 2  # fewer than half the scenarios answered
    assert fit.missing_situational.tolist() == too_few.tolist()
    incomplete = np.isnan(percentiles[:, [SCALES.index(s) for s in scorer.weighted_scales]]).any(axis=1) | too_few
    assert fit.incomplete.tolist() == incomplete.tolist()
    expected = ["" if gap else scorer.role.band(float(s)) for s, gap in zip(fit.score, incomplete, strict=True)]
    assert fit.band.tolist() == expected
    assert set(fit.band.tolist()) <= {*BANDS, ""}


@given(data=st.data())
def test_fit_moves_with_each_weighted_scale_in_the_roles_direction(scorer, data):
    """Monotone: more of a scale the role wants high never lowers the fit; more of one it wants low never raises it."""
    percentiles = data.draw(percentile_rows(max_rows=1))
    scale = data.draw(st.sampled_from(sorted(scorer.role.scales)))
    column = SCALES.index(scale)
    low, high = sorted(data.draw(st.tuples(st.floats(0, 100), st.floats(0, 100))))
    lower, higher = percentiles.copy(), percentiles.copy()
    lower[0, column], higher[0, column] = low, high
    choices = data.draw(choice_rows(1))
    fit_low = scorer.score(lower, choices=choices).score[0]
    fit_high = scorer.score(higher, choices=choices).score[0]
    if scorer.role.scales[scale].direction == "higher":
        assert fit_high >= fit_low
    else:
        assert fit_high <= fit_low


@given(data=st.data())
def test_unweighted_scales_do_not_move_the_fit(scorer, data):
    percentiles = data.draw(percentile_rows(max_rows=1))
    unweighted = [s for s in SCALES if s not in scorer.role.scales]
    scale = data.draw(st.sampled_from(unweighted))
    moved = percentiles.copy()
    moved[0, SCALES.index(scale)] = data.draw(st.floats(0, 100))
    choices = data.draw(choice_rows(1))
    assert scorer.score(moved, choices=choices).score[0] == scorer.score(percentiles, choices=choices).score[0]


@given(data=st.data())
def test_a_batch_gives_each_candidate_the_fit_it_gets_alone(scorer, data):
    percentiles = data.draw(percentile_rows(min_rows=9, max_rows=15))
    choices = data.draw(choice_rows(percentiles.shape[0]))
    batch = scorer.score(percentiles, choices=choices)
    for row in range(percentiles.shape[0]):
        alone = scorer.score(percentiles[[row]], choices=choices[[row]])
        assert alone.score[0] == batch.score[row] and alone.band[0] == batch.band[row]
        assert alone.situational_component[0] == batch.situational_component[row]


@given(data=st.data())
def test_points_alone_are_the_scores_points(scorer, data):
    """RoleFitScorer.points (the blank-block search's fit) gives score's floats, whatever is missing."""
    percentiles = data.draw(percentile_rows(max_rows=15))
    choices = data.draw(choice_rows(percentiles.shape[0]))
    missing = np.isnan(percentiles) | data.draw(hnp.arrays(np.bool_, percentiles.shape))
    np.testing.assert_array_equal(
        scorer.points(percentiles, choices=choices), scorer.score(percentiles, missing=missing, choices=choices).score
    )
    if scorer.weighs_situational:
        with pytest.raises(ValueError, match="weighs the scenarios"):
            scorer.points(percentiles)


def test_a_missing_scale_counts_at_the_least_wanted_end_and_leaves_the_fit_incomplete(scorer):
    median = np.full((1, len(SCALES)), 50.0)
    missing, least = median.copy(), median.copy()
    for column in range(3):
        missing[0, column] = np.nan
        need = scorer.role.scales.get(SCALES[column])
        least[0, column] = 100.0 if need is not None and need.direction == "lower" else 0.0
    fit = scorer.score(missing, choices=some_choices(1))
    assert fit.score[0] == scorer.score(least, choices=some_choices(1)).score[0]
    weighs_one = any(s in scorer.role.scales for s in SCALES[:3])
    assert bool(fit.incomplete[0]) == weighs_one and (fit.band[0] == "") == weighs_one


# ---- Controller versus Empathizer ------------------------------------------------------


@pytest.fixture(scope="module")
def typical_fits():
    """Median fit of attentive simulated Controllers and Empathizers under each role."""
    simulation = simulate(4000, seed=101)
    medians = {}
    for role in ROLES:
        batch = Screener.load(role=role).score_responses(simulation.responses)
        for profile in ("controller", "empathizer"):
            chosen = (simulation.profiles == profile) & ~simulation.careless
            assert chosen.sum() > 400
            medians[role, profile] = float(np.median(batch.fit.score[chosen]))
    return medians


def test_a_typical_controller_fits_complex_case_support_better_than_a_typical_empathizer(typical_fits):
    assert typical_fits["complex-case", "controller"] > typical_fits["complex-case", "empathizer"] + 10


def test_for_transactional_support_the_order_is_reversed(typical_fits):
    assert typical_fits["transactional", "empathizer"] > typical_fits["transactional", "controller"] + 10


def test_typical_answers_of_each_profile_give_the_same_order(screener, instrument):
    """One constructed 'typical' candidate per profile: each item's median answer and each scenario's most
    common choice among the profile's attentive simulated candidates."""
    simulation = simulate(3000, seed=102)
    fits = {}
    for role in ROLES:
        role_screener = Screener.load(role=role)
        for profile in ("controller", "empathizer"):
            chosen = (simulation.profiles == profile) & ~simulation.careless
            record = {"candidate_id": f"typical-{profile}", "completion_seconds": 600.0}
            medians = np.median(simulation.responses.items[chosen], axis=0)
            record.update({item_id: round(v) for item_id, v in zip(instrument.item_ids, medians.tolist(), strict=True)})
            record.update(
                {check.id: check.expected for check in instrument.attention_checks if check.expected is not None}
            )
            for column, scenario in enumerate(instrument.scenarios):
                counts = np.bincount(simulation.responses.choices[chosen, column], minlength=len(scenario.options))
                record[scenario.id] = scenario.options[int(counts.argmax())].id
            fits[role, profile] = role_screener.score(record).fit.score
    assert fits["complex-case", "controller"] > fits["complex-case", "empathizer"]
    assert fits["transactional", "empathizer"] > fits["transactional", "controller"]


# ---- reasons -----------------------------------------------------------------------


def test_every_language_has_every_reason_with_the_same_placeholders():
    assert reason_languages() == ("en", "nb", "sv", "nl")
    for key, texts in reason_templates().items():
        assert set(texts) == set(reason_languages()), key
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(text) if f} for lang, text in texts.items()}
        assert len({frozenset(f) for f in fields.values()}) == 1, key


SIMULATED = simulate(300, seed=103).responses


@pytest.fixture(scope="module")
def results(screener):
    return screener.results(screener.score_responses(SIMULATED))


def effect_of(result, screener, scale_id, row):
    """What the scale does to the fit against the norm median, recomputed from the result's percentiles."""
    percentiles = np.array([[s.percentile for s in result.scales]])
    at_median = percentiles.copy()
    at_median[0, SCALES.index(scale_id)] = 50.0
    return result.fit.score - screener.fit_scorer.score(at_median, choices=SIMULATED.choices[[row]]).score[0]


def test_reasons_follow_the_percentiles_the_margin_and_their_effect(results, screener):
    role = screener.role
    assert any(r.kind == "situational" for result in results for r in result.fit.reasons_for)
    assert any(r.kind == "situational" for result in results for r in result.fit.reasons_against)
    for row, result in enumerate(results):
        percentiles = {scale.scale: scale.percentile for scale in result.scales}
        for stance, reasons in (("for", result.fit.reasons_for), ("against", result.fit.reasons_against)):
            scale_reasons = [r for r in reasons if r.kind == "scale"]
            assert len(scale_reasons) <= MAX_SCALE_REASONS
            for reason in scale_reasons:
                assert reason.stance == stance and reason.direction == role.scales[reason.id].direction
                assert reason.percentile == pytest.approx(percentiles[reason.id], abs=1e-3)
                standing = reason.percentile if reason.direction == "higher" else 100 - reason.percentile
                assert (standing >= 50 + REASON_MARGIN) if stance == "for" else (standing <= 50 - REASON_MARGIN)
            effects = [abs(effect_of(result, screener, r.id, row)) for r in scale_reasons]
            assert all(e >= REASON_MIN_POINTS for e in effects) and effects == sorted(effects, reverse=True)
            for reason in (r for r in reasons if r.kind == "situational"):
                assert reason.id == "scenarios" and reason.situational == pytest.approx(
                    result.fit.situational_component, abs=1e-3
                )
                far = (
                    reason.situational - 50 >= REASON_MARGIN
                    if stance == "for"
                    else 50 - reason.situational >= REASON_MARGIN
                )
                assert far
            for reason in reasons:
                assert reason.text == reason_text(
                    reason,
                    scale_names={s.id: s.name["en"] for s in screener.instrument.scales},
                    profile_names={
                        "controller": "Controller",
                        "rock": "Rock",
                        "accommodator": "Accommodator",
                        "empathizer": "Empathizer",
                        "hard_worker": "Hard Worker",
                        "innovator": "Innovator",
                        "competitor": "Competitor",
                    },
                )
        profile_reasons = [r for r in result.fit.reasons_for + result.fit.reasons_against if r.kind == "profile"]
        if result.profile == "undetermined":
            assert profile_reasons == []
        for reason in profile_reasons:
            assert reason.id == result.top_profile
            assert reason.probability == pytest.approx(result.confidence, abs=1e-6)


def test_reasons_read_in_every_language():
    reason = FitReason(kind="scale", id="accommodation", stance="for", direction="lower", percentile=20.0, text="")
    texts = {lang: reason_text(reason, lang, scale_names={"accommodation": "X"}) for lang in reason_languages()}
    assert all(text.startswith("X: ") and "80" in text for text in texts.values())
    assert len(set(texts.values())) == 4
    assert reason_text(reason, "fi") == reason_text(reason, "en").replace("X", "accommodation")
    profile = FitReason(kind="profile", id="hard_worker", stance="against", probability=0.514, text="")
    assert re.search(r"hard worker \(51 ?%\)", reason_text(profile, "sv"))
    missing = FitReason(kind="missing", id="ownership", stance="against", text="")
    texts = {lang: reason_text(missing, lang, scale_names={"ownership": "Y"}) for lang in reason_languages()}
    assert all(text.startswith("Y: ") for text in texts.values()) and len(set(texts.values())) == 4
    for stance in ("for", "against"):
        scenarios = FitReason(kind="situational", id="scenarios", stance=stance, situational=71.6, text="")
        texts = {lang: reason_text(scenarios, lang) for lang in reason_languages()}
        assert all("72" in text and "50" in text for text in texts.values()) and len(set(texts.values())) == 4
    too_few = FitReason(kind="missing_situational", id="scenarios", stance="against", text="")
    texts = {lang: reason_text(too_few, lang) for lang in reason_languages()}
    assert len(set(texts.values())) == 4 and "fewer than half" in texts["en"]


# ---- in the screening result ----------------------------------------------------------


def test_every_result_carries_its_fit_and_the_batch_arrays_agree(results, screener):
    batch = screener.score_responses(simulate(300, seed=103).responses)
    for row, result in enumerate(results):
        assert result.fit is not None and result.fit.role == "complex-case"
        assert result.fit.score == batch.fit.score[row] and result.fit.band == (batch.fit.band[row] or None)
        assert result.fit.strong_from == screener.role.bands.strong
    assert batch.fit.score.shape == (300,) and batch.fit.band.shape == (300,)


def test_results_with_fit_round_trip_through_json(results):
    for result in results[:20]:
        assert ScreeningResult.model_validate_json(result.model_dump_json()) == result


def test_the_fast_constructor_builds_what_model_construct_builds(results):
    fit = results[0].fit
    values = {name: getattr(fit, name) for name in RoleFit.model_fields}
    fast, slow = construct_trusted(RoleFit, **values), RoleFit.model_construct(**values)
    assert fast == slow and fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump_json() == slow.model_dump_json()
    assert RoleFit.model_validate(fast.model_dump()) == fast
    with pytest.raises(ValidationError):
        fast.score = 3.0  # type: ignore[misc]  # still frozen


def test_screener_roles(tmp_path, instrument):
    record = {"candidate_id": "c-1", **{item_id: 4 for item_id in instrument.item_ids}}
    assert Screener.load(role="transactional").score(record).fit.role == "transactional"
    assert Screener.load(role=None).score(record).fit is None
    data = role_data()
    data["id"] = "our-role"
    path = tmp_path / "our-role.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    custom = Screener.load(role=path).score(record).fit
    assert custom.role == "our-role"
    assert custom.score == Screener.load().score(record).fit.score
