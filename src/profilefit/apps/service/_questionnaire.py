"""The instrument as the candidate meets it: short pages of questions in one language.

Agreement items come first, a few to a page, with the attention checks placed among
them; the situational scenarios follow, two to a page. The order is fixed by the
instrument, so every candidate, language and resumed session sees the same pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from profilefit.core.instrument import Instrument

#: Agreement statements on one page (short pages suit a phone screen).
ITEMS_PER_PAGE = 8
#: Situational scenarios on one page.
SCENARIOS_PER_PAGE = 2


@dataclass(frozen=True)
class Question:
    """One question on a page: an agreement statement or check (``scale``) or a scenario (``choice``)."""

    id: str
    kind: Literal["scale", "choice"]
    text: str
    options: tuple[tuple[str, str], ...]


#: First strong isolate and pop directional isolate (Unicode bidirectional algorithm, UAX #9).
def page_ids(instrument: Instrument) -> list[list[str]]:
    """The question ids of each page, in order."""
    agreement = list(instrument.item_ids)
    checks = list(instrument.check_ids)
    # Spread the checks evenly through the items, never first and never last.
    for k, check in enumerate(checks):
        agreement.insert(round((k + 1) * (len(agreement) + 1) / (len(checks) + 1)), check)
    pages = [agreement[i : i + ITEMS_PER_PAGE] for i in range(0, len(agreement), ITEMS_PER_PAGE)]
    scenarios = list(instrument.scenario_ids)
    pages += [scenarios[i : i + SCENARIOS_PER_PAGE] for i in range(0, len(scenarios), SCENARIOS_PER_PAGE)]
    return pages


def questions(instrument: Instrument, ids: list[str], language: str) -> list[Question]:
    """The questions of one page in ``language``, with their answer options."""
    items = {item.id: item for item in instrument.items}
    checks = {check.id: check for check in instrument.attention_checks}
    scenarios = {scenario.id: scenario for scenario in instrument.scenarios}
    scale = instrument.response_scale
    labels = scale.labels.get(language) or [str(v) for v in range(scale.min, scale.max + 1)]
    points = tuple((str(value), labels[value - scale.min]) for value in range(scale.min, scale.max + 1))
    page = []
    for question_id in ids:
        if question_id in scenarios:
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
    # ASCII digits only, as the one row rule reads them: str.isdigit() is also true of "٤", "４" and "²".
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    low, high = instrument.response_scale.min, instrument.response_scale.max
    return value if low <= value <= high else None


def instrument_json(instrument: Instrument, language: str) -> dict[str, Any]:
    """The questions, options and scale of the instrument in one language, for an ATS that builds its own form.

    Keys of items to scales, reverse keying, option keys and the expected answers of
    attention checks are left out: a form needs none of them, and showing them invites faking.
    """
    scale = instrument.response_scale
    low, high = instrument.estimated_minutes_range()
    return {
        "instrument_id": instrument.id,
        "version": instrument.version,
        "language": language,
        "title": instrument.title[language],
        "estimated_minutes": [round(low, 1), round(high, 1)],
        "response_scale": {"min": scale.min, "max": scale.max, "labels": scale.labels.get(language, [])},
        "pages": page_ids(instrument),
        "items": [{"id": item.id, "text": item.text[language]} for item in instrument.items],
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
