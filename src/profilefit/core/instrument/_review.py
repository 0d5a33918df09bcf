"""Text checks an item writer runs before an instrument goes out: near-duplicates, length, translations.

These read the words only. Whether an item measures its scale, or works the same for
women and men or across languages, is a question for real answers (``profilefit
reliability`` and DIF); see docs/instrument.md.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass

from profilefit.core.instrument._model import Instrument

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Function words carry no content: two items that share only "I", "when" and "the"
# are not alike. Lists for the shipped languages; other languages keep every word.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _word_set(
        "a an and are as at be been before being but by can do even for from has have i if in is it its "
        "me my of on or so than that the their them they this to until was we what when which while who "
        "will with would you your"
    ),
    "nb": _word_set(
        "at da de den denne der det dem du eller en enn er et for fra før har hva hvis hvor i jeg kan "
        "med meg men min mine mitt når og også om på seg selv sin sine skal som til ut var vi vil å"
    ),
    "sv": _word_set(
        "att av de dem den det där då du efter eller en ett för från har hur i inte jag kan med mig min "
        "mina mitt men när och om på sig sin sina ska som till under vad var vi än även är"
    ),
    "nl": _word_set(
        "aan al als bij dan dat de die dit door een en er het hoe ik in is je me met mij mijn na naar of "
        "om ook op te tot van voor wat we wie zich zo zodat zijn"
    ),
}

#: Two items are near-duplicates when, in some language, their content words overlap this much
#: (Jaccard index: shared words over all words) ...
NEAR_DUPLICATE_JACCARD = 0.4
#: ... or their whole texts match this closely (difflib's ratio on lower-case text).
NEAR_DUPLICATE_RATIO = 0.7


def content_words(text: str, language: str) -> frozenset[str]:
    """The lower-case words of ``text`` without the language's function words."""
    function_words = _FUNCTION_WORDS.get(language, frozenset())
    return frozenset(word for word in _WORD.findall(text.lower()) if word not in function_words)


def text_similarity(first: str, second: str, language: str) -> tuple[float, float]:
    """How alike two texts are: (Jaccard index of content words, difflib ratio of the texts).

    Both are 1.0 for identical texts and fall towards 0.0 as the texts differ.
    """
    a, b = content_words(first, language), content_words(second, language)
    jaccard = len(a & b) / len(a | b) if a | b else 1.0
    # SequenceMatcher's matching blocks depend on argument order, so its ratio is not symmetric
    # ("211" against "1012" differs from the reverse); the larger of the two orders is.
    one, two = first.lower(), second.lower()
    ratio = max(
        difflib.SequenceMatcher(None, one, two, autojunk=False).ratio(),
        difflib.SequenceMatcher(None, two, one, autojunk=False).ratio(),
    )
    return jaccard, ratio


@dataclass(frozen=True)
class SimilarItems:
    """Two items whose texts are near-duplicates in one language."""

    first: str
    second: str
    language: str
    jaccard: float
    ratio: float

    def __str__(self) -> str:
        return (
            f"items {self.first} and {self.second} read alike in {self.language} "
            f"(content-word Jaccard {self.jaccard:.2f}, text ratio {self.ratio:.2f})"
        )


def near_duplicate_items(
    instrument: Instrument,
    *,
    across_scales_only: bool = True,
    jaccard: float = NEAR_DUPLICATE_JACCARD,
    ratio: float = NEAR_DUPLICATE_RATIO,
) -> list[SimilarItems]:
    """Pairs of items whose texts are near-duplicates in any language of the instrument.

    Parameters
    ----------
    instrument : Instrument
    across_scales_only : bool, default=True
        Compare only items of different scales (an item that reads like another
        scale's item blurs both scales). With False, items of one scale are compared too.
    jaccard, ratio : float
        Thresholds; a pair at or above either is reported.

    Returns
    -------
    list of SimilarItems
        One entry per pair and language, in item order.
    """
    found = []
    for one, other in itertools.combinations(instrument.items, 2):
        if across_scales_only and one.scale == other.scale:
            continue
        for language in instrument.languages:
            j, r = text_similarity(one.text[language], other.text[language], language)
            if j >= jaccard or r >= ratio:
                found.append(SimilarItems(one.id, other.id, language, round(j, 3), round(r, 3)))
    return found


@dataclass(frozen=True)
class WordLimits:
    """Longest texts, in words, in any language of the instrument.

    The defaults keep a scenario with its four options (at most 130 words) readable by a
    non-native reader inside the published 30-90 seconds per scenario, and an agreement
    item (at most 25 words) inside 4-10 seconds.
    """

    item: int = 25
    option: int = 28
    scenario_text: int = 40
    scenario_with_options: int = 130


def word_count(text: str) -> int:
    """Words in ``text``, counted as runs of letters (a hyphenated word counts once per part)."""
    return len(_WORD.findall(text))


def over_word_limits(instrument: Instrument, limits: WordLimits | None = None) -> list[str]:
    """One message per text longer than ``limits`` allows, naming the text, language, count and limit."""
    limits = limits or WordLimits()
    problems = []
    for language in instrument.languages:
        for item in instrument.items:
            n = word_count(item.text[language])
            if n > limits.item:
                problems.append(f"item {item.id} ({language}): {n} words; at most {limits.item}")
        for scenario in instrument.scenarios:
            n_text = word_count(scenario.text[language])
            if n_text > limits.scenario_text:
                problems.append(f"scenario {scenario.id} ({language}): {n_text} words; at most {limits.scenario_text}")
            total = n_text
            for option in scenario.options:
                n = word_count(option.text[language])
                total += n
                if n > limits.option:
                    problems.append(
                        f"scenario {scenario.id} option {option.id} ({language}): {n} words; at most {limits.option}"
                    )
            if total > limits.scenario_with_options:
                problems.append(
                    f"scenario {scenario.id} with its options ({language}): {total} words; "
                    f"at most {limits.scenario_with_options}"
                )
    return problems


def untranslated_texts(instrument: Instrument) -> list[str]:
    """Texts that another language copies word for word from the first (default) language.

    The model already refuses a missing translation; this finds the ones pasted in
    untranslated. Items, options, checks and response labels are compared.
    """
    source, *others = instrument.languages
    texts: list[tuple[str, dict[str, str]]] = [(f"item {i.id}", i.text) for i in instrument.items]
    texts += [(f"scenario {s.id}", s.text) for s in instrument.scenarios]
    texts += [(f"scenario {s.id} option {o.id}", o.text) for s in instrument.scenarios for o in s.options]
    texts += [(f"attention check {c.id}", c.text) for c in instrument.attention_checks]
    labels = instrument.response_scale.labels
    if source in labels:
        for k in range(len(labels[source])):
            texts.append((f"response label {k + 1}", {lang: labels[lang][k] for lang in labels}))
    problems = []
    for where, text in texts:
        for language in others:
            if language in text and text[language].strip().lower() == text[source].strip().lower():
                problems.append(f"{where} ({language}) is the {source} text untranslated")
    return problems
