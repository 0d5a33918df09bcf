"""One demographics reader (profilefit.data.demographics): the audit and item bias (DIF) read a file alike."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import category_names

from profilefit.data.demographics import DIMENSIONS, read_demographic_column, read_demographics
from profilefit.evidence import audit
from profilefit.evidence.dif._inputs import _categories as dif_categories
from profilefit.exceptions import AuditInputError, DifInputError

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
            assert dif_categories(path, dimension) == by_person
        languages = read_demographic_column(path, "language")
        assert dif_categories(path, "language") == languages
        for dimension in ("sex", "race_ethnicity"):
            assert read_demographic_column(path, dimension) == dif_categories(path, dimension)
    for row in rows:  # blank, "unknown" and "declined" are unknown in every column; other names are kept
        language = row["language"].strip()
        assert languages[row["candidate_id"]] == (None if language.lower() in {"", "unknown", "declined"} else language)


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
