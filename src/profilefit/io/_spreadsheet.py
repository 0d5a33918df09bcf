"""Cells that are safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is run as a formula by Excel and its relatives. Every CSV profilefit writes (results,
rejects, audits) passes text through :func:`neutralise`, which puts an apostrophe
in front; numbers profilefit writes itself are left as they are.
"""

from __future__ import annotations

import json
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
    return "'" + text if text.startswith(FORMULA_START) else text


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
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return neutralise(value)
    return neutralise(json.dumps(value, ensure_ascii=False, default=str))
