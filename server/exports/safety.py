"""Cells that spreadsheets will not run: text that a spreadsheet would read as a formula.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets when the file is opened (CSV injection,
OWASP). Such a cell is written with a leading apostrophe, which the spreadsheets show as
text; a number in a numeric column (``-3``, ``+1.5``) is left as it is.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value, *, numeric: bool = False) -> str:
    """*value* as CSV cell text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not (numeric and _NUMBER.fullmatch(text)):
        return "'" + text
    return text
