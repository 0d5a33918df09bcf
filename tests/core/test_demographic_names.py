"""Demographic names in every report language: one data file, read by the schema, the batch reader and the audit."""

from __future__ import annotations

import unicodedata

import pytest
from pydantic import ValidationError

from profilefit.core.demographic_names import (
    demographic_field,
    demographic_name_folds,
    demographic_name_key,
    demographic_names,
)
from profilefit.core.instrument import load_instrument
from profilefit.core.schema import DEMOGRAPHIC_FIELDS, assessment_model, describe_errors

#: Names an export from Oslo, Stockholm or Utrecht carries, and the English field each is.
LOCAL_NAMES = {
    "Kjønn": "sex",
    "Kön": "sex",
    "Geslacht": "sex",
    "Alder": "age",
    "Ålder": "age",
    "Leeftijd": "age",
    "Nationaliteit": "nationality",
    "Nasjonalitet": "nationality",
    "Nationalitet": "nationality",
    "Etnisitet": "race_ethnicity",
    "Fødselsdato": "birth_date",
    "Burgerlijke staat": "marital_status",
}


def _spellings(name: str) -> list[str]:
    """The same name as other systems write it: upper and lower case, decomposed accents, padded, full-width."""
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)
    return [name, name.upper(), name.lower(), unicodedata.normalize("NFD", name), f" {name} ", full_width]


@pytest.mark.parametrize(("name", "field"), sorted(LOCAL_NAMES.items()))
def test_a_local_name_is_its_english_field_in_any_case_and_unicode_form(name, field):
    for spelling in _spellings(name):
        assert demographic_field(spelling) == field, repr(spelling)


def test_the_english_names_are_still_demographic_and_come_from_the_file():
    english = {"age", "age_band", "birth_date", "birth_year", "date_of_birth", "dob", "disability", "ethnicity"}
    english |= {"gender", "marital_status", "nationality", "national_origin", "pregnancy", "race", "race_ethnicity"}
    english |= {"religion", "sex", "sexual_orientation"}
    assert english <= set(demographic_names()) == set(DEMOGRAPHIC_FIELDS)
    assert demographic_field("GENDER") == "gender" and demographic_field("Date of birth") == "birth_date"


@pytest.mark.parametrize("version", ["customer-contact", "customer-contact-2.0"])
def test_no_demographic_name_is_a_field_of_a_shipped_instrument(version):
    instrument = load_instrument(version)
    fields = set(assessment_model(instrument).model_fields)
    assert not {name for name in fields if demographic_field(name) is not None}


@pytest.mark.parametrize("version", ["customer-contact", "customer-contact-2.0"])
@pytest.mark.parametrize("name", ["Kjønn", "KÖN", "geslacht", "Leeftijd", "Ålder", "Nationaliteit"])
def test_the_schema_refuses_a_local_demographic_key_and_points_to_the_audit(version, name):
    model = assessment_model(load_instrument(version))
    with pytest.raises(ValidationError, match="profilefit audit") as caught:
        model.model_validate({"candidate_id": "c1", name: "x"})
    assert describe_errors(caught.value, model.instrument) == [
        {"field": name, "value": "x", "reason": caught.value.errors()[0]["msg"]}
    ]


def test_a_name_key_folds_case_unicode_and_separators():
    assert demographic_name_key("  Date-of  Birth ") == "date_of_birth"
    assert demographic_name_key("KÖN") == demographic_name_key(unicodedata.normalize("NFD", "kön")) == "kön"


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("Kjonn", "sex"),
        ("Kjoenn", "sex"),
        ("Kon", "sex"),
        ("Koen", "sex"),
        ("Aalder", "age"),
        ("Alder", "age"),
        ("Aldersgrupp", "age_band"),
        ("Fodselsdato", "birth_date"),
        ("Fodselsår", "birth_year"),
        ("Funktionsnedsattning", "disability"),
        ("Seksuele orientatie", "sexual_orientation"),
    ],
)
def test_an_ascii_fold_of_a_name_is_its_field(name, field):
    """Exports strip ø, å and ö: ``Kjonn`` was not demographic, so the audit left it out without a word."""
    for spelling in (name, name.upper(), f" {name} "):
        assert demographic_field(spelling) == field, repr(spelling)


def test_the_folds_of_the_names_give_no_name_two_fields():
    names = demographic_names()  # raises when a fold of one field's name is a name of another
    assert names["kjonn"] == names["kjoenn"] == names["kjønn"] == "sex"
    assert demographic_name_folds("kön") == {"kon", "koen"}
