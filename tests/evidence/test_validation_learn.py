"""`learn_role`: planted weights recovered, small or weak evidence refused, and the role file loads and scores."""

import tomllib

import numpy as np
import pytest

from profilefit.core.fit import load_role
from profilefit.core.profiles import PROFILE_IDS
from profilefit.core.scoring import NormGroup
from profilefit.evidence.audit import Demographics, DemographicsTable
from profilefit.evidence.validation import Applicants, Outcomes, format_impact_comparison, impact_comparison, learn_role

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


@pytest.fixture(scope="module")
def norms():
    rng = np.random.default_rng(0)
    return NormGroup.from_scores("planted norm group", SCALES, np.round(rng.uniform(1, 6, (4000, len(SCALES))) * 6) / 6)


def planted_study(n, weights, *, noise, seed, hired=None):
    """Applicants with uniform scale scores; the outcome is a planted weighted sum of their scores plus noise."""
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(1, 6, (n, len(SCALES))) * 6) / 6
    fit = np.round(rng.uniform(20, 90, n), 1)
    pool = Applicants(
        ids=[f"p{k}" for k in range(n)],
        fit=fit,
        band=np.where(fit >= 64, "strong", np.where(fit >= 46, "possible", "weak")).astype("<U12"),
        profile=np.array([PROFILE_IDS[k % 7] for k in range(n)], dtype=np.str_),
        scales={scale: scores[:, j] for j, scale in enumerate(SCALES)},
    )
    signal = scores @ np.array([weights.get(scale, 0.0) for scale in SCALES])
    outcome = signal + noise * rng.standard_normal(n)
    chosen = range(n) if hired is None else range(hired)
    return pool, Outcomes("quality", "numeric", {pool.ids[k]: float(outcome[k]) for k in chosen})


def test_learning_recovers_the_order_of_planted_weights(norms):
    planted = {"taking_charge": 0.6, "ownership": 0.4, "composure": 0.2}
    pool, outcomes = planted_study(500, planted, noise=0.8, seed=1)
    learned = learn_role(pool, outcomes, norms=norms, date="2026-11-30")
    assert learned.trusted, learned.problems
    order = sorted(learned.weights, key=learned.weights.get, reverse=True)[:3]
    assert order == ["taking_charge", "ownership", "composure"]
    assert max(learned.weights.values()) == 3.0
    assert all(weight > 0 for weight in learned.weights.values())
    assert learned.cv_validity.low > 0


def test_a_scale_the_role_wants_low_keeps_its_direction(norms):
    # accommodation is "lower" in the complex-case role: a planted negative effect earns it a weight.
    pool, outcomes = planted_study(500, {"accommodation": -0.6, "taking_charge": 0.3}, noise=0.8, seed=2)
    learned = learn_role(pool, outcomes, norms=norms, date="2026-11-30")
    assert learned.directions["accommodation"] == "lower"
    assert learned.role.scales["accommodation"].direction == "lower"
    assert learned.weights["accommodation"] > learned.weights["taking_charge"]


def test_small_n_is_not_trusted(norms):
    pool, outcomes = planted_study(300, {"taking_charge": 0.6}, noise=0.5, seed=3, hired=60)
    learned = learn_role(pool, outcomes, norms=norms, date="2026-11-30")
    assert not learned.trusted
    assert any("at least 100" in problem for problem in learned.problems)
    assert "NOT TRUSTED" in learned.toml


def test_noise_alone_is_not_trusted(norms):
    pool, outcomes = planted_study(400, {}, noise=1.0, seed=4)
    learned = learn_role(pool, outcomes, norms=norms, date="2026-11-30")
    assert not learned.trusted


def test_the_learned_role_file_loads_scores_and_carries_its_evidence(norms, tmp_path):
    pool, outcomes = planted_study(400, {"composure": 0.5, "ownership": 0.3}, noise=0.7, seed=5)
    learned = learn_role(pool, outcomes, norms=norms, data_hash="sha256 results abc, outcomes def", date="2026-11-30")
    path = tmp_path / "learned.toml"
    path.write_text(learned.toml, encoding="utf-8")
    role = load_role(path)
    assert role == learned.role
    assert role.combine.scale_share == 1.0
    assert set(role.profiles) == set(load_role("complex-case").profiles)
    for evidence in ("n: 400", "cross-validated validity", "2026-11-30", "sha256 results abc"):
        assert evidence in learned.toml


def test_band_cutoffs_keep_the_current_shares(norms):
    pool, outcomes = planted_study(600, {"composure": 0.5}, noise=0.7, seed=6)
    learned = learn_role(pool, outcomes, norms=norms, date="2026-11-30")
    for band in ("strong", "weak"):
        assert abs((learned.learned_band == band).mean() - (pool.band == band).mean()) < 0.02


def test_outcome_names_cannot_break_the_role_file(norms):
    pool, outcomes = planted_study(300, {"composure": 0.5}, noise=0.5, seed=7)
    odd = Outcomes('qa "score"\n[scales.x]\nweight = 9', "numeric", dict(outcomes.values))
    learned = learn_role(pool, odd, norms=norms, date="2026-11-30")
    parsed = tomllib.loads(learned.toml)
    assert "x" not in parsed["scales"]
    assert parsed["name"]["en"] == 'Learned from qa "score"\n[scales.x]\nweight = 9'


def test_impact_comparison_audits_both_roles_on_the_same_people(norms):
    pool, outcomes = planted_study(400, {"composure": 0.5}, noise=0.7, seed=8)
    learned = learn_role(pool, outcomes, norms=norms, date="2026-11-30")
    people = {candidate_id: Demographics(sex="Female" if k % 2 else "Male") for k, candidate_id in enumerate(pool.ids)}
    current, new = impact_comparison(pool, learned, DemographicsTable(frozenset({"sex"}), people))
    assert current.applicants == new.applicants == 400
    assert current.selected == int(np.isin(pool.band, ("strong", "possible")).sum())
    text = format_impact_comparison(current, new)
    assert "Female" in text and "current rate" in text and "learned rate" in text


def test_results_without_scale_columns_cannot_teach_a_role(norms):
    pool, outcomes = planted_study(200, {"composure": 0.5}, noise=0.5, seed=9)
    bare = Applicants(pool.ids, pool.fit, pool.band, pool.profile, {})
    with pytest.raises(ValueError, match="no scale_<scale> columns"):
        learn_role(bare, outcomes, norms=norms)
