"""A 2.0 result's report names its scales as instrument 2.0 does and reads its scores as standard scores."""

from __future__ import annotations

import functools

import pytest

from profilefit.core.instrument import BLOCK_ANSWERS, load_instrument
from profilefit.core.screening import Screener, ScreeningResult
from profilefit.pages.reports import html_report, text_report

LANGUAGES = ("en", "nb", "sv", "nl")


@functools.cache
def _result() -> ScreeningResult:
    screener = Screener.load("reference-2.0")
    instrument = screener.instrument
    row: dict[str, object] = {"candidate_id": "fc-7", "completion_seconds": 900}
    for k, block_id in enumerate(instrument.block_ids):
        row[block_id] = BLOCK_ANSWERS[(5 * k + 1) % 6]  # every answer, not one place: no pattern flag
    for scenario in instrument.scenarios:
        row[scenario.id] = scenario.options[0].id
    for check in instrument.attention_checks:
        row[check.id] = check.expected if check.expected is not None else 3
    return screener.score(row)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_2_0_report_uses_the_2_0_scale_names(language: str) -> None:
    new, old = load_instrument("customer-contact-2.0"), load_instrument()
    page, text = html_report(_result(), language=language), text_report(_result(), language=language)
    for scale in new.scales:
        assert scale.name[language] in text
    # 1.2's names that 2.0 renamed (the review found some were virtues) appear nowhere on the 2.0 report.
    renamed = [
        s.name[language] for s in old.scales if s.name[language] != new.scales[new.scale_ids.index(s.id)].name[language]
    ]
    assert renamed, "2.0 renames some scales in every language"
    for name in renamed:
        assert f">{name}<" not in page and f" {name} " not in text


def test_a_2_0_report_reads_scores_as_standard_scores_not_an_answer_range() -> None:
    page = html_report(_result(), language="en")
    assert "on a scale of 1 to 6" not in page
    assert "standard deviations from the norm group" in page
