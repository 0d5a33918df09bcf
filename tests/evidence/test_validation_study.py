"""`validation_study`: reading, joining, counting, validity, expectancy, profiles and the small-sample rule."""

import math
import re

import numpy as np
import pytest
from scipy import stats

from profilefit.evidence.audit import Demographics, DemographicsTable
from profilefit.evidence.validation import (
    INCOMPLETE,
    MIN_STUDY_N,
    Applicants,
    Outcomes,
    case_ii,
    format_study_text,
    read_applicants,
    read_outcomes,
    validation_study,
)
from profilefit.exceptions import ValidationInputError


def applicants(n, seed=0, profiles=("controller", "empathizer", "rock")):
    rng = np.random.default_rng(seed)
    fit = np.round(rng.uniform(20, 90, n), 1)
    band = np.where(fit >= 64, "strong", np.where(fit >= 46, "possible", "weak"))
    return Applicants(
        ids=[f"c{k}" for k in range(n)],
        fit=fit,
        band=band.astype(np.str_),
        profile=np.array([profiles[k % len(profiles)] for k in range(n)], dtype=np.str_),
        scales={"taking_charge": rng.uniform(1, 6, n), "composure": rng.uniform(1, 6, n)},
    )


def hire_top(pool, share, outcome_of):
    order = np.argsort(-pool.fit)[: int(share * len(pool))]
    return {pool.ids[k]: outcome_of(k) for k in order}


def test_observed_validity_equals_scipy_and_the_correction_uses_all_applicants():
    pool = applicants(600, seed=1)
    rng = np.random.default_rng(2)
    values = hire_top(pool, 0.5, lambda k: float(0.02 * pool.fit[k] + rng.standard_normal()))
    study = validation_study(pool, Outcomes("quality", "numeric", values))
    hired = np.array([pool.ids.index(key) for key in values])
    fit, outcome = pool.fit[hired], np.array(list(values.values()))
    assert study.validity.pearson.value == pytest.approx(stats.pearsonr(fit, outcome).statistic)
    assert study.validity.spearman.value == pytest.approx(stats.spearmanr(fit, outcome).statistic)
    u = np.std(pool.fit, ddof=1) / np.std(fit, ddof=1)
    assert study.validity.u == pytest.approx(u)
    assert study.validity.range_corrected.value == pytest.approx(case_ii(study.validity.pearson.value, u))
    assert study.validity.fully_corrected is None
    assert study.counts.study_n == 300 and study.counts.without_outcome == 300


def test_criterion_correction_comes_before_range_restriction():
    pool = applicants(400, seed=3)
    rng = np.random.default_rng(4)
    values = hire_top(pool, 0.5, lambda k: float(0.02 * pool.fit[k] + rng.standard_normal()))
    study = validation_study(pool, Outcomes("rating", "numeric", values), criterion_reliability=0.52)
    r, u = study.validity.pearson.value, study.validity.u
    assert study.validity.fully_corrected.value == pytest.approx(case_ii(r / math.sqrt(0.52), u))
    low = study.validity.pearson.low
    assert study.validity.fully_corrected.low == pytest.approx(case_ii(low / math.sqrt(0.52), u))


def test_counts_reconcile_unmatched_blank_and_incomplete_fits():
    pool = applicants(200, seed=5)
    band = pool.band.astype("<U12")
    band[:3] = INCOMPLETE  # incomplete fits: no band, not selected, out of the correlations
    fit = pool.fit.copy()
    fit[:2] = np.nan
    pool = Applicants(pool.ids, fit, band, pool.profile, pool.scales)
    values = {pool.ids[k]: float(k % 5) for k in range(150)}
    values["c1"] = None
    values["elsewhere-1"] = 3.0
    values["elsewhere-2"] = 2.0
    study = validation_study(pool, Outcomes("quality", "numeric", values))
    c = study.counts
    assert (c.outcome_rows, c.matched, c.unmatched_outcomes, c.blank_outcomes) == (152, 150, 2, 1)
    assert c.outcome_without_fit == 2  # c0 and c2 (c1 is blank)
    assert c.study_n == 147
    assert c.matched == c.blank_outcomes + c.outcome_without_fit + c.study_n
    assert c.incomplete_fits == 3
    assert c.unmatched_examples == ("elsewhere-1", "elsewhere-2")
    rows = {row.label: row for row in study.by_band}
    assert rows[INCOMPLETE].n == 2
    assert sum(row.n for row in study.by_band) == c.matched - c.blank_outcomes


def test_small_study_says_it_is_too_small_and_still_prints_figures():
    pool = applicants(120, seed=6)
    values = {pool.ids[k]: float(pool.fit[k] / 10 + (k % 3)) for k in range(40)}
    study = validation_study(pool, Outcomes("quality", "numeric", values))
    assert study.too_small and study.counts.study_n < MIN_STUDY_N
    text = format_study_text(study)
    assert "TOO SMALL TO CONCLUDE" in text
    assert "Pearson r" in text and "OBSERVED" in text and "CORRECTED" in text


def test_yes_no_outcome_gives_shares_per_band_and_quintile():
    pool = applicants(500, seed=7)
    rng = np.random.default_rng(8)
    values = hire_top(pool, 0.6, lambda k: float(rng.random() < 0.3 + pool.fit[k] / 200))
    study = validation_study(pool, Outcomes("retained", "binary", values))
    assert study.kind == "binary" and study.success_rule == "yes"
    assert study.by_quintile[0].label == "lowest fifth"
    assert sum(row.n for row in study.by_quintile) == study.counts.study_n
    lowest, highest = study.by_quintile[0], study.by_quintile[-1]
    assert lowest.fit_high <= highest.fit_low
    assert 0 <= lowest.success.low <= lowest.success.value <= lowest.success.high <= 1


def test_the_controller_claim_is_tested_against_the_other_profiles():
    pool = applicants(600, seed=9)
    values = {pool.ids[k]: (4.0 if pool.profile[k] == "controller" else 3.0) + 0.1 * (k % 7) for k in range(600)}
    study = validation_study(pool, Outcomes("quality", "numeric", values))
    assert study.controller_check.highest_profile == "controller"
    assert study.controller_check.difference.low > 0
    assert "clearly higher" in study.controller_check.finding


def test_differential_prediction_says_plainly_when_slopes_differ():
    pool = applicants(800, seed=10)
    rng = np.random.default_rng(11)
    people = {candidate_id: Demographics(sex="Female" if k % 2 else "Male") for k, candidate_id in enumerate(pool.ids)}
    values = {
        candidate_id: float((0.04 if k % 2 else 0.0) * pool.fit[k] + 0.3 * rng.standard_normal())
        for k, candidate_id in enumerate(pool.ids)
    }
    study = validation_study(
        pool, Outcomes("quality", "numeric", values), demographics=DemographicsTable(frozenset({"sex"}), people)
    )
    (sex,) = study.differential
    assert sex.differs and sex.slopes_p < 0.001
    assert sex.finding.startswith("Prediction differs by sex")
    assert "PREDICTION DIFFERS" in format_study_text(study)


def test_reading_outcomes_detects_yes_no_and_decimal_commas(tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text("candidate_id;Retained;Quality\na;ja;3,5\nb;nei;4\nc;;\n", encoding="utf-8")
    retained = read_outcomes(path, "retained")
    quality = read_outcomes(path, "QUALITY")
    assert retained.kind == "binary" and retained.values == {"a": 1.0, "b": 0.0, "c": None}
    assert quality.kind == "numeric" and quality.values == {"a": 3.5, "b": 4.0, "c": None}


def test_a_bad_outcome_names_file_line_field_and_value(tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text("candidate_id,quality\na,3.5\nb,great\n", encoding="utf-8")
    with pytest.raises(ValidationInputError, match=r"line 3, field 'quality'.*'great'"):
        read_outcomes(path, "quality")


def test_a_repeated_outcome_id_and_a_missing_column_are_errors(tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text("candidate_id,quality\na,3\na,4\n", encoding="utf-8")
    with pytest.raises(ValidationInputError, match="repeats line 2"):
        read_outcomes(path, "quality")
    with pytest.raises(ValidationInputError, match="no column 'csat'"):
        read_outcomes(path, "csat")


def test_results_with_an_empty_band_are_incomplete_fits(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(
        "candidate_id,top_profile,fit_score,fit_band,scale_composure\n"
        "a,controller,70.5,strong,4.5\nb,rock,,,\nc,rock,40,weak,3\n",
        encoding="utf-8",
    )
    pool = read_applicants(path)
    assert pool.band.tolist() == ["strong", INCOMPLETE, "weak"]
    assert math.isnan(pool.fit[1]) and math.isnan(pool.scales["composure"][1])


def test_results_with_a_bad_band_or_score_are_refused(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("candidate_id,top_profile,fit_score,fit_band\na,rock,101,strong\n", encoding="utf-8")
    with pytest.raises(ValidationInputError, match=r"line 2, field 'fit_score'.*0 to 100"):
        read_applicants(path)
    path.write_text("candidate_id,top_profile,fit_score,fit_band\na,rock,50,great\n", encoding="utf-8")
    with pytest.raises(ValidationInputError, match="field 'fit_band'"):
        read_applicants(path)


def test_results_holding_only_the_hired_are_pointed_out():
    pool = applicants(150, seed=12)
    values = {candidate_id: float(k % 4) for k, candidate_id in enumerate(pool.ids)}
    study = validation_study(pool, Outcomes("quality", "numeric", values))
    assert study.validity.u == pytest.approx(1.0)
    assert any("only the hired" in note for note in study.notes)


def test_the_page_groups_counts_and_names_profiles_by_their_display_names():
    """Reviewer: the page said "2000 resamples" and showed raw ids (hard_worker) where reports show Hard Worker."""
    from profilefit.evidence.validation import study_to_html

    pool = applicants(1500, seed=5, profiles=("hard_worker", "controller", "rock"))
    rng = np.random.default_rng(6)
    study = validation_study(pool, Outcomes("quality", "numeric", hire_top(pool, 0.8, lambda k: rng.normal())))
    page = study_to_html(study)
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.DOTALL)
    assert "2,000 resamples" in visible and "1,500" in visible and "1,200" in visible
    assert not re.findall(r"(?<![\d.,])\d{4,}(?![\d.,])", visible)
    assert "Hard Worker" in visible and "hard_worker" not in page
    # The page's statistical terms, in plain words at its foot (the bootstrap's switch point as the code has it).
    terms = re.search(r'<section id="terms">(.*?)</section>', page, flags=re.S)
    assert terms is not None
    explained = re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", terms.group(1))
    named = " ".join(term for term, _ in explained)
    for term in ("Pearson r", "95% CI", "BCa", "p", "range restriction", "Cleary"):
        assert term in named, term
    assert "above 5,000 people the plain percentile method" in terms.group(1)


def test_a_study_of_the_bundled_synthetic_outcomes_says_so_first(tmp_path):
    """As the audit warns of its bundled demographics: the page read "clearly higher" from invented ratings."""
    from profilefit.core.screening import Screener
    from profilefit.data.batch import score_file
    from profilefit.data.datasets import sample_export_path
    from profilefit.evidence.validation import sample_outcomes_path, validate_files
    from profilefit.evidence.validation._study import SAMPLE_OUTCOMES_NOTE

    results = tmp_path / "results.csv"
    score_file(sample_export_path(), results, screener=Screener.load())
    study = validate_files(results, sample_outcomes_path(), "resolution_rating")
    assert study.notes[0] == SAMPLE_OUTCOMES_NOTE
    own = tmp_path / "our-outcomes.csv"
    lines = sample_outcomes_path().read_text(encoding="utf-8").splitlines()
    own.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # one row fewer: not the bundled file
    assert SAMPLE_OUTCOMES_NOTE not in validate_files(results, own, "resolution_rating").notes
