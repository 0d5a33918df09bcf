import json
from collections import Counter

import pytest
from pydantic import ValidationError

from profilefit.core.instrument import Instrument, instrument_to_json, load_instrument
from profilefit.core.profiles import PROFILE_IDS


def test_shipped_instrument_has_what_the_design_asks(instrument):
    assert instrument.languages == ["en", "nb", "sv", "nl"]
    assert (instrument.response_scale.min, instrument.response_scale.max) == (1, 6)
    assert len(instrument.scales) == 8
    for scale in instrument.scales:
        items = instrument.items_of(scale.id)
        assert 5 <= len(items) <= 7, scale.id
        assert any(item.reverse for item in items), f"{scale.id} has no reverse-keyed item"
    assert 6 <= len(instrument.scenarios) <= 10
    assert len(instrument.instructed_columns) == 2
    assert len(instrument.virtue_claim_columns) == 6  # read only by the idealised-responding flag
    low, high = instrument.estimated_minutes_range()
    assert 7 <= low <= high <= 25, (low, high)


def test_every_profile_is_keyed_in_several_scenarios(instrument):
    keys = Counter(option.key for scenario in instrument.scenarios for option in scenario.options)
    assert set(keys) == set(PROFILE_IDS)
    assert min(keys.values()) >= 4
    for scenario in instrument.scenarios:
        scenario_keys = [option.key for option in scenario.options]
        assert len(set(scenario_keys)) == len(scenario_keys), scenario.id


def test_custom_toml_instrument_loads(custom_instrument):
    assert custom_instrument.id == "acme-service-pulse"
    assert (custom_instrument.response_scale.min, custom_instrument.response_scale.max) == (1, 5)
    assert custom_instrument.scenarios == []
    assert custom_instrument.feature_names == ("calm", "drive")


def test_json_round_trip_of_an_instrument(instrument, tmp_path):
    path = tmp_path / "copy.json"
    path.write_text(instrument_to_json(instrument), encoding="utf-8")
    assert load_instrument(path) == instrument


def _minimal(**changes):
    base = {
        "id": "mini",
        "version": "1",
        "title": {"en": "Mini"},
        "languages": ["en"],
        "scales": [{"id": "calm", "name": {"en": "Calm"}, "description": {"en": "Calm."}}],
        "items": [
            {"id": "c1", "scale": "calm", "text": {"en": "I stay calm."}},
            {"id": "c2", "scale": "calm", "reverse": True, "text": {"en": "I get upset."}},
        ],
    }
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "items": [
                    {"id": "c1", "scale": "nope", "text": {"en": "x"}},
                    {"id": "c2", "scale": "calm", "text": {"en": "y"}},
                ]
            },
            "names scale 'nope'",
        ),
        ({"languages": ["en", "nb"]}, "has no text in ['nb']"),
        (
            {
                "items": [
                    {"id": "c1", "scale": "calm", "text": {"en": "x"}},
                    {"id": "c1", "scale": "calm", "text": {"en": "y"}},
                ]
            },
            "used twice",
        ),
        (
            {
                "items": [
                    {"id": "candidate_id", "scale": "calm", "text": {"en": "x"}},
                    {"id": "c2", "scale": "calm", "text": {"en": "y"}},
                ]
            },
            "reserved",
        ),
        ({"response_scale": {"min": 3, "max": 3}}, "max > min"),
        (
            {"attention_checks": [{"id": "chk", "text": {"en": "Answer 9"}, "expected": 9}]},
            "outside the response range",
        ),
        ({"colour": "blue"}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_instruments_are_refused_with_a_clear_message(changes, message):
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Instrument.model_validate(_minimal(**changes))


def test_a_scale_with_one_item_is_refused():
    one_item = _minimal(
        items=[{"id": "c1", "scale": "calm", "text": {"en": "x"}}, {"id": "c2", "scale": "calm", "text": {"en": "y"}}]
    )
    one_item["scales"].append({"id": "drive", "name": {"en": "D"}, "description": {"en": "D."}})
    one_item["items"].append({"id": "d1", "scale": "drive", "text": {"en": "z"}})
    with pytest.raises(ValidationError, match="has 1 item"):
        Instrument.model_validate(one_item)


def test_instrument_files_of_unknown_type_are_refused(tmp_path):
    path = tmp_path / "instrument.yaml"
    path.write_text(json.dumps(_minimal()), encoding="utf-8")
    with pytest.raises(ValueError, match=r"must end in \.json or \.toml"):
        load_instrument(path)


def test_an_unknown_instrument_name_says_which_are_built_in():
    """Not a bare [Errno 2]: the name may be a mistyped built-in one (customer-contact-1.2)."""
    with pytest.raises(FileNotFoundError, match=r"no instrument 'customer-contact-1\.2': give a built-in one "):
        load_instrument("customer-contact-1.2")
