"""The situational-judgement scenarios of instrument 2.0 (in ``customer_contact_2.json``), against issue 21.

Each rule of the issue has its test: one action and one cost per option, option lengths within
±15 % of the scenario's mean in every language, no profile vocabulary, balanced keys, at least
four written channels, nothing that needs a phone or a voice, and no option that is plainly the
best (desirability spread at most 1.0). docs/scenarios-2.md explains each measure.
"""

import json
import re
import unicodedata
from collections import Counter
from importlib import resources
from statistics import mean

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilefit.core.instrument import Scenario, load_instrument
from profilefit.core.profiles import PROFILE_IDS, load_profiles

LANGUAGES = ("en", "nb", "sv", "nl")

#: An option may differ from its scenario's mean option length by at most this share, in every language.
#: Length is counted in characters (NFC code points, spaces and punctuation included), not words: word
#: counts hide the long compounds of nb, sv and nl, and a reader's eye sees the width of the text.
LENGTH_TOLERANCE = 0.15
#: The widest gap allowed between the most and the least desirable option of one scenario.
MAX_DESIRABILITY_SPREAD = 1.0

#: The scenarios written in a written channel; the words below must find exactly these.
WRITTEN_SCENARIOS = ("sj1", "sj2", "sj4", "sj9", "sj10")

#: Words that put a scenario in a written channel (chat, e-mail, a message in an app).
WRITTEN_CHANNEL = {
    "en": r"\b(?:chat|web chat|e-mails?|message|writes)\b",
    "nb": r"\b(?:chatten|e-post(?:en)?|melding|skriver)\b",
    "sv": r"\b(?:chatten|mejlar|mejlet|meddelande|skriver)\b",
    "nl": r"\b(?:webchat|chat|mailt|mail|bericht|schrijft)\b",
}

#: Words that would make a phone-less, deaf or hard-of-hearing candidate imagine a voice or a call.
VOICE_OR_PHONE = {
    "en": r"\b(?:call(?:s|ed|ing)?|phones?|phoned|voice|hears?|heard|listen\w*|on the line|speak\w*|sounds?"
    r"|shout\w*)\b",
    "nb": r"\b(?:ring\w*|telefon\w*|stemme\w*|hør\w*|lytt\w*|snakk\w*|høres|rop\w*|kjeft\w*)\b",
    "sv": r"\b(?:ring\w*|telefon\w*|röst\w*|höra|hör(?!\s+av)|hörde|lyssna\w*|prata\w*|låter|skrik\w*)\b",
    "nl": r"\b(?:belt|bellen|belde|gebeld|opbellen|telefo\w*|stem|horen|hoort|luister\w*|praten|spreken|klinkt"
    r"|schreeuw\w*)\b",
}

#: The word for "and" joining two actions; an option that needs it bundles actions (review S-03).
AND = {"en": "and", "nb": "og", "sv": "och", "nl": "en"}

#: Words that open an option's single cost clause, after the comma that ends the action.
COST_OPENERS = {
    "en": ("although", "which", "without", "so", "before", "leaving"),
    "nb": ("selv om", "noe som", "uten å", "uten at", "slik at", "så", "før"),
    "sv": ("även om", "vilket", "utan att", "så att", "så", "innan"),
    "nl": ("al", "waardoor", "wat", "zonder", "zodat", "voordat"),
}

# Words of 2.0's plain profile descriptions (core/data/profiles.json, rewritten to claim only what is
# measured) that are grammar or name the situation, and that the scenarios use under several keys.
_PLAIN_2_0 = {
    "en": "about before how even trying asks reached reach suggest",
    "nb": "har spør før hvordan noe vanlig vanlige vanligvis prøve",
    "sv": "även frågar innan fråga vanliga sättet sätter något görs",
    "nl": "voordat hoe volgens vraagt proberen volgende iets ook manier",
}

# Profile vocabulary. The banned words are every word of the scale names and descriptions (the
# shipped instrument files) and of the profile names and descriptions (core/data/profiles.json),
# in each language, minus the words below, which name the situation rather than a profile or are
# grammar. A word is listed here only if it is generic in every scale that uses it.
_GENERIC = {
    "en": (
        "a against along and asking by case conversation could customer customers do does for get goes in "
        "into is it like likes looks not of off only or other others people s shows take takes taking than "
        "that the their them they to tries under until instead wants what when where with would"
    ),
    "nb": (
        "andre andres annen av bare blir bør den det eller en enn er etter for få gjøre her hva hvor i ikke "
        "kan kommer kunden kundens kunder lar med mot nå når og prøver rett saken samtale samtalen seg sende "
        "ser si som spørre stedet ta tar til under ut ved vil viser å"
    ),
    "sv": (
        "andra andras annan att av bara blir den det efter eller en ett fråga för försöker genom gå göra hur "
        "i in inte kan kommer kunden kundens kunder med mot när någon och om på sak samtal samtalet ser sig "
        "sin ska som stället säga ta tar tills under vad var vill visar än är ärende ärendet"
    ),
    "nl": (
        "aan af alleen alles als andere anderen bij dan de die doen door een en geen gesprek hand het hen in "
        "is klant klanten klantvraag komt krijgen kunnen laat met moet moment naar neemt nemen niet of om "
        "onder op plaats probeert te terug toe toont tot van volgende voor vragen waar wat wil wordt zaak "
        "zeggen zich zien"
    ),
}

# What the content review (instrument-1.1.md) found recognisable besides the names and descriptions:
# the keyword families of S-02 (calm and light for the Rock, procedure and terms for the Hard Worker,
# "not standard" for the Innovator, speed for the Competitor, listening and acknowledging for the
# Empathizer, telling for the Controller), the voice words of N-03, and the profile and scale names
# the review proposes for 2.0 (T-nb-03, T-sv-04, T-sv-12, P-03, P-05, P-09, P-10, P-14).
_REVIEW_FAMILIES = {
    "en": (
        "acknowledge calm relaxed steady light friendly tone voice procedure terms formal route standard "
        "listen understand fast quick quickly speed straight tell clearly coordinate concession discount "
        "refund ranking target competitive empathic accommodating innovative improve idea process "
        "responsible resolve solution dutiful thorough"
    ),
    "nb": (
        "rolig avslappet stø lett vennlig tone stemme rutine vilkår formell standard forståelse lytte rask "
        "straks fortelle tydelig koordinere innrømmelse rabatt refusjon rangering konkurranse empatisk "
        "medgjørlig medgjørlighet pliktoppfyllende nytenkende forbedre prosess idé ansvar løsning regel"
    ),
    "sv": (
        "lugn lugnt avslappnad stadig lätt vänlig ton röst rutin villkor formell standard förståelse lyssna "
        "snabb snabbt direkt berätta tydlig samordna eftergift rabatt återbetalning topplista tävling "
        "empatisk medgörlig medgörlighet ledningen ansvarstagande noggrann nytänkande förbättra process "
        "idé ansvar oberörd lösning"
    ),
    "nl": (
        "rustig kalm ontspannen luchtig vriendelijk toon procedure voorwaarden formeel standaard begrip "
        "luisteren snel meteen vertellen duidelijk coördineren tegemoetkoming korting ranglijst doel "
        "competitief empathisch inschikkelijk inlever vernieuwend verbeteren proces idee verantwoordelijk "
        "stellig presteerder oplossing"
    ),
}

# Inflectional endings stripped before words are compared, longest first; a stem keeps four letters.
_SUFFIXES = {
    "en": ("ings", "ing", "edly", "ed", "ers", "er", "ly", "es", "s"),
    "nb": ("ende", "ene", "ing", "er", "en", "et", "e", "s"),
    "sv": ("arna", "erna", "orna", "ande", "ning", "ar", "er", "or", "en", "et", "na", "a", "s"),
    "nl": ("heid", "ende", "en", "er", "te", "de", "e", "s"),
}
_WORD = re.compile(r"[^\W\d_]+")


def _stem(word: str, language: str) -> str:
    for _ in range(2):
        for suffix in _SUFFIXES[language]:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
    return word


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(unicodedata.normalize("NFC", text))]


def _shares_stem(word: str, stem: str, language: str) -> bool:
    # A short stem must match exactly ("ro" is not "rot"); a stem of five letters or more also
    # catches longer forms and compounds that start with it ("rutine" in "rutinesak").
    return _stem(word, language) == stem or (len(stem) >= 5 and word.startswith(stem))


def _scenario_file() -> list[dict]:
    raw = resources.files("profilefit.core.instrument").joinpath("data", "customer_contact_2.json").read_text("utf-8")
    return json.loads(raw)["scenarios"]


def _scale_and_profile_texts() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    folder = resources.files("profilefit.core.instrument").joinpath("data")
    # Every instrument file shipped (1.2 now, 2.0 once it lands) names and describes its scales.
    for entry in folder.iterdir():
        if not entry.name.endswith(".json") or entry.name.endswith((".parameters.json", ".norms.json")):
            continue
        instrument = json.loads(entry.read_text("utf-8"))
        for scale in instrument.get("scales", []):
            for language in LANGUAGES:
                texts[language].append(scale["name"][language])
                # 2.0's descriptions are plain sentences of everyday words ("before", "har"), written to
                # claim only what the statements ask; their names, and 1.x's descriptions, carry the
                # vocabulary that names a profile.
                if instrument.get("schema_version", "1") == "1":
                    texts[language].append(scale["description"][language])
    for profile in load_profiles().profiles:
        for language in LANGUAGES:
            texts[language] += [profile.name[language], profile.description[language]]
    return texts


def _banned_stems() -> dict[str, frozenset[str]]:
    banned = {}
    for language, texts in _scale_and_profile_texts().items():
        generic = set(_GENERIC[language].split()) | set(_PLAIN_2_0[language].split())
        plain = {_stem(word, language) for word in _PLAIN_2_0[language].split()}
        words = {word for text in texts for word in _words(text)} - generic
        words = {word for word in words if _stem(word, language) not in plain}
        words |= set(_REVIEW_FAMILIES[language].split())
        banned[language] = frozenset(_stem(word, language) for word in words if len(word) >= 3)
    return banned


BANNED = _banned_stems()


def profile_words(text: str, language: str) -> list[str]:
    """The words of ``text`` that share a stem with the profile vocabulary of ``language``."""
    return sorted({word for word in _words(text) for stem in BANNED[language] if _shares_stem(word, stem, language)})


def _length(text: str) -> int:
    # Characters as a reader sees them: NFC code points, spaces and punctuation included.
    return len(unicodedata.normalize("NFC", text.strip()))


SCENARIOS = [Scenario.model_validate(raw) for raw in _scenario_file()]
OPTIONS = [(scenario, option) for scenario in SCENARIOS for option in scenario.options]


def _option_id(pair) -> str:
    scenario, option = pair
    return f"{scenario.id}{option.id}"


def test_ten_scenarios_of_four_options_with_stable_ids():
    assert [scenario.id for scenario in SCENARIOS] == [f"sj{k}" for k in range(1, 11)]
    for scenario in SCENARIOS:
        assert [option.id for option in scenario.options] == ["a", "b", "c", "d"], scenario.id


def test_the_scenarios_fit_the_instrument_model_and_languages():
    # A 1.2 instrument with the 2.0 scenarios in place of its own must still validate as a whole.
    shipped = load_instrument()
    assert tuple(shipped.languages) == LANGUAGES
    replaced = shipped.model_copy(update={"scenarios": SCENARIOS})
    revalidated = type(shipped).model_validate(replaced.model_dump())
    assert revalidated.scenario_ids == tuple(f"sj{k}" for k in range(1, 11))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_text_is_in_every_language_and_translated(scenario):
    texts = [("text", scenario.text)] + [(f"option {option.id}", option.text) for option in scenario.options]
    for where, text in texts:
        assert set(text) == set(LANGUAGES), (scenario.id, where, sorted(text))
        assert all(text[language].strip() for language in LANGUAGES), (scenario.id, where)
        distinct = {text[language].strip().lower() for language in LANGUAGES}
        assert len(distinct) == len(LANGUAGES), f"{scenario.id} {where}: two languages share one text"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_option_lengths_within_15_percent_of_the_scenario_mean(scenario, language):
    lengths = {option.id: _length(option.text[language]) for option in scenario.options}
    average = mean(lengths.values())
    off = {
        oid: f"{(n - average) / average:+.1%}"
        for oid, n in lengths.items()
        if abs(n - average) > LENGTH_TOLERANCE * average
    }
    assert not off, f"{scenario.id} {language}: mean {average:.1f} characters, {lengths}; outside ±15 %: {off}"


@given(st.text())
def test_length_does_not_depend_on_how_a_letter_was_composed(text):
    assert _length(unicodedata.normalize("NFD", text)) == _length(text)


@given(st.sampled_from(LANGUAGES), st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåäöëï", min_size=1, max_size=20))
def test_a_stem_is_the_start_of_its_word_and_keeps_four_letters(language, word):
    stem = _stem(word, language)
    assert word.startswith(stem)
    assert len(stem) >= min(4, len(word))
    assert _shares_stem(word, stem, language)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_english_options_within_two_words_of_each_other(scenario):
    # The review's own measure (S-01): equal lengths to ±2 words, counted in the English source.
    words = {option.id: len(option.text["en"].split()) for option in scenario.options}
    assert max(words.values()) - min(words.values()) <= 4, (scenario.id, words)


def test_the_length_measure_counts_characters_not_bytes():
    # "ø", "ä" and "ë" are one character each, composed or not.
    assert _length("Jeg ønsker") == 10
    assert _length("Jag a\u0308r") == _length("Jag är") == 6
    assert _length("  beïnvloed  ") == 9


def test_at_least_four_scenarios_are_written_and_the_list_is_what_the_words_say():
    found = tuple(
        scenario.id
        for scenario in SCENARIOS
        if all(re.search(WRITTEN_CHANNEL[language], scenario.text[language].lower()) for language in LANGUAGES)
    )
    assert found == WRITTEN_SCENARIOS
    assert len(found) >= 4
    # A channel is named in all four languages or in none: a language must not move a scenario.
    for scenario in SCENARIOS:
        hits = {
            language for language in LANGUAGES if re.search(WRITTEN_CHANNEL[language], scenario.text[language].lower())
        }
        assert hits in (set(), set(LANGUAGES)), (scenario.id, sorted(hits))


@pytest.mark.parametrize("language", LANGUAGES)
def test_nothing_needs_a_phone_or_a_voice(language):
    pattern = re.compile(VOICE_OR_PHONE[language])
    hits = {}
    for scenario in SCENARIOS:
        for where, text in [("text", scenario.text)] + [(o.id, o.text) for o in scenario.options]:
            found = pattern.findall(text[language].lower())
            if found:
                hits[f"{scenario.id} {where}"] = found
    assert not hits, hits


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_option_uses_profile_vocabulary(language):
    hits = {_option_id(pair): profile_words(pair[1].text[language], language) for pair in OPTIONS}
    assert not {where: words for where, words in hits.items() if words}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_scenario_text_uses_profile_vocabulary(language):
    hits = {scenario.id: profile_words(scenario.text[language], language) for scenario in SCENARIOS}
    assert not {where: words for where, words in hits.items() if words}


def test_the_vocabulary_check_catches_what_the_review_found_in_1_2():
    # The check must have teeth: in 1.2 the review found a keyword family for every profile (S-02).
    # Every 1.2 Rock, Hard Worker and Controller option, and most options overall, must be caught in en.
    shipped = load_instrument()
    caught = Counter()
    offered = Counter()
    for scenario in shipped.scenarios:
        for option in scenario.options:
            offered[option.key] += 1
            caught[option.key] += bool(profile_words(option.text["en"], "en"))
    for key in ("rock", "hard_worker", "controller"):
        assert caught[key] == offered[key], (key, caught[key], offered[key])
    assert sum(caught.values()) >= 0.75 * sum(offered.values()), caught
    # And words the review quoted are caught in every language.
    assert profile_words("I calmly explain the procedure", "en") == ["calmly", "procedure"]
    assert profile_words("Jeg forklarer rolig rutinen", "nb") == ["rolig", "rutinen"]
    assert profile_words("Jag förklarar lugnt rutinen", "sv") == ["lugnt", "rutinen"]
    assert profile_words("Ik leg rustig de procedure uit", "nl") == ["procedure", "rustig"]


def test_keys_are_the_seven_profiles_used_a_balanced_number_of_times():
    keys = Counter(option.key for _, option in OPTIONS)
    assert set(keys) == set(PROFILE_IDS)
    assert max(keys.values()) - min(keys.values()) <= 1, keys
    for scenario in SCENARIOS:
        scenario_keys = [option.key for option in scenario.options]
        assert len(set(scenario_keys)) == 4, (scenario.id, scenario_keys)
    # A profile is not always behind the same letter.
    for key in PROFILE_IDS:
        letters = {option.id for _, option in OPTIONS if option.key == key}
        assert len(letters) >= 2, (key, letters)


def _cost_opener(text: str, language: str) -> str | None:
    """The word that opens the clause after the option's last comma, if it is a cost opener."""
    last = text.strip()[:-1].split(",")[-1].strip().lower()
    return next((opener for opener in COST_OPENERS[language] if re.match(rf"{opener}\b", last)), None)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_cost_clause_opener_belongs_to_one_profile(language):
    # A coached candidate could learn "without asking ..." = Controller; every opener used twice or
    # more must appear under at least two profiles.
    keys_by_opener: dict[str | None, list[str]] = {}
    for _, option in OPTIONS:
        keys_by_opener.setdefault(_cost_opener(option.text[language], language), []).append(option.key)
    lonely = {opener: keys for opener, keys in keys_by_opener.items() if len(keys) >= 2 and len(set(keys)) < 2}
    assert not lonely, lonely


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_no_option_is_plainly_the_best(scenario):
    ratings = {option.id: option.desirability for option in scenario.options}
    assert all(rating is not None for rating in ratings.values()), ratings
    spread = max(ratings.values()) - min(ratings.values())
    assert spread <= MAX_DESIRABILITY_SPREAD + 1e-9, (scenario.id, ratings)
    for option in scenario.options:
        reason = option.desirability_reason or ""
        assert re.fullmatch(r"[^.!?]+[.!?]", reason.strip()), f"{scenario.id}{option.id}: reason is not one sentence"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("pair", OPTIONS, ids=_option_id)
def test_each_option_is_one_action_with_one_cost(pair, language):
    scenario, option = pair
    text = option.text[language].strip()
    where = f"{scenario.id}{option.id} {language}: {text}"
    # One sentence: it ends in a full stop and has no other sentence end, semicolon or colon.
    assert text.endswith(".") and not re.search(r"[.!?;:]", text[:-1]), where
    # No "and" joining a second action (review S-03).
    assert AND[language] not in _words(text), where
    # The action, a comma, then one clause that states the cost.
    clauses = [clause.strip().lower() for clause in text[:-1].split(",")[1:]]
    costs = [c for c in clauses if any(re.match(rf"{opener}\b", c) for opener in COST_OPENERS[language])]
    assert len(costs) == 1, where
    assert _cost_opener(text, language) is not None, where
