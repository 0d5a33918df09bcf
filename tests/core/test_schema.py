import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from profilefit.core.instrument import BLOCK_ANSWERS, load_instrument
from profilefit.core.rows import echo
from profilefit.core.schema import (
    BLOCK_ALLOWED,
    DEMOGRAPHIC_FIELDS,
    assessment_model,
    build_assessment_model,
    describe_errors,
)
from profilefit.core.screening import json_schemas
from tests.strategies import HIDDEN_CATEGORIES, assessments, bad_answers

INSTRUMENT = load_instrument()
Assessment = assessment_model()
SCHEMA_DIR = Path(__file__).parents[2] / "docs" / "schema"


@given(assessments(INSTRUMENT))
def test_dump_then_validate_gives_the_same_assessment(record):
    assessment = Assessment.model_validate(record)
    assert Assessment.model_validate(assessment.model_dump()) == assessment
    assert Assessment.model_validate_json(assessment.model_dump_json()) == assessment


@given(st.sampled_from(INSTRUMENT.item_ids + INSTRUMENT.check_ids), bad_answers(INSTRUMENT))
def test_any_bad_answer_raises_an_error_naming_the_item(item_id, value):
    with pytest.raises(ValidationError) as caught:
        Assessment.model_validate({"candidate_id": "c1", item_id: value})
    problems = describe_errors(caught.value)
    assert [p["field"] for p in problems] == [item_id]
    assert "from 1 to 6" in problems[0]["reason"] or "valid" in problems[0]["reason"]
    assert item_id in str(caught.value)


@given(
    st.sampled_from(INSTRUMENT.scenario_ids),
    # The row rule reads " B " as option b and blank text as unanswered.
    st.text(max_size=3).filter(lambda s: s.strip() and s.strip().lower() not in {"a", "b", "c", "d"}),
)
def test_an_unknown_option_names_the_scenario_and_what_is_allowed(scenario_id, value):
    with pytest.raises(ValidationError) as caught:
        Assessment.model_validate({"candidate_id": "c1", scenario_id: value})
    problems = describe_errors(caught.value)
    assert problems[0]["field"] == scenario_id
    assert problems[0]["value"] == echo(value.strip())  # named as written, not lower-cased (controls shown)
    assert "'a', 'b', 'c' or 'd'" in problems[0]["reason"]


def test_the_fields_are_strict_behind_the_row_rule():
    """The row rule reads "4" and 4.0 as 4; what it leaves (4.5, "4,0", true) the strict fields refuse."""
    for value in ["4", " 4 ", 4.0, "4.0", "+4"]:
        assert Assessment.model_validate({"candidate_id": "c1", "tc1": value}).tc1 == 4
    for value in [4.5, "4,0", True, "٤"]:
        with pytest.raises(ValidationError, match="tc1"):
            Assessment.model_validate({"candidate_id": "c1", "tc1": value})


@pytest.mark.parametrize("field", sorted(DEMOGRAPHIC_FIELDS))
def test_demographic_fields_are_refused_and_pointed_to_the_audit(field):
    with pytest.raises(ValidationError, match="profilefit audit") as caught:
        Assessment.model_validate({"candidate_id": "c1", field: "x"})
    assert describe_errors(caught.value) == [{"field": field, "value": "x", "reason": caught.value.errors()[0]["msg"]}]


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError) as caught:
        Assessment.model_validate({"candidate_id": "c1", "tc99": 3})
    assert describe_errors(caught.value)[0]["reason"].startswith("not a field of this instrument")


def test_assessments_are_frozen():
    assessment = Assessment(candidate_id="c1", tc1=3)
    with pytest.raises(ValidationError):
        assessment.tc1 = 4  # type: ignore[misc]


def test_custom_instrument_gets_its_own_range(custom_instrument):
    Custom = build_assessment_model(custom_instrument)
    assert Custom(candidate_id="x", calm1=5).calm1 == 5
    with pytest.raises(ValidationError) as caught:
        Custom(candidate_id="x", calm1=6)
    assert "from 1 to 5" in describe_errors(caught.value, custom_instrument)[0]["reason"]


@pytest.mark.parametrize("which", ["assessment", "result"])
def test_committed_json_schema_is_current(which):
    """Regenerate with: profilefit schema --which NAME > docs/schema/NAME.schema.json"""
    committed = json.loads((SCHEMA_DIR / f"{which}.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schemas()[which], f"docs/schema/{which}.schema.json is stale; regenerate it"


def test_committed_json_schema_of_instrument_2_is_current():
    """Regenerate with: profilefit schema --instrument customer-contact-2.0 --which assessment
    > docs/schema/assessment-2.0.schema.json"""
    committed = json.loads((SCHEMA_DIR / "assessment-2.0.schema.json").read_text(encoding="utf-8"))
    current = json_schemas(load_instrument("customer-contact-2.0"))["assessment"]
    assert committed == current, "docs/schema/assessment-2.0.schema.json is stale; regenerate it"


@pytest.fixture(scope="module")
def forced_choice():
    return load_instrument("customer-contact-2.0")


@given(answer=st.sampled_from(BLOCK_ANSWERS), upper=st.lists(st.booleans(), min_size=2, max_size=2))
def test_block_fields_take_two_letters_in_either_case(forced_choice, answer, upper):
    Assessment = assessment_model(forced_choice)
    spelt = "".join(letter.upper() if up else letter for letter, up in zip(answer, upper, strict=True))
    block = forced_choice.block_ids[0]
    assessment = Assessment.model_validate({"candidate_id": "c1", block: f" {spelt} "})
    assert getattr(assessment, block) == answer
    assert assessment.answers() == {block: answer}


@pytest.mark.parametrize("value", ["aa", "abc", "a", "ad", 3, "a b", "ca,"])
def test_a_bad_block_answer_names_field_value_and_the_two_letter_rule(forced_choice, value):
    Assessment = assessment_model(forced_choice)
    block = forced_choice.block_ids[-1]
    with pytest.raises(ValidationError) as caught:
        Assessment.model_validate({"candidate_id": "c1", block: value})
    (problem,) = describe_errors(caught.value, forced_choice)
    assert problem["field"] == block
    assert problem["value"] == value
    assert problem["reason"] == BLOCK_ALLOWED
    assert "most like you then the one least like you (ab, ac, ba, bc, ca, cb)" in problem["reason"]
    # Without the instrument, as docs/schema.md's example calls it: the block names 2.0, so the same reason.
    assert describe_errors(caught.value) == [problem]


def test_instrument_2_has_no_item_fields_and_its_json_schema_lists_the_answers(forced_choice):
    schema = json_schemas(forced_choice)["assessment"]["properties"]
    assert not set(schema) & {item.id for item in load_instrument().items}
    for block in forced_choice.block_ids:
        assert schema[block]["anyOf"][0]["enum"] == list(BLOCK_ANSWERS)


def test_a_key_that_differs_from_a_field_only_in_case_is_the_field():
    """A key in another case is its field at every door, as a table's header is read (it was refused here while
    an export read it: one record, two decisions); with its lower-case twin it names one field twice."""
    from pydantic import ValidationError

    from profilefit.core.instrument import load_instrument
    from profilefit.core.schema import assessment_model, describe_errors

    instrument = load_instrument("customer-contact-2.0")
    model = assessment_model(instrument)
    upper = model.model_validate({"candidate_id": "c1", "B01": "ab"})
    assert upper == model.model_validate({"candidate_id": "c1", "b01": "ab"})
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"candidate_id": "c1", "b01": "ab", "B01": "ba"})
    (problem,) = describe_errors(caught.value, instrument)
    assert "b01" in problem["reason"] and "more than once" in problem["reason"]


@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_property_an_echoed_value_holds_no_control_character(text):
    """A NUL in a rejects file or an escape sequence printed to a terminal would act instead of being read; a
    right-to-left override would show a spreadsheet's reader the value reversed."""
    shown = echo(text)
    assert not any(unicodedata.category(char) in HIDDEN_CATEGORIES for char in shown)
    kept = [char for char in text if unicodedata.category(char) not in HIDDEN_CATEGORIES]
    assert all(char in shown for char in kept) or len(text) > 80


@pytest.mark.parametrize("field", ["b01", "sj1", "completion_seconds", "candidate_id"])
def test_a_key_given_twice_but_for_spaces_is_named_as_repeated_whatever_its_field(forced_choice, field):
    """It was told as the field's answer rule ("allowed: two letters ...") for a block, although both were allowed."""
    from profilefit.core.screening import Screener

    screener = Screener.load("reference-2.0")
    record = {"candidate_id": "c1", f" {field}": "ca", field: "ba"}
    with pytest.raises(ValidationError) as caught:
        screener.score(record)
    [problem] = describe_errors(caught.value, forced_choice)
    assert problem["field"] == field and "appears more than once" in problem["reason"], problem


#: Bad records of either built-in instrument: unknown keys in other cases, bad values of shared fields, blocks.
BAD_RECORDS = [
    {"candidate_id": "c1", "TC1": 3, "b01": "ab"},
    {"candidate_id": "c1", "tc1": 3, "sj2": "z"},
    {"candidate_id": "c1", "chk1": 9, "B1": "ab"},
    {"candidate_id": "c1", "tc1": 9, "b01": "zz"},
    {"candidate_id": "c1", "Tc1": 7, "completion_seconds": -1},
    {"candidate_id": "c1", "B01": "ab", "b02": "ab", "sj1": "a", "sex": "f"},
    {"candidate_id": "c1", "b01": "AB ", "chk2": 0},
]


@pytest.mark.parametrize("version", ["customer-contact", "customer-contact-2.0"])
@pytest.mark.parametrize("record", BAD_RECORDS, ids=range(len(BAD_RECORDS)))
def test_describe_errors_without_the_instrument_gives_the_reasons_it_gives_with_it(version, record):
    """The call docs/schema.md shows infers 1.2 or 2.0 from the problems, as the instrument's own model raised them."""
    model = assessment_model(load_instrument(version))
    with pytest.raises(ValidationError) as caught:
        model.model_validate(record)
    assert describe_errors(caught.value) == describe_errors(caught.value, model.instrument)


def test_an_agreement_item_on_2_0_is_not_a_field_there_whatever_its_case():
    model = assessment_model(load_instrument("customer-contact-2.0"))
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"candidate_id": "c1", "TC1": 3, "b01": "ab"})
    (problem,) = describe_errors(caught.value)
    # One stray key of 1.2 beside a block: its own problem, named as written, saying which version asks it.
    assert problem["field"] == "TC1" and "the field is 'tc1'" not in problem["reason"], problem
    assert "1.2" in problem["reason"] and "2.0" in problem["reason"], problem


@pytest.mark.parametrize(
    ("model_name", "own", "other", "answers"),
    [
        ("reference", "1.2", "2.0", {f"b{k:02d}": "ac" for k in range(1, 25)}),
        ("reference-2.0", "2.0", "1.2", {item: 4 for item in INSTRUMENT.item_ids}),
    ],
)
def test_an_assessment_of_the_other_version_is_one_problem_naming_both_versions(model_name, own, other, answers):
    """A trial: a 2.0 assessment given to a 1.2 Screener was 24 "Extra inputs are not permitted", none saying why."""
    from profilefit.core.screening import Screener

    screener = Screener.load(model_name)
    with pytest.raises(ValidationError) as caught:
        screener.score({"candidate_id": "c1", "sj1": "a", **answers})
    assert caught.value.error_count() == 1, caught.value
    [problem] = describe_errors(caught.value, screener.instrument)
    assert problem["field"] == "(assessment)" and problem["value"] is None
    assert f"version {other}" in problem["reason"] and f"version {own}" in problem["reason"], problem
    assert f"{len(answers) - 3} more" in problem["reason"]


def test_the_other_version_s_problem_leaves_the_row_s_other_problems_named():
    """Only the other version's keys are folded into one problem; a bad answer and a typo keep their own."""
    record = {"candidate_id": "c1", " B01 ": "ac", "b02": "ba", "b03": "cb", "tc1": 9, "tc2": 1, "gender": "f"}
    with pytest.raises(ValidationError) as caught:
        Assessment.model_validate(record)
    problems = describe_errors(caught.value, INSTRUMENT)
    assert [problem["field"] for problem in problems] == ["gender", "(assessment)", "tc1", "tc2"], problems
    assert "'B01'" in problems[1]["reason"] and "version 2.0" in problems[1]["reason"]
    assert "not a field of this instrument" in problems[3]["reason"]


@pytest.mark.parametrize("strays", [1, 2])
def test_a_few_keys_of_the_other_version_in_an_assessment_of_this_one_are_named_one_by_one(strays):
    """As the batch rejects them: a record answering more of 1.2's items than of 2.0's blocks is a 1.2 record
    with stray keys, each named with its value and the version that asks it (not folded into one problem)."""
    items = dict(zip(INSTRUMENT.item_ids[:3], (4, 2, 5), strict=True))
    record = {"candidate_id": "c1", **items} | {f"b0{k}": "ac" for k in range(1, strays + 1)}
    with pytest.raises(ValidationError) as caught:
        Assessment.model_validate(record)
    problems = describe_errors(caught.value, INSTRUMENT)
    assert [(problem["field"], problem["value"]) for problem in problems] == [
        (f"b0{k}", "ac") for k in range(1, strays + 1)
    ], problems
    assert all("2.0" in problem["reason"] for problem in problems), problems


def test_an_own_instrument_without_built_in_versions_keeps_the_not_a_field_problem():
    """The version problem is only for the versions profilefit ships; an organisation's instrument is not guessed at."""
    own = build_assessment_model(INSTRUMENT.model_copy(update={"id": "our-own"}))
    with pytest.raises(ValidationError) as caught:
        own.model_validate({"candidate_id": "c1", "tc1": 3, "b01": "ac"})
    [problem] = describe_errors(caught.value, own.instrument)
    assert problem["field"] == "b01" and "not a field of this instrument" in problem["reason"]
