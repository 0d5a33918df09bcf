"""CSV dialects: how a results or rejects CSV is laid out for the spreadsheet that will open it.

``standard`` (the default) is what profilefit always wrote: commas, a full stop for decimals,
every figure in full (the shortest text that reads back as the same number), LF line ends, no
byte-order mark. Excel set to Norwegian, Swedish, Danish, Finnish, Dutch or German reads such a
file as one column: there the list separator is a semicolon and the decimal sign a comma.

``excel-nordic`` is written for those: semicolons, a decimal comma, a UTF-8 byte-order mark
(without it Excel reads UTF-8 as Windows-1252 and ``Søren`` becomes ``SÃ¸ren``), CRLF line ends,
and figures rounded to what a person reads: probabilities to 4 decimals, the fit to 1, scale
means to 2. Every command that reads results reads it back (decimal comma included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from profilefit.data.batch._deps import require


@dataclass(frozen=True)
class CsvDialect:
    """The layout of a CSV file profilefit writes.

    Attributes
    ----------
    name : str
    delimiter : str
    decimal : str
        ``"."`` or ``","``.
    bom : bool
        Whether the file starts with a UTF-8 byte-order mark.
    eol : str
        Line end.
    rounded : bool
        Whether figures are rounded (see :func:`decimals`); otherwise written in full.
    """

    name: str
    delimiter: str = ","
    decimal: str = "."
    bom: bool = False
    eol: str = "\n"
    rounded: bool = False


#: The dialects by name; ``standard`` is the default.
CSV_DIALECTS: dict[str, CsvDialect] = {
    "standard": CsvDialect("standard"),
    "excel-nordic": CsvDialect("excel-nordic", delimiter=";", decimal=",", bom=True, eol="\r\n", rounded=True),
}

#: The dialect used when none is named.
DEFAULT_DIALECT = "standard"


def csv_dialect(dialect: str | CsvDialect | None) -> CsvDialect:
    """The dialect of that name (``None``: the default).

    Raises
    ------
    ValueError
        For a name that is not in :data:`CSV_DIALECTS`.
    """
    if isinstance(dialect, CsvDialect):
        return dialect
    name = DEFAULT_DIALECT if dialect is None else dialect
    if name not in CSV_DIALECTS:
        raise ValueError(f"unknown CSV dialect {name!r}; use one of {', '.join(CSV_DIALECTS)}")
    return CSV_DIALECTS[name]


def decimals(column: str) -> int:
    """Decimals a rounded dialect keeps for a results column.

    Examples
    --------
    >>> decimals("p_analyst"), decimals("fit_score"), decimals("scale_warmth"), decimals("se_warmth")
    (4, 1, 2, 3)
    """
    if column == "fit_score":
        return 1  # the fit is shown with one decimal everywhere (report, shortlist)
    if column.startswith("scale_"):
        return 2  # means of 1-6 answers: two decimals tell every mean of up to 50 answers apart
    if column.startswith("se_"):
        return 3  # standard errors in the z metric (about 0.2 to 1): three decimals keep two significant figures
    return 4  # probabilities and confidence: 0.01 percentage points


def decimal_text(column: Any, places: int, decimal: str) -> Any:
    """A float column as fixed-point text with ``places`` decimals and the given decimal sign (vectorized).

    NaN, infinities and nulls become null (an empty cell). The text reads back as the number
    rounded half away from zero to ``places`` decimals.

    Parameters
    ----------
    column : pyarrow.Array or ChunkedArray of float
    places : int
    decimal : str

    Examples
    --------
    >>> import pyarrow as pa
    >>> decimal_text(pa.array([0.12345, -2.0, float("nan"), 71.96]), 1, ",").to_pylist()
    ['0,1', '-2,0', None, '72,0']
    """
    pa, pc = require("pyarrow"), require("pyarrow.compute")
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    finite = pc.and_kleene(pc.is_finite(column), pc.less(pc.abs(column), 1e15))
    kept = pc.if_else(finite, column, pa.scalar(None, pa.float64()))
    scale = 10**places
    # Whole numbers of the last decimal place, so that the text is built from integers without
    # float formatting (which would switch to 1e-05 notation for small values).
    units = pc.cast(pc.round(pc.multiply(kept, float(scale)), round_mode="half_towards_infinity"), pa.int64())
    size = pc.abs(units)
    whole = pc.cast(pc.divide(size, scale), pa.string())
    sign = pc.if_else(pc.less(units, 0), "-", "")
    if places == 0:
        return pc.binary_join_element_wise(sign, whole, "")
    fraction = pc.utf8_lpad(
        pc.cast(pc.subtract(size, pc.multiply(pc.divide(size, scale), scale)), pa.string()), places, "0"
    )
    return pc.binary_join_element_wise(sign, whole, decimal, fraction, "")
