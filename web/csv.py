"""Every CSV the service writes (API `format=csv`, the dashboard's links) goes through
csv_response: cells a spreadsheet would evaluate are neutralised."""

from __future__ import annotations

import csv
import io
import re

from fastapi.responses import Response

# OWASP "CSV injection": a spreadsheet takes a cell starting with one of these as a formula
# (=HYPERLINK(...) in a customer name). Such a cell is written with a leading single quote,
# which spreadsheets show as text. Plain numbers ("-12.50", "+3") are left alone: they are
# values, not formulas, and must stay numbers in the sheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


def safe_cell(value: object) -> str:
    """The text of one CSV cell that no spreadsheet will evaluate."""
    text = "" if value is None else str(value)
    if text.lstrip(" ").startswith(FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_response(rows: list[list[str]], filename: str) -> Response:
    """Every CSV the service writes goes through here (API `format=csv`, the dashboard's
    links): cells neutralised by `safe_cell`."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [safe_cell(cell) for cell in row] for row in rows
    )
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
