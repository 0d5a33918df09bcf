"""The adverse-impact audit: hand-computed figures, input reading, and hypothesis properties."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from profilefit.evidence.audit import (
    AuditReport,
    Demographics,
    DemographicsTable,
    ScoredCandidate,
    adverse_impact,
    read_demographics,
    read_results,
)
from profilefit.exceptions import AuditInputError
from tests.strategies import audit_inputs, scored_candidates

# --- helpers ------------------------------------------------------------------------------------


def _dimension(report: AuditReport, name: str):
    return next(d for d in report.dimensions if d.dimension == name)


def _category(report: AuditReport, dimension: str, name: str):
    return next(c for c in _dimension(report, dimension).categories if c.category == name)


def _hand_example() -> tuple[list[ScoredCandidate], DemographicsTable]:
    """10 women, 20 men, fit scores 1..30 (median 15.5).

    Women: scores 29, 30 in band strong, 1..8 weak: 2 selected at "possible", 2 above the median.
    Men: scores 9..28; 25..28 strong, 19..24 possible, 9..18 weak: 10 selected, 13 above the median.
    """
    candidates, people = [], {}
    for score in (*range(1, 9), 29, 30):
        band = "strong" if score >= 29 else "weak"
        candidates.append(
            ScoredCandidate(f"w{score}", "controller" if score >= 29 else "empathizer", float(score), band)
        )
        people[f"w{score}"] = Demographics(sex="Female")
    for score in range(9, 29):
        band = "strong" if score >= 25 else "possible" if score >= 19 else "weak"
        candidates.append(ScoredCandidate(f"m{score}", "rock", float(score), band))
        people[f"m{score}"] = Demographics(sex="Male")
    return candidates, DemographicsTable(frozenset({"sex"}), people)


# --- hand-computed examples ---------------------------------------------------------------------


def test_hand_computed_selection_rates_ratios_and_tests() -> None:
    report = adverse_impact(*_hand_example(), select_band="possible")
    women, men = _category(report, "sex", "Female"), _category(report, "sex", "Male")

    assert (report.applicants, report.selected, report.median_fit_score, report.above_median) == (30, 12, 15.5, 15)
    assert (women.applicants, women.selection.count, women.selection.rate) == (10, 2, 0.2)
    assert (men.applicants, men.selection.count, men.selection.rate) == (20, 10, 0.5)
    assert men.selection.is_reference and not women.selection.is_reference
    assert men.selection.impact_ratio == 1.0
    assert women.selection.impact_ratio == pytest.approx(0.4)
    assert women.selection.below_four_fifths is True and men.selection.below_four_fifths is False

    # Fisher's exact test of [[2, 8], [10, 10]], checked against scipy directly.
    assert women.selection.fisher_p == pytest.approx(stats.fisher_exact([[2, 8], [10, 10]]).pvalue)
    assert women.selection.fisher_p == pytest.approx(0.23527, abs=1e-5)
    # Pooled z by hand: p = 12/30 = 0.4; se = sqrt(0.4 * 0.6 * (1/10 + 1/20)) = sqrt(0.036); z = (0.2 - 0.5) / se.
    z = -0.3 / math.sqrt(0.036)
    assert women.selection.z == pytest.approx(z) == pytest.approx(-1.58114, abs=1e-5)
    assert women.selection.z_p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert men.selection.fisher_p is None and men.selection.z is None

    # Scoring rate: strictly above 15.5. Women 2/10, men 13/20; impact ratio (2/10) / (13/20) = 4/13.
    assert (women.scoring.count, women.scoring.rate) == (2, 0.2)
    assert (men.scoring.count, men.scoring.rate) == (13, 0.65)
    assert women.scoring.impact_ratio == pytest.approx(4 / 13)
    assert men.scoring.impact_ratio == 1.0

    assert women.profile_rates["controller"] == pytest.approx(0.2)
    assert women.profile_rates["empathizer"] == pytest.approx(0.8)
    assert men.profile_rates["rock"] == 1.0
    assert report.profile_rates["rock"] == pytest.approx(20 / 30)


def test_strong_band_ties_go_to_the_larger_category() -> None:
    report = adverse_impact(*_hand_example(), select_band="strong")
    women, men = _category(report, "sex", "Female"), _category(report, "sex", "Male")
    # Women 2/10 strong, men 4/20 strong: equal rates, so both have impact ratio 1 and men (larger) are the reference.
    assert women.selection.rate == men.selection.rate == 0.2
    assert women.selection.impact_ratio == men.selection.impact_ratio == 1.0
    assert men.selection.is_reference
    assert women.selection.fisher_p == pytest.approx(1.0)


def test_scoring_rate_is_strictly_above_the_median() -> None:
    candidates = [ScoredCandidate(f"c{k}", "rock", score, "weak") for k, score in enumerate([10.0, 50.0, 50.0, 90.0])]
    people = {c.candidate_id: Demographics(sex="Female") for c in candidates}
    report = adverse_impact(candidates, DemographicsTable(frozenset({"sex"}), people))
    assert report.median_fit_score == 50.0
    assert report.above_median == 1  # 90 only; the two scores equal to the median are not above it


def test_small_categories_are_excludable_but_counted() -> None:
    # 100 candidates: 97 in "A" (half selected), 2 in "B" (exactly 2 %, not excludable), 1 in "C" (1 %, excludable).
    candidates, people = [], {}
    for k in range(100):
        group = "A" if k < 97 else "B" if k < 99 else "C"
        selected = group == "C" or (group == "A" and k % 2 == 0) or (group == "B" and k == 97)
        candidates.append(ScoredCandidate(f"c{k}", "rock", float(k), "possible" if selected else "weak"))
        people[f"c{k}"] = Demographics(race_ethnicity=group)
    report = adverse_impact(candidates, DemographicsTable(frozenset({"race_ethnicity"}), people))
    a, b, c = (_category(report, "race_ethnicity", name) for name in "ABC")

    assert (a.excludable, b.excludable, c.excludable) == (False, False, True)
    assert (c.applicants, c.selection.count, c.selection.rate) == (1, 1, 1.0)
    # The reference is the highest among non-excludable categories: A at 49/97, not C at 1/1.
    assert a.selection.is_reference and not c.selection.is_reference
    assert c.selection.impact_ratio is None and c.selection.below_four_fifths is None
    assert c.selection.impact_ratio_all == 1.0
    assert b.selection.impact_ratio == pytest.approx(0.5 / (49 / 97))
    assert a.selection.impact_ratio_all == pytest.approx(49 / 97)
    assert c.selection.fisher_p == pytest.approx(stats.fisher_exact([[1, 0], [49, 48]]).pvalue)


def test_unknowns_and_unmatched_rows_are_counted_and_left_out() -> None:
    candidates, table = _hand_example()
    extra = [ScoredCandidate("x1", "rock", 99.0, "strong"), ScoredCandidate("x2", "rock", 0.0, "weak")]
    people = {**table.people, "x2": Demographics(sex=None), "ghost": Demographics(sex="Female")}
    report = adverse_impact(candidates + extra, DemographicsTable(table.dimensions, people))
    sex = _dimension(report, "sex")
    assert sex.unknown == 2
    assert report.results_without_demographics == 1
    assert report.demographics_without_results == 1
    assert [c.category for c in sex.categories] == ["Female", "Male"]
    assert _category(report, "sex", "Female").selection.count == 2


def test_intersections_and_age_bands() -> None:
    people = {
        "a": Demographics(sex="Female", race_ethnicity="Asian", age_band="40_and_over"),
        "b": Demographics(sex="Female", race_ethnicity="White", age_band="under_40"),
        "c": Demographics(sex="Male", race_ethnicity="Asian", age_band=None),
        "d": Demographics(sex=None, race_ethnicity="Asian", age_band="under_40"),
    }
    candidates = [ScoredCandidate(k, "rock", 50.0, "strong") for k in "abcd"]
    report = adverse_impact(candidates, DemographicsTable(frozenset({"sex", "race_ethnicity", "age_band"}), people))
    assert [d.dimension for d in report.dimensions] == ["sex", "race_ethnicity", "sex_race_ethnicity", "age_band"]
    both = _dimension(report, "sex_race_ethnicity")
    assert [c.category for c in both.categories] == ["Female × Asian", "Female × White", "Male × Asian"]
    assert both.unknown == 1
    age = _dimension(report, "age_band")
    assert [(c.category, c.applicants) for c in age.categories] == [("40_and_over", 1), ("under_40", 2)]
    assert age.unknown == 1


def test_dimensions_follow_the_columns_of_the_file() -> None:
    candidates, table = _hand_example()
    report = adverse_impact(candidates, table)
    assert [d.dimension for d in report.dimensions] == ["sex"]


def test_weak_is_not_a_selection_band() -> None:
    with pytest.raises(ValueError, match="select_band"):
        adverse_impact(*_hand_example(), select_band="weak")


# --- reading files ------------------------------------------------------------------------------

RESULT_HEADER = (
    "candidate_id;model_id;profile;top_profile;second_profile;confidence;p_controller;p_rock;p_accommodator;"
    "p_empathizer;p_hard_worker;p_innovator;p_competitor;fit_score;fit_band;needs_review;flags"
)


def _result_line(candidate_id: str, profile: str, score: str, band: str, top: str = "controller") -> str:
    return f"{candidate_id};ref;{profile};{top};rock;0,6;0,6;0,1;0,1;0,05;0,05;0,05;0,05;{score};{band};false;"


def test_read_results_csv_with_bom_semicolons_crlf_and_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    lines = [RESULT_HEADER, _result_line("a", "controller", "71,5", "strong"), _result_line("b", "rock", "12", "weak")]
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    assert read_results(path) == [
        ScoredCandidate("a", "controller", 71.5, "strong", "ref", validity_flags=(), needs_review=False),
        ScoredCandidate("b", "rock", 12.0, "weak", "ref", validity_flags=(), needs_review=False),
    ]


def test_read_results_jsonl_and_parquet(tmp_path: Path) -> None:
    rows = [
        {"candidate_id": "a", "profile": "rock", "fit_score": 40.0, "fit_band": "possible", "flags": ""},
        {"candidate_id": "b", "profile": "undetermined", "fit_score": 10, "fit_band": "weak", "flags": "too_fast"},
    ]
    expected = [
        ScoredCandidate("a", "rock", 40.0, "possible", validity_flags=()),
        ScoredCandidate("b", "undetermined", 10.0, "weak", validity_flags=("too_fast",)),
    ]  # "flags" is the validity_flags column of files written before 0.2
    jsonl = tmp_path / "results.jsonl"
    jsonl.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    assert read_results(jsonl) == expected

    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    parquet = tmp_path / "results.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    assert read_results(parquet) == expected


def test_parquet_without_pyarrow_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "results.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(AuditInputError, match=r"the .io. extra.*pip install -e \"\.\[io\]\""):
        read_results(path)


def test_missing_result_column_names_the_column_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_text("candidate_id,profile,fit_score\na,rock,50\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match="fit_band") as error:
        read_results(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("a,rock,150,strong", "line 2, field 'fit_score'"),
        ("a,rock,abc,strong", "line 2, field 'fit_score'"),
        ("a,rock,50,great", "line 2, field 'fit_band'"),
        (",rock,50,strong", "line 2, field 'candidate_id'"),
    ],
)
def test_bad_result_values_name_the_line_and_field(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "results.csv"
    path.write_text(f"candidate_id,profile,fit_score,fit_band\n{line}\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=message):
        read_results(path)


def test_repeated_candidate_id_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_text("candidate_id,profile,fit_score,fit_band\na,rock,1,weak\na,rock,2,weak\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"line 3.*repeats line 2"):
        read_results(path)


def test_read_demographics_unknowns_ages_and_bands(tmp_path: Path) -> None:
    path = tmp_path / "demographics.csv"
    text = "Candidate_ID;Sex;race_ethnicity;age;age_band;shoe_size\r\n"
    text += (
        "a;Female;Asian;40;;44\r\nb;declined;UNKNOWN;39;under_40;\r\nc;;White;;40_and_over;\r\nd;Male;;declined;;\r\n"
    )
    path.write_bytes(("\ufeff" + text).encode("utf-8"))
    table = read_demographics(path)
    assert table.dimensions == {"sex", "race_ethnicity", "age_band"}
    assert table.people == {
        "a": Demographics("Female", "Asian", "40_and_over"),
        "b": Demographics(None, None, "under_40"),
        "c": Demographics(None, "White", "40_and_over"),
        "d": Demographics("Male", None, None),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,sex\na,Male\n", "no column 'candidate_id'"),
        ("candidate_id,shoe_size\na,44\n", "none of the columns"),
        ("candidate_id,age\na,forty\n", "line 2, field 'age'"),
        ("candidate_id,age_band\na,old\n", "line 2, field 'age_band'"),
        ("candidate_id,age,age_band\na,30,40_and_over\n", "contradicts"),
        ("candidate_id,sex\na,Male\na,Female\n", "repeats"),
    ],
)
def test_bad_demographics_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "demographics.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuditInputError, match=message):
        read_demographics(path)


# --- properties ---------------------------------------------------------------------------------

_PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY_SETTINGS
@given(audit_inputs(), st.sampled_from(["strong", "possible"]))
def test_impact_ratios_lie_in_0_1_and_the_reference_has_1(inputs, band) -> None:
    report = adverse_impact(*inputs, select_band=band)
    for dimension in report.dimensions:
        assert sum(c.applicants for c in dimension.categories) + dimension.unknown == report.applicants
        for rate in ("selection", "scoring"):
            comparisons = [getattr(c, rate) for c in dimension.categories]
            ratios = [x.impact_ratio for x in comparisons if x.impact_ratio is not None]
            ratios_all = [x.impact_ratio_all for x in comparisons if x.impact_ratio_all is not None]
            assert all(0.0 <= r <= 1.0 for r in ratios + ratios_all)
            if ratios:
                assert max(ratios) == 1.0
                assert next(x for x in comparisons if x.is_reference).impact_ratio == 1.0
            if ratios_all:
                assert max(ratios_all) == 1.0
            for x in comparisons:
                assert x.fisher_p is None or 0.0 <= x.fisher_p <= 1.0
                assert x.z_p is None or 0.0 <= x.z_p <= 1.0


def _rename(table: DemographicsTable, sexes: dict[str, str], races: dict[str, str]) -> DemographicsTable:
    people = {
        key: Demographics(
            sex=None if p.sex is None else sexes[p.sex],
            race_ethnicity=None if p.race_ethnicity is None else races[p.race_ethnicity],
        )
        for key, p in table.people.items()
    }
    return DemographicsTable(table.dimensions, people)


@_PROPERTY_SETTINGS
@given(audit_inputs(), st.randoms(use_true_random=False))
def test_renaming_categories_permutes_rows_and_changes_no_figure(inputs, random) -> None:
    candidates, table = inputs
    sexes = sorted({p.sex for p in table.people.values() if p.sex is not None})
    races = sorted({p.race_ethnicity for p in table.people.values() if p.race_ethnicity is not None})
    # A random bijection onto fresh names, so the sorted order of categories changes too.
    new_sex = dict(zip(sexes, random.sample([f"s{k}" for k in range(len(sexes))], len(sexes)), strict=True))
    new_race = dict(zip(races, random.sample([f"r{k}" for k in range(len(races))], len(races)), strict=True))
    before = adverse_impact(candidates, table)
    after = adverse_impact(candidates, _rename(table, new_sex, new_race))

    def renamed(dimension: str, name: str) -> str:
        if dimension == "sex":
            return new_sex[name]
        if dimension == "race_ethnicity":
            return new_race[name]
        sex, race = name.split(" × ")
        return f"{new_sex[sex]} × {new_race[race]}"

    for old, new in zip(before.dimensions, after.dimensions, strict=True):
        assert old.unknown == new.unknown
        assert sorted(renamed(old.dimension, c.category) for c in old.categories) == [
            c.category for c in new.categories
        ]
        by_name = {c.category: c for c in new.categories}
        for category in old.categories:
            moved = by_name[renamed(old.dimension, category.category)]
            for rate in ("selection", "scoring"):
                x, y = getattr(category, rate), getattr(moved, rate)
                reference = next((c for c in old.categories if getattr(c, rate).is_reference), None)
                tied = reference is not None and (x.count, category.applicants) == (
                    getattr(reference, rate).count,
                    reference.applicants,
                )
                # Categories tied with the reference on count and size may swap the reference role: the
                # tie-break falls back to name order. Every other figure must be identical.
                if tied:
                    x = replace(x, is_reference=False, fisher_p=None, fisher_q=None, z=None, z_p=None)
                    y = replace(y, is_reference=False, fisher_p=None, fisher_q=None, z=None, z_p=None)
                assert x == y
            assert replace(category, category="", selection=moved.selection, scoring=moved.scoring) == replace(
                moved, category=""
            )


@_PROPERTY_SETTINGS
@given(audit_inputs(), scored_candidates(max_size=10), st.sampled_from(["strong", "possible"]))
def test_adding_a_category_changes_no_other_categorys_selection_figures(inputs, newcomers, band) -> None:
    """A new sex category, with new candidates, leaves every other category's applicants, selections,
    selection rate and profile shares unchanged.

    Not its scoring rate: the new candidates move the sample median. Not its share, excludable flag or
    impact ratio either: the total and possibly the reference change.
    """
    candidates, table = inputs
    newcomers = [replace(c, candidate_id=f"new{c.candidate_id}") for c in newcomers]
    people = {**table.people, **{c.candidate_id: Demographics(sex="a category of its own") for c in newcomers}}
    before = adverse_impact(candidates, table, select_band=band)
    after = adverse_impact(candidates + newcomers, DemographicsTable(table.dimensions, people), select_band=band)
    for old, new in zip(before.dimensions, after.dimensions, strict=True):
        by_name = {c.category: c for c in new.categories}
        for category in old.categories:
            moved = by_name[category.category]
            assert (moved.applicants, moved.selection.count, moved.selection.rate) == (
                category.applicants,
                category.selection.count,
                category.selection.rate,
            )
            assert moved.profile_rates == category.profile_rates
