"""An export saved as UTF-16 without a byte-order mark is read as UTF-16; UTF-8 text never is.

Rule: a header of letters in UTF-16 has a zero byte beside each one; UTF-8 text has none. So a file whose
bytes are plainly UTF-16 (nine in ten of one side zero, almost none of the other) is read as UTF-16 little or
big endian, and any UTF-8 text without NUL characters is read as UTF-8, as before.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilefit.core.screening import Screener
from profilefit.data.batch import encoding_of, score_batch

_NO_NUL = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))


@given(st.text(_NO_NUL, min_size=0, max_size=300))
def test_property_utf8_text_is_never_taken_for_utf16(text):
    assert encoding_of(text.encode("utf-8"), None) is None


@given(st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz_0123456789;,\r\n æøåÆØÅ"), min_size=4, max_size=300))
def test_property_latin_text_in_utf16_without_a_mark_is_told_by_its_zeros(text):
    assert encoding_of(text.encode("utf-16-le"), None) == "utf-16-le"
    assert encoding_of(text.encode("utf-16-be"), None) == "utf-16-be"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_export_without_a_mark_is_scored_as_its_utf8_twin(tmp_path, codec):
    rows = [["candidate_id", "tc1", "tc3", "sj1"], ["c1", "4", "5", "b"], ["Øystein", "2", "", "a"]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    plain, wide = tmp_path / "plain.csv", tmp_path / "wide.csv"
    plain.write_bytes(buffer.getvalue().encode("utf-8"))
    wide.write_bytes(buffer.getvalue().encode(codec))  # no byte-order mark
    screener = Screener.load()
    expected = score_batch(screener, plain, output="results")
    got = score_batch(screener, wide, output="results")
    assert [r.candidate_id for r in got.results] == ["c1", "Øystein"]
    assert [r.model_dump() for r in got.results] == [r.model_dump() for r in expected.results]
