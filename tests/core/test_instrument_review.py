"""The shipped instrument read as an item writer and a reviewer in each language would (issue 11).

Also the text checks that do the reading (profilefit.core.instrument._review), so that a check
which stopped finding anything would fail here rather than pass the instrument silently.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from profilefit.apps.cli import main
from profilefit.core.instrument import (
    NEAR_DUPLICATE_JACCARD,
    NEAR_DUPLICATE_RATIO,
    Instrument,
    SecondsRange,
    Timing,
    WordLimits,
    load_instrument,
    near_duplicate_items,
    over_word_limits,
    text_similarity,
    untranslated_texts,
    word_count,
)
from profilefit.core.profiles import PROFILE_IDS

SHIPPED = load_instrument()

SWEDISH_LABELS = [
    "Håller inte alls med",
    "Håller inte med",
    "Håller inte riktigt med",
    "Håller delvis med",
    "Håller med",
    "Håller helt med",
]

# The keyed profile behind each letter of scenarios sj1-sj8 in version 1.0; 1.1 keeps them.
KEYS_OF_1_0 = {
    "sj1": ["empathizer", "controller", "competitor", "rock"],
    "sj2": ["hard_worker", "accommodator", "empathizer", "controller"],
    "sj3": ["controller", "innovator", "accommodator", "hard_worker"],
    "sj4": ["competitor", "rock", "innovator", "empathizer"],
    "sj5": ["rock", "hard_worker", "controller", "accommodator"],
    "sj6": ["accommodator", "rock", "competitor", "innovator"],
    "sj7": ["hard_worker", "empathizer", "accommodator", "competitor"],
    "sj8": ["controller", "hard_worker", "rock", "innovator"],
}

# A reverse-keyed item states the other end of the trait; a "not" would make candidates
# disagree with a negation, which many misread.
NEGATIONS = {
    "en": r"\b(not|no|never|nobody|nothing|none|\w+n't)\b",
    "nb": r"\b(ikke|ingen|aldri|intet|ingenting)\b",
    "sv": r"\b(inte|ingen|inget|aldrig|ingenting)\b",
    "nl": r"\b(niet|geen|nooit|niemand|niets)\b",
}

# Words the style guides in docs/instrument.md rule out (issue 11's translation review).
RULED_OUT = {
    "nb": [r"\bfikse\b", r"\bsom en gest\b", r"\buten tjeneste\b", r"\bgår i rette\b"],
    "sv": [r"\bfixa\b", r"\butan tjänst\b", r"\bjagar på\b", r"\btar (helt |delvis )?avstånd\b"],
    "nl": [r"\bzaak\b", r"\bzaken\b", r"\bboete\b", r"\btools\b", r"\bcheck bij\b", r"\bscoreborden\b"],
}

QUOTES = "\"'‘’“”«»"


def _with_item_text(instrument: Instrument, item_id: str, language: str, text: str) -> Instrument:
    raw = instrument.model_dump(mode="json")
    for item in raw["items"]:
        if item["id"] == item_id:
            item["text"][language] = text
    return Instrument.model_validate_json(json.dumps(raw))


def test_shipped_instrument_is_version_1_2(instrument):
    assert instrument.version == "1.2"


def test_no_two_items_of_different_scales_read_alike(instrument):
    # Near-duplicate: content-word Jaccard >= 0.4 or difflib ratio >= 0.7 in any language.
    assert (NEAR_DUPLICATE_JACCARD, NEAR_DUPLICATE_RATIO) == (0.4, 0.7)
    assert [str(pair) for pair in near_duplicate_items(instrument)] == []


@pytest.mark.slow
def test_no_two_items_of_one_scale_read_alike(instrument):
    assert [str(pair) for pair in near_duplicate_items(instrument, across_scales_only=False)] == []


@given(
    item_index=st.integers(0, len(SHIPPED.items) - 1),
    language=st.sampled_from(SHIPPED.languages),
    data=st.data(),
)
def test_rule_a_text_one_word_away_from_an_item_is_a_near_duplicate_of_it(item_index, language, data):
    text = SHIPPED.items[item_index].text[language]
    words = text.split()
    position = data.draw(st.integers(0, len(words) - 1))
    copied = " ".join([*words[:position], "zzyzx", *words[position + 1 :]])
    jaccard, ratio = text_similarity(text, copied, language)
    assert jaccard >= NEAR_DUPLICATE_JACCARD or ratio >= NEAR_DUPLICATE_RATIO


def test_an_item_copied_onto_another_scale_is_reported(instrument):
    first, other = instrument.items[0], instrument.items[6]
    copied = _with_item_text(instrument, other.id, "sv", first.text["sv"] + " Ofta.")
    # tc1 in Swedish has six content words; the copy adds a seventh: Jaccard 6/7.
    assert [str(pair) for pair in near_duplicate_items(copied)] == [
        f"items {first.id} and {other.id} read alike in sv (content-word Jaccard 0.86, text ratio 0.95)"
    ]


@given(
    first=st.text(max_size=80), second=st.text(max_size=80), language=st.sampled_from(["en", "nb", "sv", "nl", "de"])
)
def test_rule_similarity_is_symmetric_bounded_and_one_for_a_text_with_itself(first, second, language):
    jaccard, ratio = text_similarity(first, second, language)
    assert (jaccard, ratio) == pytest.approx(text_similarity(second, first, language))
    assert 0.0 <= jaccard <= 1.0 and 0.0 <= ratio <= 1.0
    assert text_similarity(first, first, language) == (1.0, 1.0)


def test_every_text_is_translated_into_every_language(instrument):
    assert untranslated_texts(instrument) == []
    for language in instrument.languages:
        assert len(instrument.response_scale.labels[language]) == instrument.response_scale.n_points
    texts = [item.text for item in instrument.items]
    texts += [scenario.text for scenario in instrument.scenarios]
    texts += [option.text for scenario in instrument.scenarios for option in scenario.options]
    texts += [check.text for check in instrument.attention_checks]
    for text in texts:
        assert set(text) == set(instrument.languages)
        assert len({text[language] for language in instrument.languages}) == len(instrument.languages), text


def test_a_text_pasted_in_untranslated_is_found(instrument):
    item = instrument.items[5]
    copied = _with_item_text(instrument, item.id, "nl", item.text["en"])
    assert untranslated_texts(copied) == [f"item {item.id} (nl) is the en text untranslated"]


def test_every_scenario_offers_exactly_one_option_per_keyed_profile(instrument):
    for scenario in instrument.scenarios:
        keys = [option.key for option in scenario.options]
        assert len(keys) == 4 and len(set(keys)) == len(keys), scenario.id
        assert set(keys) <= set(PROFILE_IDS), scenario.id
    for profile in PROFILE_IDS:
        offered = sum(profile in {o.key for o in s.options} for s in instrument.scenarios)
        assert 5 <= offered <= 6, profile


def test_scenarios_of_version_1_0_keep_their_keyed_profile_at_each_letter(instrument):
    scenarios = {scenario.id: scenario for scenario in instrument.scenarios}
    for scenario_id, keys in KEYS_OF_1_0.items():
        options = scenarios[scenario_id].options
        assert [option.id for option in options] == ["a", "b", "c", "d"]
        assert [option.key for option in options] == keys, scenario_id


def test_at_least_two_scenarios_are_chat_or_e_mail_after_self_service_failed(instrument):
    written = [s.id for s in instrument.scenarios if re.search(r"\b(chat|e-mail)", s.text["en"])]
    assert len(written) >= 2, written


def test_texts_stay_within_the_word_limits(instrument):
    limits = WordLimits()
    assert (limits.item, limits.option, limits.scenario_text, limits.scenario_with_options) == (25, 28, 40, 130)
    assert over_word_limits(instrument, limits) == []


@given(extra=st.integers(1, 20))
def test_rule_a_text_over_its_limit_is_reported_with_its_count(extra):
    item = SHIPPED.items[0]
    long_text = " ".join(["word"] * (WordLimits().item + extra))
    problems = over_word_limits(_with_item_text(SHIPPED, item.id, "sv", long_text))
    assert problems == [f"item {item.id} (sv): {WordLimits().item + extra} words; at most {WordLimits().item}"]


def test_word_count_counts_runs_of_letters():
    assert word_count("Jeg sier hva neste steg er.") == 6
    assert word_count("  ") == 0


def test_reverse_keyed_items_on_every_scale_contain_no_negation(instrument):
    for scale in instrument.scales:
        reverse = [item for item in instrument.items_of(scale.id) if item.reverse]
        assert len(reverse) == 2, scale.id
        for item in reverse:
            for language, text in item.text.items():
                assert not re.search(NEGATIONS[language], text.lower()), (item.id, language, text)


def test_swedish_labels_read_as_agreement_and_every_check_names_its_answer(instrument):
    labels = instrument.response_scale.labels
    assert labels["sv"] == SWEDISH_LABELS
    for check in instrument.attention_checks:
        if check.expected is None:  # a virtue claim asks for no answer
            continue
        for language in instrument.languages:
            label = labels[language][check.expected - instrument.response_scale.min]
            quoted = rf"[{QUOTES}]{re.escape(label)}[{QUOTES}]"
            assert re.search(quoted, check.text[language]), (check.id, language)


# Words that assume the candidate already works in a contact centre (issue 11: cm2, cm5, im1, ...).
CONTACT_CENTRE_CONTEXT = r"\b(calls?|queues?|leaderboards?|departments?|our (work )?processes|my manager|team leader)\b"
# A motive that serves the rep rather than the customer makes an option read as the wrong answer.
SELF_SERVING_MOTIVE = r"\b(targets?|rankings?|leaderboards?|scoreboards?|my numbers|handling time)\b"


def test_items_can_be_answered_without_contact_centre_experience(instrument):
    bound = [item.id for item in instrument.items if re.search(CONTACT_CENTRE_CONTEXT, item.text["en"].lower())]
    assert bound == []


def test_no_scenario_option_states_a_self_serving_motive(instrument):
    motives = [
        f"{scenario.id}{option.id}"
        for scenario in instrument.scenarios
        for option in scenario.options
        if re.search(SELF_SERVING_MOTIVE, option.text["en"].lower())
    ]
    assert motives == []


def test_the_1_0_wording_fails_these_checks():
    old = {
        "cm2": "After a difficult call, I am quickly ready for the next one.",
        "sj4a": "I skip the background, book a new delivery at once and end the call promptly so I can take the "
        "next customer and keep my numbers up.",
    }
    assert re.search(CONTACT_CENTRE_CONTEXT, old["cm2"].lower())
    assert re.search(SELF_SERVING_MOTIVE, old["sj4a"].lower())


def test_texts_keep_to_the_style_guides(instrument):
    texts = [item.text for item in instrument.items] + [check.text for check in instrument.attention_checks]
    texts += [scenario.text for scenario in instrument.scenarios]
    texts += [option.text for scenario in instrument.scenarios for option in scenario.options]
    for language, patterns in RULED_OUT.items():
        for text in texts:
            for pattern in patterns:
                assert not re.search(pattern, text[language].lower()), (language, pattern, text[language])


def test_length_is_stated_as_a_range_from_the_published_times(instrument):
    n_agreement = len(instrument.items) + len(instrument.attention_checks)
    assert (n_agreement, len(instrument.scenarios)) == (56, 10)
    low, high = instrument.estimated_minutes_range()
    assert (low, high) == pytest.approx(((56 * 4 + 10 * 30) / 60, (56 * 10 + 10 * 90) / 60))
    assert instrument.length_text() == "about 9-24 minutes"
    assert low <= instrument.estimated_minutes() <= high


@given(
    item=st.tuples(st.floats(0.5, 60), st.floats(0.5, 60)).map(sorted),
    scenario=st.tuples(st.floats(1, 600), st.floats(1, 600)).map(sorted),
    share=st.floats(0, 1),
)
def test_rule_the_typical_length_lies_inside_the_stated_range(item, scenario, share):
    timing = Timing(
        seconds_per_item=item[0] + share * (item[1] - item[0]),
        seconds_per_scenario=scenario[0] + share * (scenario[1] - scenario[0]),
        item_seconds=SecondsRange(low=item[0], high=item[1]),
        scenario_seconds=SecondsRange(low=scenario[0], high=scenario[1]),
    )
    instrument = SHIPPED.model_copy(update={"timing": timing})
    low, high = instrument.estimated_minutes_range()
    assert low <= high
    assert low - 1e-9 <= instrument.estimated_minutes() <= high + 1e-9


def test_a_time_range_with_low_above_high_is_refused():
    with pytest.raises(ValidationError, match="low <= high"):
        SecondsRange(low=10.0, high=4.0)


def test_instrument_check_states_the_range_and_warns_about_near_duplicates(tmp_path, capsys):
    first, other = SHIPPED.items[0], SHIPPED.items[6]
    copied = _with_item_text(SHIPPED, other.id, "en", first.text["en"])
    path = tmp_path / "copied.json"
    path.write_text(copied.model_dump_json(), encoding="utf-8")
    assert main(["instrument-check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "length            about 9-24 minutes (4-10 s per item or check, 30-90 s per scenario)" in out
    assert f"warning: items {first.id} and {other.id} read alike in en" in out


@pytest.mark.slow
def test_the_review_example_passes_the_shipped_instrument_and_flags_a_copied_item(tmp_path):
    script = Path(__file__).parents[2] / "examples" / "review_instrument.py"
    clean = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stderr
    assert "customer-contact 1.2: about 9-24 minutes" in clean.stdout and "text checks: 0 finding(s)" in clean.stdout
    first, other = SHIPPED.items[0], SHIPPED.items[6]
    path = tmp_path / "copied.json"
    path.write_text(_with_item_text(SHIPPED, other.id, "nb", first.text["nb"]).model_dump_json(), encoding="utf-8")
    flagged = subprocess.run(
        [sys.executable, str(script), str(path), "--lang", "nb"], capture_output=True, text=True, check=False
    )
    assert flagged.returncode == 1
    assert f"items {first.id} and {other.id} read alike in nb" in flagged.stdout


def test_rule_similarity_is_symmetric_where_difflib_is_not():
    assert text_similarity("211", "1012", "en") == text_similarity("1012", "211", "en")
