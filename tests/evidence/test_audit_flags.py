"""Rates of needing review and of each validity flag by group: reading, figures, the notable rule, every output."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from scipy import stats

from profilefit.core.validity import FLAG_IDS
from profilefit.evidence.audit import (
    FLAG_DISPARITY_ALPHA,
    FLAG_RATIO_THRESHOLD,
    NEEDS_REVIEW,
    Demographics,
    DemographicsTable,
    ScoredCandidate,
    adverse_impact,
    audit_files,
    audit_to_dict,
    audit_to_html,
    format_audit_text,
    read_results_file,
    write_audit_csv,
)
from profilefit.exceptions import AuditInputError
from tests.strategies import flagged_audit_inputs

_PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_SEX = frozenset({"sex"})


def _groups(*groups: tuple[str, int, int], flag: str = "idealised") -> tuple[list[ScoredCandidate], DemographicsTable]:
    """Candidates by (sex, applicants, flagged with ``flag``); the flagged ones need review."""
    candidates, people = [], {}
    for sex, size, flagged in groups:
        for k in range(size):
            candidate_id = f"{sex}{k}"
            flags = (flag,) if k < flagged else ()
            candidates.append(
                ScoredCandidate(candidate_id, "rock", 50.0, "possible", None, {}, None, flags, bool(flags))
            )
            people[candidate_id] = Demographics(sex=sex)
    return candidates, DemographicsTable(_SEX, people)


def _comparison(report, sex: str, flag: str = "idealised"):
    dimension = report.dimensions[0]
    impact = next(x for x in dimension.flags if x.flag == flag)
    k = [c.category for c in dimension.categories].index(sex)
    return impact.comparisons[k]


# --- the figures --------------------------------------------------------------------------------


@_PROPERTY_SETTINGS
@given(flagged_audit_inputs())
def test_flag_counts_reconcile_with_the_candidates(inputs) -> None:
    """Rule: per dimension and flag, flagged + not flagged + unknown = candidates, recounted from the input."""
    candidates, demographics = inputs
    report = adverse_impact(candidates, demographics)
    assert report.flags == (NEEDS_REVIEW, *FLAG_IDS)
    by_id = {c.candidate_id: c for c in candidates}

    def is_flagged(candidate: ScoredCandidate, flag: str) -> bool:
        return bool(candidate.needs_review) if flag == NEEDS_REVIEW else flag in (candidate.validity_flags or ())

    for flag in report.flags:
        assert report.flag_rates[flag] == sum(is_flagged(c, flag) for c in candidates) / len(candidates)
    for dimension in report.dimensions:
        assert [x.flag for x in dimension.flags] == list(report.flags)
        for impact in dimension.flags:
            flagged = sum(x.count for x in impact.comparisons)
            not_flagged = sum(
                c.applicants - x.count for c, x in zip(dimension.categories, impact.comparisons, strict=True)
            )
            assert flagged + not_flagged + dimension.unknown == report.applicants
            for category, comparison in zip(dimension.categories, impact.comparisons, strict=True):
                members = [
                    by_id[candidate_id]
                    for candidate_id, person in demographics.people.items()
                    if candidate_id in by_id and getattr(person, dimension.dimension, None) == category.category
                ]
                if dimension.dimension != "sex_race_ethnicity":
                    assert comparison.count == sum(is_flagged(c, impact.flag) for c in members)
                assert comparison.rate == pytest.approx(comparison.count / category.applicants)


@_PROPERTY_SETTINGS
@given(flagged_audit_inputs())
def test_a_higher_flag_rate_never_gets_a_lower_ratio_and_the_reference_is_lowest(inputs) -> None:
    report = adverse_impact(*inputs)
    for dimension in report.dimensions:
        for impact in dimension.flags:
            pairs = [
                (Fraction(x.count, c.applicants), x)
                for c, x in zip(dimension.categories, impact.comparisons, strict=True)
                if not c.excludable
            ]
            references = [x for _, x in pairs if x.is_reference]
            assert len(references) == (1 if pairs else 0)
            if not references:
                continue
            lowest = min(rate for rate, _ in pairs)
            assert next(rate for rate, x in pairs if x.is_reference) == lowest
            for rate_a, a in pairs:
                assert a.notable is not None
                for rate_b, b in pairs:
                    if rate_a > rate_b and a.flag_ratio is not None and b.flag_ratio is not None:
                        assert a.flag_ratio >= b.flag_ratio
                    if a.flag_ratio_exact is not None:
                        assert a.flag_ratio_exact == rate_a / lowest
                if a.notable:
                    assert a.fisher_q is not None and a.fisher_q < FLAG_DISPARITY_ALPHA
                    assert a.flag_ratio_exact is None or a.flag_ratio_exact >= FLAG_RATIO_THRESHOLD
            for category, comparison in zip(dimension.categories, impact.comparisons, strict=True):
                if category.excludable:
                    assert comparison.flag_ratio is None and comparison.notable is None


@_PROPERTY_SETTINGS
@given(flagged_audit_inputs())
def test_flag_tests_join_the_audits_one_benjamini_hochberg_family(inputs) -> None:
    report = adverse_impact(*inputs)
    comparisons = [
        x
        for dimension in report.dimensions
        for x in (
            *(c.selection for c in dimension.categories),
            *(c.scoring for c in dimension.categories),
            *(x for impact in dimension.classifications for x in impact.comparisons),
            *(x for impact in dimension.flags for x in impact.comparisons),
        )
    ]
    tested = [x for x in comparisons if x.fisher_p is not None]
    if tested:
        expected = stats.false_discovery_control([x.fisher_p for x in tested], method="bh")
        assert [x.fisher_q for x in tested] == pytest.approx(list(expected))


def test_a_ratio_of_exactly_five_fourths_that_is_significant_is_notable() -> None:
    # 400 of 1000 against 320 of 1000: ratio exactly 5/4, Fisher p far below 0.05.
    report = adverse_impact(*_groups(("F", 1000, 400), ("M", 1000, 320)))
    female, male = _comparison(report, "F"), _comparison(report, "M")
    assert male.is_reference and male.notable is False
    assert female.flag_ratio_exact == Fraction(5, 4) and female.fisher_q < 0.05 and female.notable is True
    assert female.not_flagged_ratio == pytest.approx(0.6 / 0.68)
    assert female.z > 0
    # One fewer flagged: below 5/4, not notable however significant.
    report = adverse_impact(*_groups(("F", 1000, 399), ("M", 1000, 320)))
    assert _comparison(report, "F").notable is False


def test_a_large_ratio_that_is_not_significant_is_not_notable_and_zero_lowest_has_no_ratio() -> None:
    report = adverse_impact(*_groups(("F", 10, 1), ("M", 10, 0)))
    female = _comparison(report, "F")
    assert female.flag_ratio is None and female.notable is False  # 1 of 10 against 0 of 10: p = 1
    report = adverse_impact(*_groups(("F", 100, 30), ("M", 100, 0)))
    assert _comparison(report, "F").notable is True
    assert "none of the least-flagged category" in format_audit_text(report)


def test_small_categories_and_unknowns_are_treated_as_elsewhere_in_the_audit() -> None:
    candidates, demographics = _groups(("F", 100, 10), ("M", 100, 10), ("X", 1, 1))
    candidates.append(ScoredCandidate("u", "rock", 50.0, "possible", None, {}, None, ("idealised",), True))
    report = adverse_impact(candidates, demographics)
    small = _comparison(report, "X")
    assert report.dimensions[0].categories[2].excludable
    assert small.flag_ratio is None and small.notable is None and small.count == 1
    assert report.dimensions[0].unknown == 1


# --- reading results ----------------------------------------------------------------------------

_HEADER = "candidate_id,profile,fit_score,fit_band,needs_review,validity_flags"


def _demographics(path: Path, ids: list[str]) -> Path:
    path.write_text("candidate_id,sex\n" + "".join(f"{i},{'F' if n % 2 else 'M'}\n" for n, i in enumerate(ids)))
    return path


def test_results_are_read_with_their_flags_and_older_files_with_flags(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_text(f"{_HEADER}\na,rock,50,possible,true,too_fast;idealised\nb,rock,40,weak,false,\n")
    first, second = read_results_file(path).candidates
    assert (first.validity_flags, first.needs_review) == (("too_fast", "idealised"), True)
    assert (second.validity_flags, second.needs_review) == ((), False)
    older = tmp_path / "older.csv"
    older.write_text("candidate_id,profile,fit_score,fit_band,flags\na,rock,50,possible,too_fast\n")
    (candidate,) = read_results_file(older).candidates
    assert (candidate.validity_flags, candidate.needs_review) == (("too_fast",), None)


@pytest.mark.parametrize(
    ("line", "field"),
    [("a,rock,50,possible,true,too_slow", "'validity_flags'"), ("a,rock,50,possible,maybe,", "'needs_review'")],
)
def test_an_unknown_flag_or_review_value_is_refused_naming_the_field(tmp_path: Path, line: str, field: str) -> None:
    path = tmp_path / "results.csv"
    path.write_text(f"{_HEADER}\n{line}\n")
    with pytest.raises(AuditInputError, match=f"line 2, field {field}"):
        read_results_file(path)


def test_results_without_the_columns_leave_the_section_out_with_a_note(tmp_path: Path) -> None:
    results = tmp_path / "results.csv"
    results.write_text("candidate_id,profile,fit_score,fit_band\na,rock,50,possible\nb,rock,40,weak\n")
    report = audit_files(results, _demographics(tmp_path / "d.csv", ["a", "b"]))
    assert report.flags == () and all(d.flags == () for d in report.dimensions)
    assert {"no_validity_flags", "no_needs_review"} <= set(report.warnings)
    data = audit_to_dict(report)
    assert data["flags"] == []
    assert "no validity_flags column" in json.dumps(data["warnings"])
    text, page = format_audit_text(report), audit_to_html(report)
    for output in (text, page):
        assert "no validity_flags column" in output and "no needs_review column" in output
        assert "Validity flags and review" not in output and "Idealised answers" not in output


# --- every output -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "name"),
    [("en", "Idealised answers"), ("nb", "Idealiserte svar"), ("sv", "Idealiserade svar"),
     ("nl", "Geïdealiseerde antwoorden")],
)  # fmt: skip
def test_every_output_shows_the_flag_rates_by_group(tmp_path: Path, language: str, name: str) -> None:
    report = adverse_impact(*_groups(("F", 100, 30), ("M", 100, 5)))
    data = audit_to_dict(report, language)
    idealised = next(x for x in data["flags"] if x["flag"] == "idealised")
    assert [x["flag"] for x in data["flags"]] == [NEEDS_REVIEW, *FLAG_IDS]
    assert idealised["name"] == name and idealised["rate"] == pytest.approx(35 / 200)
    (sex,) = idealised["dimensions"]
    assert sex["reference"] == "M"
    female = next(c for c in sex["categories"] if c["category"] == "F")
    assert (female["count"], female["flag_ratio_exact"], female["notable"]) == (30, "6/1", True)
    assert data["flag_rule"] == {"ratio": 1.25, "alpha": 0.05}
    json.dumps(data, allow_nan=False)
    for output in (format_audit_text(report, language), audit_to_html(report, language)):
        assert name in output
    page = audit_to_html(report, language)
    assert page.count("<details>") == 2  # tests per classification, tests per flag
    with write_audit_csv(report, tmp_path / "audit.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    flag_rows = [row for row in rows if row["kind"] == "flag"]
    assert len(flag_rows) == 2 * len(data["flags"])
    assert {row["flag"] for row in flag_rows} == {NEEDS_REVIEW, *FLAG_IDS}
    assert all(row["flag"] == "" for row in rows if row["kind"] != "flag")
