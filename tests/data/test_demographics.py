"""One demographics reader (profilefit.data.demographics): the audit and item bias (DIF) read a file alike."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profilefit.data.demographics import (
    DIMENSIONS,
    Demographics,
    DemographicsTable,
    category_key,
    read_demographic_column,
    read_demographics,
    unaudited_note,
)
from profilefit.evidence import audit
from profilefit.evidence.dif._inputs import _categories as dif_categories
from profilefit.exceptions import AuditInputError, DifInputError
from tests.strategies import audit_inputs, category_names

#: Cells a demographics file may hold: names, and the spellings of "unknown".
cells = st.one_of(category_names(), st.sampled_from(["", " ", "unknown", "Declined", "UNKNOWN"]))
ages = st.one_of(st.integers(16, 90).map(str), st.sampled_from(["", "declined"]))


def _write(path: Path, rows: list[dict[str, str]], delimiter: str) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)


@settings(max_examples=40, deadline=None)
@given(
    people=st.lists(
        st.fixed_dictionaries({"sex": cells, "race_ethnicity": cells, "age": ages, "language": cells}),
        min_size=1,
        max_size=8,
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_the_audit_and_dif_read_every_column_of_a_demographics_file_alike(people, delimiter):
    """Rule: one reader decides each category; the audit, DIF by a dimension and DIF by another column agree."""
    rows = [{"candidate_id": f"c{k}", **person} for k, person in enumerate(people)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demographics.csv"
        _write(path, rows, delimiter)
        table = audit.read_demographics(path)
        assert table == read_demographics(path)
        for dimension in DIMENSIONS:
            by_person = {candidate_id: getattr(person, dimension) for candidate_id, person in table.people.items()}
            assert dif_categories(path, dimension).categories == by_person
        languages = read_demographic_column(path, "language")
        assert dif_categories(path, "language") == languages
        for dimension in ("sex", "race_ethnicity"):
            assert read_demographic_column(path, dimension) == dif_categories(path, dimension)
    # Blank, "unknown" and "declined" are unknown in every column; other names are kept, each under the
    # spelling shared by every name that differs from it only in case or spacing (category_key).
    for row in rows:
        language, read = row["language"].strip(), languages.categories[row["candidate_id"]]
        if language.lower() in {"", "unknown", "declined"}:
            assert read is None
        else:
            assert read is not None and category_key(read) == category_key(language)
    assert len({category_key(name) for name in languages.categories.values() if name is not None}) == len(
        {name for name in languages.categories.values() if name is not None}
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("candidate_id,sex,language\n,Male,nb\n", "line 2, field 'candidate_id': empty"),
        ("candidate_id,sex,language\na,Male,nb\na,Female,sv\n", "line 3, field 'candidate_id': 'a' repeats line 2"),
        ("id,sex,language\na,Male,nb\n", "has no column 'candidate_id'"),
    ],
)
def test_the_audit_and_dif_refuse_a_bad_file_with_the_same_words(tmp_path, text, message):
    path = tmp_path / "demographics.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuditInputError, match=message) as audited:
        audit.read_demographics(path)
    for by in ("sex", "language"):
        with pytest.raises(DifInputError, match=message) as compared:
            dif_categories(path, by)
        assert str(compared.value) == str(audited.value)


def test_the_audit_names_of_the_demographics_file_are_the_one_readers():
    from profilefit.data import demographics

    assert audit.Demographics is demographics.Demographics
    assert audit.DemographicsTable is demographics.DemographicsTable
    assert audit.AGE_BANDS == demographics.AGE_BANDS and audit.age_band_of is demographics.age_band_of


def test_spellings_of_a_category_that_differ_in_case_spacing_or_form_are_one_category(tmp_path):
    """The trial's file: 127 people wrote ``Vrouw``, 72 ``vrouw``; one group, shown as most of them wrote it."""
    rows = [{"candidate_id": f"v{k}", "sex": "Vrouw", "race_ethnicity": "Two or More Races"} for k in range(127)]
    rows += [{"candidate_id": f"w{k}", "sex": "vrouw ", "race_ethnicity": "two or  more\u00a0races"} for k in range(72)]
    rows += [{"candidate_id": "x", "sex": "ＶＲＯＵＷ", "race_ethnicity": "Asian"}, {"candidate_id": "y", "sex": "Man"}]
    path = tmp_path / "demographics.csv"
    _write(path, [{"race_ethnicity": "", **row} for row in rows], ";")
    table = read_demographics(path)
    assert {person.sex for person in table.people.values()} == {"Vrouw", "Man"}
    assert sum(person.sex == "Vrouw" for person in table.people.values()) == 200
    assert table.people["w0"].race_ethnicity == "Two or More Races"
    assert [(m.column, m.shown, m.spellings) for m in table.merged] == [
        ("sex", "Vrouw", (("Vrouw", 127), ("vrouw", 72), ("ＶＲＯＵＷ", 1))),
        ("race_ethnicity", "Two or More Races", (("Two or More Races", 127), ("two or  more\u00a0races", 72))),
    ]
    assert table.merged[0].note() == (
        "sex: 'Vrouw' (127), 'vrouw' (72) and 'ＶＲＯＵＷ' (1) counted as one category, 200 people, shown as 'Vrouw'"
    )
    assert read_demographic_column(path, "sex").merged == table.merged[:1]


def test_on_a_tie_the_spelling_written_first_is_shown(tmp_path):
    path = tmp_path / "demographics.csv"
    path.write_text("candidate_id,sex\na,female\nb,Female\nc,FEMALE\nd,Female\ne,female\n", encoding="utf-8")
    assert {person.sex for person in read_demographics(path).people.values()} == {"female"}


def _respell(draw: st.DrawFn, name: str) -> str:
    """``name`` in another case and with other spacing: the same category to the reader."""
    cased = "".join(
        letter.upper() if draw(st.booleans()) else letter.lower() for letter in name
    )  # per letter, so "ab" may become "aB"
    spaced = " ".join(cased.split(" ")) if not draw(st.booleans()) else "  ".join(cased.split(" "))
    return draw(st.sampled_from(["", " ", "\t", "\u00a0"])) + spaced + draw(st.sampled_from(["", "  ", "\u3000"]))


def _numbers(value: object) -> object:
    """The audit report with every name reduced to its category key: what must not change with spelling."""
    import dataclasses
    import math

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return {f.name: _numbers(getattr(value, f.name)) for f in fields if f.name != "merged_categories"}
    if isinstance(value, dict):
        return {_numbers(key): _numbers(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_numbers(item) for item in value]
    if isinstance(value, str):
        return " × ".join(category_key(part) for part in value.split(" × "))
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


@settings(max_examples=30, deadline=None)
@given(inputs=audit_inputs(max_size=40, max_categories=3), data=st.data())
def test_respelling_categories_never_changes_the_audits_numbers(inputs, data):
    """Property: re-casing and re-spacing any categories of the demographics file leaves every figure alone."""
    candidates, table = inputs

    def rows(spell) -> list[dict[str, str]]:
        return [
            {
                "candidate_id": candidate_id,
                "sex": "" if person.sex is None else spell(person.sex),
                "race_ethnicity": "" if person.race_ethnicity is None else spell(person.race_ethnicity),
            }
            for candidate_id, person in table.people.items()
        ]

    with tempfile.TemporaryDirectory() as folder:
        as_drawn, respelled = Path(folder) / "as_drawn.csv", Path(folder) / "respelled.csv"
        _write(as_drawn, rows(lambda name: name), ",")
        _write(respelled, rows(lambda name: _respell(data.draw, name)), ",")
        first, second = read_demographics(as_drawn), read_demographics(respelled)
    # One category per key, whatever the spellings (audit_inputs may itself draw "a" and "A").
    for read in (first, second):
        for dimension in ("sex", "race_ethnicity"):
            names = {getattr(p, dimension) for p in read.people.values()} - {None}
            assert len({category_key(name) for name in names}) == len(names)
    assert _numbers(audit.adverse_impact(candidates, first)) == _numbers(audit.adverse_impact(candidates, second))
    merged_keys = {(m.column, category_key(m.shown)) for m in second.merged}
    assert all(len(m.spellings) > 1 for m in second.merged) and len(merged_keys) == len(second.merged)


def test_a_table_made_in_code_keeps_its_names():
    """Only the reader merges spellings: a DemographicsTable built in code is audited as it is given."""
    table = DemographicsTable(frozenset({"sex"}), {"a": Demographics(sex="F")})
    assert table.merged == ()


# ---- columns named in Norwegian, Swedish or Dutch ---------------------------------------------------


@pytest.mark.parametrize(
    ("sex", "age", "race"),
    [("Kjønn", "Alder", "Etnisitet"), ("Kön", "Ålder", "Etnicitet"), ("Geslacht", "Leeftijd", "Etniciteit")],
)
@pytest.mark.parametrize("spell", [str, str.upper, str.lower])
def test_a_file_with_local_column_names_reads_as_the_english_one(tmp_path, sex, age, race, spell):
    english = tmp_path / "english.csv"
    english.write_text("candidate_id;sex;age;race_ethnicity\na;Kvinne;41;x\nb;Mann;23;y\nc;;;\n", encoding="utf-8-sig")
    local = tmp_path / "local.csv"
    local.write_text(
        f"candidate_id;{spell(sex)};{spell(age)};{spell(race)}\na;Kvinne;41;x\nb;Mann;23;y\nc;;;\n",
        encoding="utf-8-sig",
    )
    assert read_demographics(local) == read_demographics(english)
    assert audit.read_demographics(local).dimensions == {"sex", "race_ethnicity", "age_band"}
    assert read_demographics(local).people["a"] == Demographics(
        sex="Kvinne", race_ethnicity="x", age_band="40_and_over"
    )


def test_a_bad_age_under_a_local_name_is_named_as_written(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("candidate_id,Leeftijd\na,veertig\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"(?i)line 2, field 'Leeftijd': expected whole years, got 'veertig'"):
        audit.read_demographics(path)


def test_two_columns_for_one_field_are_refused_rather_than_one_dropped(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("candidate_id,sex,Geslacht\na,F,V\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"has 2 columns for 'sex': 'sex' and 'Geslacht'; keep one"):
        audit.read_demographics(path)


def test_three_columns_for_one_field_are_counted_and_named_as_written(tmp_path):
    """The trial's message said "two columns" for three, each lower-cased."""
    path = tmp_path / "d.csv"
    path.write_text("candidate_id;Sex;Geslacht;KJØNN\na;F;V;K\n", encoding="utf-8")
    with pytest.raises(AuditInputError) as caught:
        audit.read_demographics(path)
    assert f"{path} has 3 columns for 'sex': 'Sex', 'Geslacht' and 'KJØNN'; keep one" in str(caught.value)


# ---- ASCII exports, and columns that are not audited ---------------------------------------------------


@pytest.mark.parametrize(
    ("sex", "age"),
    [("Kjonn", "Alder"), ("Kjoenn", "Aalder"), ("Kon", "Alder"), ("KOEN", "AALDER"), ("Geslacht", "Leeftijd")],
)
def test_a_column_named_in_ascii_reads_as_its_field(tmp_path, sex, age):
    """Kjønn with its letter stripped (an export's ``Kjonn``) gave no sex section and no warning."""
    english = tmp_path / "english.csv"
    english.write_text("candidate_id;sex;age\na;Kvinne;41\nb;Mann;23\n", encoding="utf-8-sig")
    ascii_named = tmp_path / "ascii.csv"
    ascii_named.write_text(f"candidate_id;{sex};{age}\na;Kvinne;41\nb;Mann;23\n", encoding="utf-8-sig")
    table = read_demographics(ascii_named)
    assert table == read_demographics(english)
    assert table.dimensions == {"sex", "age_band"} and table.unaudited == ()


def test_every_column_neither_audited_nor_the_id_is_named_as_written(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("candidate_id,Gender,Alder,Language,\na,F,41,nb,\n", encoding="utf-8")
    table = read_demographics(path)
    assert table.dimensions == {"age_band"}
    assert table.unaudited == ("Gender", "Language")  # the empty name of a trailing delimiter is nothing
    note = unaudited_note(table.unaudited)
    assert note is not None
    assert note.startswith(
        "2 columns of the demographics file not audited: 'Gender' (a name for gender, which is not audited) "
        "and 'Language'; the audit reads sex, race_ethnicity, age and age_band"
    )
    assert unaudited_note(()) is None


def test_gender_is_not_read_as_sex(tmp_path):
    """``gender`` is gender identity in the names file (``Kjønnsidentitet``), a field apart from ``sex``."""
    path = tmp_path / "d.csv"
    path.write_text("candidate_id;gender;Alder\na;Female;39\n", encoding="utf-8-sig")
    table = read_demographics(path)
    assert "sex" not in table.dimensions and table.unaudited == ("gender",)
