"""The export as files: one XLSX workbook (a sheet per table) and one CSV file per table."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

from bot.services.reports import Cell, Export, Sheet

# A cell starting with these is a formula to Excel (also when it opens a CSV file); what a
# beneficiary typed must stay text. Signed numbers (a +966 mobile) are not formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"[+-][\d .]*")


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_START) and not _SIGNED_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _xlsx(value: Cell, illegal: re.Pattern[str]) -> Cell:
    # Control characters are not allowed in the XML of a workbook (openpyxl refuses them).
    return illegal.sub("", value) if isinstance(value, str) else value


def xlsx_bytes(export: Export) -> bytes:
    """Build the workbook: a sheet per table of the export (requests, events, ratings,
    suggestions, audit, volunteers), each with a header."""
    # Imported here: openpyxl costs the running bot about 8 MB and only exports need it.
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]

    book = Workbook()
    book.remove(book.active)
    for sheet in export.sheets:
        ws = book.create_sheet(sheet.name)
        ws.append(list(sheet.header))
        for row in sheet.rows:
            ws.append([_xlsx(value, ILLEGAL_CHARACTERS_RE) for value in row])
            for cell in ws[ws.max_row]:
                # openpyxl takes any string starting with "=" for a formula.
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(sheet: Sheet) -> bytes:
    """One table as CSV in UTF-8 with a byte order mark, so Excel reads the Arabic."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(sheet.header)
    for row in sheet.rows:
        writer.writerow([_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def csv_name(export: Export, sheet: Sheet) -> str:
    return f"{export.stem}-{sheet.name}.csv"


def write_xlsx(export: Export, path: Path) -> Path:
    path.write_bytes(xlsx_bytes(export))
    return path


def write_csv(export: Export, folder: Path) -> list[Path]:
    """Write one CSV file per table into the folder; return their paths."""
    paths = []
    for sheet in export.sheets:
        path = folder / csv_name(export, sheet)
        path.write_bytes(csv_bytes(sheet))
        paths.append(path)
    return paths
