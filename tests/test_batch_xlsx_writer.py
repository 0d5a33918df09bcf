"""Twin test: the column-wise Excel writer gives the cells openpyxl's cell-by-cell writer gave.

``XlsxSheet`` builds the sheet's XML from whole columns (shared strings for repeated texts, inline
text otherwise). The reference is the writer it replaced: openpyxl's write-only workbook, fed each
cell converted by the old rule (a finite number as it is, NaN and infinities empty, booleans as
they are, text through ``xlsx_text``). Both workbooks, read back by openpyxl and by calamine, must
hold the same values, over hostile text (formula starts, apostrophes, control characters, a lone
carriage return, markup, surrounding spaces, empty text) and chunks of any size.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilefit.data.batch._xlsx import XlsxSheet, _xml_safe, xlsx_text
from profilefit.data.io import FORMULA_START, neutralise

pa = pytest.importorskip("pyarrow")
openpyxl = pytest.importorskip("openpyxl")
calamine = pytest.importorskip("python_calamine")

KINDS = ("text", "number", "number", "bool", "text", "safe")
HEADER = ["candidate_id", "confidence", "row", "needs_review", "=profile", "value"]

texts = st.one_of(
    st.sampled_from(["", " ", "rock", "a&b<c>", "x\ry", "x\r\ny", " padded ", "'=x", "''", "'", "=1+1", "-inf"]),
    st.builds(lambda start, rest: start + rest, st.sampled_from([*FORMULA_START, "'"]), st.text(max_size=6)),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8),
)
# Beyond 1e300 openpyxl's 16 digits may round past the largest float (1.797693134862316e+308 reads as inf).
floats = st.one_of(
    st.none(), st.floats(-1e300, 1e300), st.sampled_from([0.1, 2 / 3, 1e-7, 1e10, 1e21, math.nan, -math.inf])
)


@st.composite
def columns(draw: st.DrawFn) -> list[list[Any]]:
    n = draw(st.integers(1, 40))
    pool = draw(st.lists(texts, min_size=1, max_size=4))  # repeated texts take the shared-string path
    few = st.sampled_from(pool)
    return [
        draw(st.lists(st.one_of(st.none(), texts, few), min_size=n, max_size=n)),
        draw(st.lists(floats, min_size=n, max_size=n)),
        draw(st.lists(st.integers(-(2**53), 2**53), min_size=n, max_size=n)),  # a row is never wholly empty
        draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n)),
        draw(st.lists(st.one_of(few, st.none()), min_size=n, max_size=n)),
        # A reject's value: text the caller neutralised, or a number.
        draw(st.lists(st.one_of(st.none(), few.map(neutralise), st.floats(-1e6, 1e6)), min_size=n, max_size=n)),
    ]


def _reference_cell(value: Any, kind: str) -> Any:
    """The old writer's rule for one cell."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if kind in ("number", "bool"):
        return value
    if kind == "safe":  # neutralised by the caller; a number stays a number
        return _xml_safe(value) if isinstance(value, str) else value
    return xlsx_text(str(value))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _reference(path: Path, cells: list[list[Any]]) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("results")
    sheet.append([xlsx_text(name) for name in HEADER])
    for row in zip(*cells, strict=True):
        sheet.append([_reference_cell(value, kind) for value, kind in zip(row, KINDS, strict=True)])
    workbook.save(path)


def _arrow(values: list[Any], kind: str) -> Any:
    if kind == "number" and any(isinstance(value, int) for value in values):
        return pa.array(values, pa.int64())
    if kind == "number":
        return pa.array(values, pa.float64())
    if kind == "bool":
        return pa.array(values, pa.bool_())
    if kind == "text":
        return pa.array(values, pa.string())
    return values  # a mixed column (a reject's value): written a cell at a time, as the rejects writer does


def _openpyxl_values(path: Path) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(path).active
    rows = [["" if cell.value is None else cell.value for cell in row] for row in sheet.iter_rows()]
    return [row + [""] * (len(HEADER) - len(row)) for row in rows]


def _calamine_values(path: Path) -> list[list[Any]]:
    return calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


@given(cells=columns(), cut=st.integers(0, 40), data=st.data())
def test_the_column_writer_gives_the_cells_of_the_cell_by_cell_writer(tmp_path_factory, cells, cut, data):
    directory = tmp_path_factory.mktemp("xlsx")
    n = len(cells[0])
    cut = min(cut, n)
    as_list = data.draw(st.booleans())  # the same cells given as lists (the rejects writer's way)
    sheet = XlsxSheet(directory / "new.xlsx", HEADER, KINDS, title="results")
    for start, stop in ((0, cut), (cut, n)):
        part = [values[start:stop] for values in cells]
        sheet.append_columns(
            [values if as_list else _arrow(values, kind) for values, kind in zip(part, KINDS, strict=True)]
        )
    sheet.close()
    _reference(directory / "old.xlsx", cells)
    for read in (_openpyxl_values, _calamine_values):  # calamine is profilefit's reader of results
        new, old = read(directory / "new.xlsx"), read(directory / "old.xlsx")
        assert len(new) == len(old) == n + 1
        for row_new, row_old in zip(new, old, strict=True):
            assert len(row_new) == len(row_old)
            for a, b in zip(row_new, row_old, strict=True):
                # openpyxl wrote a float with 16 significant digits (and a whole one without a point, which
                # openpyxl reads back as an int); the new writer writes the shortest text that reads back as
                # the same float. A spreadsheet has one kind of number.
                if _number(a) and _number(b):
                    assert a == pytest.approx(b, rel=1e-15, abs=0)
                else:
                    assert a == b and type(a) is type(b)


def test_the_sheet_has_a_bold_frozen_header_and_widths(tmp_path):
    sheet = XlsxSheet(tmp_path / "r.xlsx", HEADER, KINDS, title="results")
    sheet.append_columns([_arrow(["a"], "text"), [0.5], [3], [True], ["x"], ["'=y"]])
    sheet.close()
    opened = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    assert opened.title == "results" and opened.freeze_panes == "A2"
    assert all(cell.font.bold for cell in opened[1]) and not opened["A2"].font.bold
    assert opened.column_dimensions["A"].width == 24
    assert [cell.value for cell in opened[1]] == [
        "candidate_id",
        "confidence",
        "row",
        "needs_review",
        "'=profile",
        "value",
    ]
