"""The instrument as the candidate meets it: short pages of questions in one language.

Version 1.x: agreement items come first, a few to a page, with the attention checks placed
among them. Version 2.0 (forced choice): blocks come first, four to a page, with the checks
on pages of their own placed among the block pages. The situational scenarios follow, two
to a page. The order is fixed by the instrument, so every candidate, language and resumed
session sees the same pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from profilefit.core.instrument import BLOCK_ANSWERS, BLOCK_LABELS, Instrument

#: Agreement statements on one page (short pages suit a phone screen).
ITEMS_PER_PAGE = 8
#: Situational scenarios on one page.
SCENARIOS_PER_PAGE = 2
#: Forced-choice blocks on one page (each has two marks to set; four fill a phone screen a few times).
BLOCKS_PER_PAGE = 4
#: Attention checks on one page of a forced-choice instrument.
CHECKS_PER_PAGE = 4


@dataclass(frozen=True)
class Question:
    """One question on a page: an agreement statement or check (``scale``) or a scenario (``choice``)."""

    id: str
    kind: Literal["scale", "choice", "block"]
    text: str
    options: tuple[tuple[str, str], ...]


def page_ids(instrument: Instrument) -> list[list[str]]:
    """The question ids of each page, in order."""
    if instrument.blocks:
        return _forced_choice_pages(instrument)
    agreement = list(instrument.item_ids)
    checks = list(instrument.check_ids)
    # Spread the checks evenly through the items, never first and never last.
    for k, check in enumerate(checks):
        agreement.insert(round((k + 1) * (len(agreement) + 1) / (len(checks) + 1)), check)
    pages = [agreement[i : i + ITEMS_PER_PAGE] for i in range(0, len(agreement), ITEMS_PER_PAGE)]
    scenarios = list(instrument.scenario_ids)
    pages += [scenarios[i : i + SCENARIOS_PER_PAGE] for i in range(0, len(scenarios), SCENARIOS_PER_PAGE)]
    return pages


def _forced_choice_pages(instrument: Instrument) -> list[list[str]]:
    """Block pages in file order, the check pages spread among them (never first), then the scenarios."""
    blocks = list(instrument.block_ids)
    pages = [blocks[i : i + BLOCKS_PER_PAGE] for i in range(0, len(blocks), BLOCKS_PER_PAGE)]
    checks = list(instrument.check_ids)
    check_pages = [checks[i : i + CHECKS_PER_PAGE] for i in range(0, len(checks), CHECKS_PER_PAGE)]
    block_pages = len(pages)
    # Insert from the last so that earlier positions stay where they were computed.
    for k in reversed(range(len(check_pages))):
        pages.insert(max(1, round((k + 1) * block_pages / (len(check_pages) + 1))), check_pages[k])
    scenarios = list(instrument.scenario_ids)
    pages += [scenarios[i : i + SCENARIOS_PER_PAGE] for i in range(0, len(scenarios), SCENARIOS_PER_PAGE)]
    return pages


def block_answer(most: str, least: str) -> tuple[str, str | None]:
    """A block's two posted marks as its answer (most then least), or the name of the problem's text.

    Returns ``(answer, None)`` when both are marked and differ, else ``("", key)`` where ``key``
    names the candidate page's message: ``error_block_missing`` or ``error_block_same``. A letter
    that is not ``a``, ``b`` or ``c`` gives an answer the instrument refuses (``error_invalid``).

    Examples
    --------
    >>> block_answer("a", "c")
    ('ac', None)
    >>> block_answer("b", "b")
    ('', 'error_block_same')
    >>> block_answer("", "a")
    ('', 'error_block_missing')
    """
    if not most or not least:
        return "", "error_block_missing"
    if most == least:
        return "", "error_block_same"
    return most + least, None


def questions(instrument: Instrument, ids: list[str], language: str) -> list[Question]:
    """The questions of one page in ``language``, with their answer options."""
    items = {item.id: item for item in instrument.items}
    checks = {check.id: check for check in instrument.attention_checks}
    scenarios = {scenario.id: scenario for scenario in instrument.scenarios}
    blocks = {block.id: block for block in instrument.blocks}
    scale = instrument.response_scale
    labels = scale.labels.get(language) or [str(v) for v in range(scale.min, scale.max + 1)]
    points = tuple((str(value), labels[value - scale.min]) for value in range(scale.min, scale.max + 1))
    page = []
    for question_id in ids:
        if question_id in blocks:
            # The statements as the options, labelled a, b, c in file order; the text is the block's number.
            statements = tuple(
                (label, statement.text[language])
                for label, statement in zip(BLOCK_LABELS, blocks[question_id].statements, strict=True)
            )
            number = instrument.block_ids.index(question_id) + 1
            page.append(Question(question_id, "block", str(number), statements))
        elif question_id in scenarios:
            scenario = scenarios[question_id]
            options = tuple((option.id, option.text[language]) for option in scenario.options)
            page.append(Question(question_id, "choice", scenario.text[language], options))
        else:
            source = items.get(question_id) or checks[question_id]
            page.append(Question(question_id, "scale", source.text[language], points))
    return page


def answer_value(instrument: Instrument, question_id: str, text: str) -> int | str | None:
    """The posted text of an answer as the assessment holds it, or ``None`` when it is not an allowed answer."""
    scenarios = {scenario.id: scenario for scenario in instrument.scenarios}
    if question_id in scenarios:
        return text if text in {option.id for option in scenarios[question_id].options} else None
    if question_id in instrument.block_ids:
        return text if text in BLOCK_ANSWERS else None
    # ASCII digits only, as the one row rule reads them: str.isdigit() is also true of "٤", "４" and "²". Leading
    # zeros aside, no answer on the scale has more than a few digits: a longer one is refused without int(), which
    # raises for text over Python's 4,300 digits (a candidate's post gave a 500).
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > 3:
        return None
    value = int(text)
    low, high = instrument.response_scale.min, instrument.response_scale.max
    return value if low <= value <= high else None


def instrument_json(instrument: Instrument, language: str) -> dict[str, Any]:
    """The questions, options and scale of the instrument in one language, for an ATS that builds its own form.

    Keys of items and block statements to scales, reverse keying, option keys and the
    expected answers of attention checks are left out: a form needs none of them, and showing
    them invites faking. A forced-choice instrument lists its blocks, each with its three
    statements by label (``a``, ``b``, ``c``) and the answers allowed (two letters, most then least).
    """
    scale = instrument.response_scale
    low, high = instrument.estimated_minutes_range()
    shown: dict[str, Any] = {}
    if instrument.blocks:
        shown["block_answers"] = list(BLOCK_ANSWERS)
        shown["blocks"] = [
            {
                "id": block.id,
                "statements": [
                    {"label": label, "text": statement.text[language]}
                    for label, statement in zip(BLOCK_LABELS, block.statements, strict=True)
                ],
            }
            for block in instrument.blocks
        ]
    return {
        "instrument_id": instrument.id,
        "version": instrument.version,
        "format": instrument.format,
        "language": language,
        "title": instrument.title[language],
        "estimated_minutes": [round(low, 1), round(high, 1)],
        "response_scale": {"min": scale.min, "max": scale.max, "labels": scale.labels.get(language, [])},
        "pages": page_ids(instrument),
        "items": [{"id": item.id, "text": item.text[language]} for item in instrument.items],
        **shown,
        "attention_checks": [{"id": check.id, "text": check.text[language]} for check in instrument.attention_checks],
        "scenarios": [
            {
                "id": scenario.id,
                "text": scenario.text[language],
                "options": [{"id": option.id, "text": option.text[language]} for option in scenario.options],
            }
            for scenario in instrument.scenarios
        ],
    }
