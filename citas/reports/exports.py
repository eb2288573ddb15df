"""CSV and Excel files of a report that open correctly in a Spanish Excel.

CSV: UTF-8 with a byte order mark (Excel's cue for UTF-8), ';' between fields and a decimal
comma, dates as dd/mm/yyyy. Excel: real dates and numbers with their display formats.
"""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from .tables import Column, Kind, Table

XLSX_FORMATS = {
    Kind.DATE: "DD/MM/YYYY",
    Kind.COUNT: "#,##0",
    Kind.RATIO: "0.0%",
    Kind.HOURS: "0.0",
    Kind.EUR: '#,##0.00 "€"',
}


# A cell starting with one of these is a formula to a spreadsheet (a client could name
# themselves "=HYPERLINK(...)"): text cells are kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == Kind.TEXT and str(value).startswith(FORMULA_STARTS):
        return f"'{value}"
    if column.kind == Kind.DATE:
        return value.strftime("%d/%m/%Y")
    if column.kind == Kind.RATIO:
        return f"{value * 100:.1f}".replace(".", ",")
    if column.kind == Kind.HOURS:
        return f"{value:.1f}".replace(".", ",")
    if column.kind == Kind.EUR:
        return f"{Decimal(value):.2f}".replace(".", ",")
    return str(value)


def _csv_label(column: Column) -> str:
    if column.kind == Kind.RATIO:
        return f"{column.label} (%)"
    if column.kind == Kind.EUR:
        return f"{column.label} (€)"
    return column.label


def report_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_label(column) for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [_csv_value(value, column) for value, column in zip(row, table.columns, strict=True)]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.name[:31]
    sheet.append([column.label for column in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    for index, column in enumerate(table.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.label) + 2)
        number_format = XLSX_FORMATS.get(column.kind)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if number_format:
                cell.number_format = number_format
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would store "=..." as a formula
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
