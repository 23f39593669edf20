"""The returns as an Excel workbook (README: Measures and returns), beside the CSV: the same header
and rows (fieldapp/reads/returns.py), one sheet, written with XlsxWriter.

No cell is ever a formula. Every text cell is written as a string (`write_string`, with XlsxWriter's
guessing of formulas, numbers and links switched off), so a partner typed as `=cmd|...` is text in
the file, not something the spreadsheet runs. A text cell that starts like a formula (= + - @, a tab
or a carriage return: csv_export.DANGEROUS) also carries Excel's "quote prefix" style, the
workbook's own form of the CSV's leading apostrophe: it shows exactly what was typed and stays text
even if someone edits the cell and presses Enter. Numbers (missing-data codes like -9 included)
are numbers; True/False are 1/0; None is an empty cell.
"""

import io

import xlsxwriter

from .csv_export import DANGEROUS

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_xlsx(header, rows, sheet="Return") -> bytes:
    """The header (in bold, frozen) and rows as the bytes of an .xlsx workbook of one sheet named
    `sheet` (cut to Excel's 31 characters)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    quoted = book.add_format()
    quoted.set_quote_prefix()
    sheet_ = book.add_worksheet(sheet[:31])
    for col, title in enumerate(header):
        _write(sheet_, 0, col, title, quoted, bold)
    for row_number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            _write(sheet_, row_number, col, value, quoted)
    sheet_.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def _write(sheet, row, col, value, quoted, plain=None):
    """One cell: a number as a number, anything else as a string (quote-prefixed if it starts like
    a formula), never through XlsxWriter's `write`, which would guess."""
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_number(row, col, int(value), plain)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, plain)
    else:
        text = str(value)
        sheet.write_string(row, col, text, quoted if text.startswith(DANGEROUS) else plain)
