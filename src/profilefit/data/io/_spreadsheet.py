"""Cells that are safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is run as a formula by Excel and its relatives (the OWASP "CSV injection" rule). Every
CSV and Excel file profilefit writes (results, rejects, audits) passes text through
:func:`neutralise`, which puts an apostrophe in front; numbers profilefit writes itself
are left as they are. A text that already starts with an apostrophe followed by such a
character (or by another apostrophe) gets one more, so that :func:`unneutralise` gives
back exactly the text that was written, whatever it was.
"""

from __future__ import annotations

import json
import math
from typing import Any

#: A text cell starting with one of these would run as a formula in a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula.

    Examples
    --------
    >>> neutralise("=SUM(A1:A9)")
    "'=SUM(A1:A9)"
    >>> neutralise("cand-0001")
    'cand-0001'
    """
    if text.startswith(FORMULA_START) or (text[:1] == "'" and text[1:2] in _AFTER_APOSTROPHE):
        return "'" + text
    return text


#: After an apostrophe, these make :func:`neutralise` add another, so that the one it adds is never ambiguous.
_AFTER_APOSTROPHE = frozenset((*FORMULA_START, "'"))

#: Suffixes of the files whose text cells profilefit neutralises (CSV and Excel), for readers to undo it.
NEUTRALISED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")


def unneutralise(text: str) -> str:
    """The text :func:`neutralise` was given: the apostrophe it put in front removed.

    Examples
    --------
    >>> unneutralise("'=SUM(A1:A9)"), unneutralise("'''x"), unneutralise("'quoted")
    ('=SUM(A1:A9)', "''x", "'quoted")
    """
    return text[1:] if text[:1] == "'" and text[1:2] in _AFTER_APOSTROPHE else text


def csv_cell(value: Any) -> str:
    """One CSV cell: empty for ``None``, ``true``/``false``, numbers as written, text neutralised.

    Other values (lists, dicts) are written as JSON, then neutralised.

    Examples
    --------
    >>> [csv_cell(v) for v in (None, True, 0.5, "-12", ["a"])]
    ['', 'true', '0.5', "'-12", '["a"]']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        # A NaN or an infinity is written as text, and "-inf" would run as a formula.
        return repr(value) if math.isfinite(value) else neutralise(repr(value))
    if isinstance(value, str):
        return neutralise(value)
    return neutralise(json.dumps(value, ensure_ascii=False, default=str))
