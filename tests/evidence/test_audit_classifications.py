"""The complete LL144 audit: per-classification figures, the exact four-fifths boundary, incomplete fits,
the share of results matched to demographics, and hypothesis properties of the rules."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import stats

from profilefit.evidence.audit import (
    FOUR_FIFTHS,
    Demographics,
    DemographicsTable,
    ScoredCandidate,
    adverse_impact,
    audit_files,
    audit_to_dict,
    format_audit_text,
    write_audit_csv,
)
from profilefit.exceptions import AuditMatchError
from tests.strategies import audit_inputs

_PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _groups(*groups: tuple[str, int, int], profile: str = "rock") -> tuple[list[ScoredCandidate], DemographicsTable]:
    """Candidates of sex categories given as ``(name, applicants, selected)``; the selected are ``strong``."""
    candidates, people = [], {}
    for name, size, chosen in groups:
        for k in range(size):
            candidate_id = f"{name}{k}"
            band = "strong" if k < chosen else "weak"
            candidates.append(ScoredCandidate(candidate_id, profile, 80.0 if k < chosen else 20.0, band))
            people[candidate_id] = Demographics(sex=name)
    return candidates, DemographicsTable(frozenset({"sex"}), people)


def _sex(report, name):
    return next(c for c in report.dimensions[0].categories if c.category == name)


# --- the four-fifths boundary -------------------------------------------------------------------


def test_a_ratio_of_exactly_four_fifths_is_not_below_it(tmp_path: Path) -> None:
    # 1 of 3 against 5 of 12: (1/3) / (5/12) = 4/5 exactly; in floating point it is 0.7999999999999999.
    assert (1 / 3) / (5 / 12) < 0.8  # the trap this test guards against
    report = adverse_impact(*_groups(("A", 3, 1), ("B", 12, 5)), select_band="strong")
    a = _sex(report, "A").selection
    assert a.impact_ratio_exact == Fraction(4, 5)
    assert a.impact_ratio == 0.8
    assert a.below_four_fifths is False

    path = write_audit_csv(report, tmp_path / "audit.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["kind"] == "category" and r["category"] == "A")
    assert row["selection_impact_ratio"] == "0.8"
    assert row["selection_below_four_fifths"] == "false"
    assert "0.7999999999999999" not in path.read_text(encoding="utf-8")

    data = json.loads(json.dumps(audit_to_dict(report)))
    category = next(c for c in data["dimensions"][0]["categories"] if c["category"] == "A")
    assert category["selection"]["impact_ratio"] == 0.8
    assert category["selection"]["impact_ratio_exact"] == "4/5"
    assert category["selection"]["below_four_fifths"] is False


@pytest.mark.parametrize(
    ("selected", "size", "below"),
    [
        (33, 100, True),  # 0.33 / (5/12) = 0.792
        (100, 300, False),  # exactly 0.8
        (400, 1200, False),  # exactly 0.8
        (34, 100, False),  # 0.816
        (399, 1200, True),  # 0.798: just below
        (401, 1200, False),  # 0.802: just above
    ],
)
def test_just_either_side_of_four_fifths(selected: int, size: int, below: bool) -> None:
    # B at 500 of 1200 = 5/12, large enough that A is never under 2 % of the candidates.
    report = adverse_impact(*_groups(("A", size, selected), ("B", 1200, 500)), select_band="strong")
    a = _sex(report, "A").selection
    assert a.impact_ratio_exact == Fraction(selected, size) / Fraction(5, 12)
    assert a.below_four_fifths is below


@_PROPERTY_SETTINGS
@given(audit_inputs(), st.sampled_from(["strong", "possible"]))
def test_flag_iff_the_rational_ratio_of_counts_is_below_four_fifths(inputs, band) -> None:
    """Rule: below_four_fifths is exactly (count_k / n_k) / (count_ref / n_ref) < 4/5, in rationals."""
    report = adverse_impact(*inputs, select_band=band)
    for dimension in report.dimensions:
        rates = [("selection", [c.selection for c in dimension.categories])]
        rates.append(("scoring", [c.scoring for c in dimension.categories]))
        rates += [(c.classification, list(c.comparisons)) for c in dimension.classifications]
        for _, comparisons in rates:
            reference = next((k for k, x in enumerate(comparisons) if x.is_reference), None)
            for category, comparison in zip(dimension.categories, comparisons, strict=True):
                if comparison.impact_ratio is None:
                    assert comparison.below_four_fifths is None
                    continue
                ref = dimension.categories[reference]
                exact = Fraction(comparison.count * ref.applicants, category.applicants * comparisons[reference].count)
                assert comparison.impact_ratio_exact == exact
                assert comparison.impact_ratio == float(exact)
                assert comparison.below_four_fifths is (exact < FOUR_FIFTHS)


@_PROPERTY_SETTINGS
@given(audit_inputs(max_categories=3), st.sampled_from(["strong", "possible"]))
def test_a_group_against_its_own_copy_has_impact_ratio_1(inputs, band) -> None:
    """Rule: a category whose candidates fare exactly as the reference's do has an impact ratio of 1."""
    candidates, _ = inputs
    twins = [ScoredCandidate(f"twin-{c.candidate_id}", c.profile, c.fit_score, c.fit_band) for c in candidates]
    people = {c.candidate_id: Demographics(sex="original") for c in candidates}
    people |= {c.candidate_id: Demographics(sex="copy") for c in twins}
    report = adverse_impact(candidates + twins, DemographicsTable(frozenset({"sex"}), people), select_band=band)
    original, copy = _sex(report, "original"), _sex(report, "copy")
    comparisons = [(original.selection, copy.selection), (original.scoring, copy.scoring)]
    comparisons += [(c.comparisons[1], c.comparisons[0]) for c in report.dimensions[0].classifications]
    for a, b in comparisons:
        assert a.rate == b.rate
        if a.count:
            assert a.impact_ratio == b.impact_ratio == 1.0
            assert a.impact_ratio_exact == b.impact_ratio_exact == 1
            assert not a.below_four_fifths and not b.below_four_fifths
        for x in (a, b):
            assert x.fisher_p is None or x.fisher_p == pytest.approx(1.0)


@_PROPERTY_SETTINGS
@given(audit_inputs())
def test_classification_rates_sum_to_one_within_each_category(inputs) -> None:
    """Rule: every audited candidate has exactly one classification, so counts sum to the applicants."""
    report = adverse_impact(*inputs)
    assert set(report.profiles) >= {c.profile for c in inputs[0]}
    assert sum(report.profile_rates.values()) == pytest.approx(1.0)
    for dimension in report.dimensions:
        assert [c.classification for c in dimension.classifications] == list(report.profiles)
        for k, category in enumerate(dimension.categories):
            counts = [impact.comparisons[k].count for impact in dimension.classifications]
            assert sum(counts) == category.applicants
            assert sum(category.profile_rates.values()) == pytest.approx(1.0)


# --- classifications by hand ----------------------------------------------------------------------


def test_classification_rates_ratios_and_tests_by_hand() -> None:
    # Women: 2 of 10 controller, 8 undetermined. Men: 10 of 20 controller, 10 rock.
    candidates, people = [], {}
    for k in range(10):
        candidates.append(ScoredCandidate(f"w{k}", "controller" if k < 2 else "undetermined", 50.0, "possible"))
        people[f"w{k}"] = Demographics(sex="Female")
    for k in range(20):
        candidates.append(ScoredCandidate(f"m{k}", "controller" if k < 10 else "rock", 50.0, "possible"))
        people[f"m{k}"] = Demographics(sex="Male")
    report = adverse_impact(candidates, DemographicsTable(frozenset({"sex"}), people))
    sex = report.dimensions[0]
    by_class = {c.classification: c for c in sex.classifications}
    women, men = (by_class["controller"].comparisons[k] for k in (0, 1))
    assert (women.count, women.rate, men.count, men.rate) == (2, 0.2, 10, 0.5)
    assert women.impact_ratio_exact == Fraction(2, 5) and women.below_four_fifths
    assert men.is_reference and by_class["controller"].reference(sex.categories) == "Male"
    assert women.fisher_p == pytest.approx(stats.fisher_exact([[2, 8], [10, 10]]).pvalue)
    undetermined = by_class["undetermined"].comparisons
    assert (undetermined[0].rate, undetermined[1].rate) == (0.8, 0.0)
    assert undetermined[0].is_reference and undetermined[1].impact_ratio == 0.0
    assert report.profile_rates["undetermined"] == pytest.approx(8 / 30)
    assert report.profiles[-1] == "undetermined" and report.profiles[0] == "controller"


def test_undetermined_is_counted_from_the_reported_profile(tmp_path: Path) -> None:
    results = tmp_path / "results.csv"
    lines = ["candidate_id,model_id,profile,top_profile,fit_score,fit_band"]
    lines += [f"c{k},m,{'undetermined' if k % 4 == 0 else 'rock'},rock,{k},{'strong' if k > 10 else 'weak'}"
              for k in range(20)]  # fmt: skip
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    demographics = tmp_path / "demographics.csv"
    demographics.write_text(
        "candidate_id,sex\n" + "".join(f"c{k},{'Female' if k % 2 else 'Male'}\n" for k in range(20)),
        encoding="utf-8",
    )
    report = audit_files(results, demographics)
    assert report.profile_rates["undetermined"] == 0.25  # 5 of 20, though top_profile is never undetermined
    text = format_audit_text(report)
    assert "Undetermined" in text and "25.0%" in text


# --- incomplete fits, matching --------------------------------------------------------------------


def test_a_fit_without_a_band_counts_as_not_selected(tmp_path: Path) -> None:
    results = tmp_path / "results.csv"
    results.write_text(
        "candidate_id,profile,fit_score,fit_band\na,rock,90,strong\nb,rock,,\nc,rock,95,\nd,rock,10,weak\n",
        encoding="utf-8",
    )
    demographics = tmp_path / "demographics.csv"
    demographics.write_text("candidate_id,sex\na,Female\nb,Female\nc,Male\nd,Male\n", encoding="utf-8")
    report = audit_files(results, demographics, select_band="possible")
    assert (report.applicants, report.selected, report.without_band, report.without_score) == (4, 1, 2, 1)
    assert report.median_fit_score == 90.0  # of the three scores; b has none
    assert report.above_median == 1  # c at 95; a band is not needed to score above the median
    assert "no_band" in report.warnings
    female = _sex(report, "Female")
    assert (female.applicants, female.selection.count) == (2, 1)
    assert "has no band" in format_audit_text(report)


def test_jsonl_null_band_is_an_incomplete_fit(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    rows = [{"candidate_id": "a", "profile": "rock", "fit_score": None, "fit_band": None},
            {"candidate_id": "b", "profile": "rock", "fit_score": 50.0, "fit_band": "strong"}]  # fmt: skip
    results.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    demographics = tmp_path / "demographics.csv"
    demographics.write_text("candidate_id,sex\na,F\nb,M\n", encoding="utf-8")
    report = audit_files(results, demographics)
    assert (report.selected, report.without_band) == (1, 1)


@pytest.mark.parametrize(("matched", "warned"), [(4, True), (5, False), (10, False)])
def test_fewer_than_half_matched_is_a_warning(matched: int, warned: bool) -> None:
    candidates = [ScoredCandidate(f"c{k}", "rock", float(k), "strong") for k in range(10)]
    people = {f"c{k}": Demographics(sex="A" if k % 2 else "B") for k in range(matched)}
    report = adverse_impact(candidates, DemographicsTable(frozenset({"sex"}), people))
    assert ("low_match" in report.warnings) is warned
    assert report.matched == matched
    text = format_audit_text(report)
    assert (f"Only {matched} of 10 results" in text) is warned


def test_no_match_at_all_is_an_error_naming_ids() -> None:
    candidates = [ScoredCandidate("cand-1", "rock", 1.0, "weak")]
    people = {"CAND-1": Demographics(sex="Female")}
    with pytest.raises(AuditMatchError, match=r"none of the 1 results.*'cand-1'.*'CAND-1'"):
        adverse_impact(candidates, DemographicsTable(frozenset({"sex"}), people))


# --- scale scores by group ------------------------------------------------------------------------


def test_scale_means_and_standardised_differences_by_hand(tmp_path: Path) -> None:
    # B (4 people, the larger category) is the reference: mean 3.5, variance 5/3. A: mean 2, variance 1.
    # Pooled variance (2 * 1 + 3 * 5/3) / 5 = 1.4, so d(A) = (2 - 3.5) / sqrt(1.4).
    results = tmp_path / "results.csv"
    lines = ["candidate_id;profile;fit_score;fit_band;scale_empathy;scale_composure"]
    lines += [f"a{k};rock;50;weak;{v};" for k, v in enumerate(["1", "2,0", "3"])]
    lines += [f"b{k};rock;50;weak;{v};4" for k, v in enumerate(["2", "3", "4", "5"])]
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    demographics = tmp_path / "demographics.csv"
    demographics.write_text("candidate_id,sex\n" + "".join(f"a{k},A\n" for k in range(3)) + "".join(
        f"b{k},B\n" for k in range(4)), encoding="utf-8")  # fmt: skip
    report = audit_files(results, demographics)
    empathy, composure = report.dimensions[0].scales
    a, b = empathy.statistics
    assert (a.n, a.mean, a.sd, b.n, b.mean) == (3, 2.0, 1.0, 4, 3.5)
    assert b.is_reference and b.d == 0.0
    assert a.d == pytest.approx((2 - 3.5) / 1.4**0.5)
    # Composure: A has no scores (empty cells are not zeros), so no mean and no d; B is the reference.
    assert composure.statistics[0] == composure.statistics[0].__class__(0, None, None, None, False)
    assert (composure.statistics[1].mean, composure.statistics[1].sd) == (4.0, 0.0)
    data = audit_to_dict(report)
    assert data["dimensions"][0]["scales"][0]["categories"][0]["d"] == pytest.approx(a.d)
    assert "Empathy" in format_audit_text(report)


def test_a_bad_scale_score_names_the_line_and_field(tmp_path: Path) -> None:
    from profilefit.evidence.audit import read_results
    from profilefit.exceptions import AuditInputError

    results = tmp_path / "results.csv"
    results.write_text("candidate_id,profile,fit_score,fit_band,scale_empathy\na,rock,50,weak,high\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"line 2, field 'scale_empathy'.*'high'"):
        read_results(results)


@_PROPERTY_SETTINGS
@given(st.lists(st.floats(1, 6, allow_nan=False), min_size=2, max_size=30))
@example([1.9, 1.9, 1.9])  # no spread, though float variance is about 1e-32: no d, not a huge one
def test_a_category_scoring_like_the_reference_has_d_0(values: list[float]) -> None:
    """Rule: a category whose scores equal the reference's has a standardised difference of 0."""
    candidates, people = [], {}
    for group, copies in (("ref", 2), ("same", 1)):
        for copy in range(copies):
            for k, value in enumerate(values):
                candidate_id = f"{group}{copy}-{k}"
                candidates.append(ScoredCandidate(candidate_id, "rock", 50.0, "weak", scales={"empathy": value}))
                people[candidate_id] = Demographics(sex=group)
    report = adverse_impact(candidates, DemographicsTable(frozenset({"sex"}), people))
    (empathy,) = report.dimensions[0].scales
    reference, same = empathy.statistics
    assert reference.is_reference
    if same.d is not None:
        assert same.d == pytest.approx(0.0, abs=1e-9)


@_PROPERTY_SETTINGS
@given(audit_inputs(), st.sampled_from(["strong", "possible"]))
def test_shortfall_is_the_fewest_more_people_that_reach_four_fifths(inputs, band) -> None:
    """Rule: (count + shortfall) / n >= 4/5 of the reference rate, and (count + shortfall - 1) / n is not."""
    report = adverse_impact(*inputs, select_band=band)
    for dimension in report.dimensions:
        groups = [[c.selection for c in dimension.categories], [c.scoring for c in dimension.categories]]
        groups += [list(impact.comparisons) for impact in dimension.classifications]
        for comparisons in groups:
            reference = next((x for x in comparisons if x.is_reference), None)
            for category, x in zip(dimension.categories, comparisons, strict=True):
                if x.impact_ratio_exact is None:
                    assert x.shortfall is None
                    continue
                ref_category = dimension.categories[comparisons.index(reference)]
                target = FOUR_FIFTHS * Fraction(reference.count, ref_category.applicants)
                assert Fraction(x.count + x.shortfall, category.applicants) >= target
                assert x.shortfall == 0 or Fraction(x.count + x.shortfall - 1, category.applicants) < target
                assert (x.shortfall > 0) is bool(x.below_four_fifths)


def test_shortfall_by_hand_and_in_the_text() -> None:
    # Women 2 of 10 against men 10 of 20: four-fifths of 1/2 is 2/5, so 4 of 10 women: 2 more.
    candidates, people = [], {}
    for k in range(10):
        candidates.append(ScoredCandidate(f"w{k}", "rock", 50.0, "strong" if k < 2 else "weak"))
        people[f"w{k}"] = Demographics(sex="Female")
    for k in range(20):
        candidates.append(ScoredCandidate(f"m{k}", "rock", 50.0, "strong" if k < 10 else "weak"))
        people[f"m{k}"] = Demographics(sex="Male")
    report = adverse_impact(candidates, DemographicsTable(frozenset({"sex"}), people))
    assert _sex(report, "Female").selection.shortfall == 2 and _sex(report, "Male").selection.shortfall == 0
    assert "2 of 10; 2 more would reach four-fifths" in format_audit_text(report)


@_PROPERTY_SETTINGS
@given(audit_inputs(), st.sampled_from(["strong", "possible"]))
def test_q_is_benjamini_hochberg_over_every_fisher_test_of_the_audit(inputs, band) -> None:
    """Rule: the q of each comparison is scipy's BH adjustment of all the audit's Fisher p; q >= p."""
    report = adverse_impact(*inputs, select_band=band)
    comparisons = [
        x
        for dimension in report.dimensions
        for x in (
            *(c.selection for c in dimension.categories),
            *(c.scoring for c in dimension.categories),
            *(x for impact in dimension.classifications for x in impact.comparisons),
        )
    ]
    tested = [x for x in comparisons if x.fisher_p is not None]
    assert all(x.fisher_q is None for x in comparisons if x.fisher_p is None)
    if tested:
        expected = stats.false_discovery_control([x.fisher_p for x in tested], method="bh")
        assert [x.fisher_q for x in tested] == pytest.approx(list(expected))
        assert all(x.fisher_q >= x.fisher_p - 1e-12 for x in tested)


def test_parquet_results_give_classifications_and_scales(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from profilefit.evidence.audit import read_results_file

    rows = [{"candidate_id": "a", "model_id": "m", "profile": "team lead", "p_team lead": 0.7, "p_agent": 0.3,
             "fit_score": None, "fit_band": None, "scale_empathy": 4.5, "needs_review": True},
            {"candidate_id": "b", "model_id": "m", "profile": "undetermined", "p_team lead": 0.5, "p_agent": 0.5,
             "fit_score": 40.0, "fit_band": "weak", "scale_empathy": None, "needs_review": False}]  # fmt: skip
    path = tmp_path / "results.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    read = read_results_file(path)
    assert read.classifications == ("team lead", "agent")
    assert read.candidates == [
        ScoredCandidate("a", "team lead", None, None, "m", {"empathy": 4.5}, needs_review=True),
        ScoredCandidate("b", "undetermined", 40.0, "weak", "m", {}, needs_review=False),
    ]
