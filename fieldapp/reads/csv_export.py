"""CSV that opens cleanly in a spreadsheet (README: Measures and returns): UTF-8 with a byte order
mark (so Excel reads the accents right) and no formula injection. A cell whose text starts with
= + - @, a tab or a carriage return is one a spreadsheet may run as a formula; it is written
with a leading apostrophe, which the spreadsheet shows as text. Numbers stay numbers (a negative
number is a number, not a formula, and missing-data codes like -9 are numbers)."""

import csv
import io

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value) -> str:
    """One cell as text, neutralised if a spreadsheet could read it as a formula. None is empty;
    True/False are 1/0; an int or float is written as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if text.startswith(DANGEROUS):
        return "'" + text
    return text


def to_csv(header, rows) -> bytes:
    """The header and rows as CSV bytes: UTF-8 with BOM, CRLF line ends (RFC 4180), every cell
    through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return (BOM + out.getvalue()).encode("utf-8")
