"""Answers that are a pattern, or chance, named truly and warned of where the fit is shown.

Two trials. A candidate whose marks repeated in a cycle (ab, bc, ca, ab, ...) fired ``straight_lining``
through its cycle rule, and every page named it "Same answer throughout". A candidate marking 2.0's blocks at
random fired ``contradictory`` ("the scores may be largely chance"), and the top of the page showed
"Fit 53.4 possible" with its reasons, the warning only at the bottom and not at all on ``report --id``.
"""

from __future__ import annotations

import html
import re

import pytest

from profilefit.core.screening import Screener, ScreeningResult
from profilefit.pages.reports import (
    Labels,
    ResultRow,
    html_report,
    row_html_report,
    row_text_report,
    shortlist_html,
    text_report,
)
from tests.forced_choice_support import random_marks

LANGUAGES = ("en", "nb", "sv", "nl")
#: Words that say the answers were all alike, which a cycle (1, 2, 3, 4, 5, 6, 1, ...) is not.
SAMENESS = ("same", "throughout", "samme", "hele veien", "samma", "hela vägen", "hetzelfde", "steeds")


@pytest.fixture(scope="module")
def screener_2() -> Screener:
    return Screener.load("reference-2.0")


def _base(screener: Screener) -> dict[str, object]:
    """Checks answered as asked, every scenario answered, time enough: only the marks can raise a flag."""
    instrument = screener.instrument
    record: dict[str, object] = {"candidate_id": "c-1", "completion_seconds": 900}
    record.update({check.id: check.expected for check in instrument.attention_checks if check.expected is not None})
    record.update({scenario.id: "b" for scenario in instrument.scenarios})
    return record


@pytest.fixture(scope="module")
def cycling(screener, screener_2) -> list[ScreeningResult]:
    """A 1.2 candidate answering 1, 2, 3, 4, 5, 6, 1, ... and a 2.0 one marking ab, bc, ca, ab, ..."""
    agreement = {**_base(screener), **{item.id: 1 + j % 6 for j, item in enumerate(screener.instrument.items)}}
    cycle = ("ab", "bc", "ca")
    blocks = {block: cycle[j % 3] for j, block in enumerate(screener_2.instrument.block_ids)}
    return [screener.score(agreement), screener_2.score({**_base(screener_2), **blocks})]


@pytest.fixture(scope="module")
def at_random(screener_2) -> ScreeningResult:
    result = screener_2.score(random_marks())
    assert [flag.flag for flag in result.flags] == ["contradictory"], result.flags
    return result


def _row(result: ScreeningResult) -> ResultRow:
    """The result as a row of a results file holds it."""
    return ResultRow(
        candidate_id=result.candidate_id,
        profile=result.profile,
        top_profile=result.top_profile,
        second_profile=result.second_profile,
        confidence=result.confidence,
        probabilities=dict(result.probabilities),
        fit_score=result.fit.score if result.fit else None,
        fit_band=result.fit.band if result.fit else None,
        fit_role=result.fit.role if result.fit else None,
        needs_review=result.needs_human_review,
        flags=tuple(flag.flag for flag in result.flags),
        scales={scale.scale: scale.score for scale in result.scales},
        model_id=result.model.model_id,
        source="results.csv, line 2",
        file="results.csv",
        place=("line", 2),
        instrument_id=result.model.instrument_id,
        instrument_version=result.model.instrument_version,
    )


def _words(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _section(page: str, section: str) -> str:
    """The words of ``<section id="section">``."""
    match = re.search(rf'<section[^>]*id="{section}"[^>]*>(.*?)</section>', page, re.S)
    assert match, section
    return _words(match[1])


# ---- a pattern is named as a pattern -----------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pattern_flag_is_named_truly_for_a_cycle_on_every_page(cycling, screener, screener_2, language):
    for result, instrument in zip(cycling, (screener.instrument, screener_2.instrument), strict=True):
        (flag,) = [flag for flag in result.flags if flag.flag == "straight_lining"]
        assert "answers repeating in a cycle of" in flag.detail  # the cycle rule fired, not a constant answer
        labels = Labels(language, instrument)
        name = labels.flag_name("straight_lining")
        assert not any(word in name.lower() for word in SAMENESS), (language, name)
        pages = {
            "report": _section(html_report(result, language=language), "review"),
            "row": _section(row_html_report(_row(result), language=language), "review"),
            "shortlist": _words(shortlist_html([result], language=language)),
            "text": text_report(result, language=language),
            "row text": row_text_report(_row(result), language=language),
        }
        for door, page in pages.items():
            assert name in page, (language, door)


# ---- chance is said where the fit is shown ----------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_chance_warning_stands_where_the_fit_is_shown_on_both_pages(at_random, screener_2, language):
    labels = Labels(language, screener_2.instrument)
    warning = labels.chance_warning(["contradictory"])
    assert warning and labels.t("warning") not in warning
    report = html_report(at_random, language=language)
    row = row_html_report(_row(at_random), language=language)
    for door, page in (("report", report), ("row", row)):
        fit = _section(page, "fit")
        said = f"{labels.t('warning')}: {warning}"
        # In words (not colour alone), before the fit's figure it is about.
        assert said in fit, door
        assert fit.index(said) < fit.index(labels.t("fit") + ":"), door
        review = _section(page, "review")
        assert labels.review_flag("contradictory") in review, door
        assert labels.flag_name("contradictory") in labels.review_flag("contradictory")
        assert '<p class="chance-warning" id="chance-warning"><strong>' in page, door
    texts = {
        "text": text_report(at_random, language=language),
        "row text": row_text_report(_row(at_random), language=language),
    }
    for door, text in texts.items():
        flat = " ".join(text.split())
        said = f"{labels.t('warning').upper()}: {warning}"
        assert said in flat and flat.index(said) < flat.index(f"{labels.t('fit')}: "), door


@pytest.mark.parametrize("language", ["en", "nb"])
def test_no_chance_warning_where_the_scores_are_not_chance(screener_2, cycling, language):
    """Only 2.0's person-fit flag says the scores are chance; 1.2's contradictory answers do not."""
    agreement = Labels(language)
    assert agreement.chance_warning(["contradictory"]) == ""
    assert agreement.review_flag("contradictory") == agreement.flag_name("contradictory")
    warning = Labels(language, screener_2.instrument).chance_warning(["contradictory"])
    for result in cycling:  # flagged, but not as chance
        for page in (html_report(result, language=language), row_html_report(_row(result), language=language)):
            assert 'id="chance-warning"' not in page and warning not in _words(page)
