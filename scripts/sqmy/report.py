"""Tables for people: terminal text, Markdown, CSV and XLSX from one description."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import tables


class Ratio(float):
    """A share, shown as a percentage (a plain float is shown as a number)."""


class Points(float):
    """Points of a score: always shown with the two decimals they are computed to (79.00, 72.50, 110.33)."""


@dataclass(frozen=True)
class Table:
    title: str  # also the XLSX sheet name
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    note: str = ""


def cell_text(value: object) -> str:
    """A value as people read it in a table: — for nothing, percentages for shares."""
    if value is None:
        return "—"
    if isinstance(value, Ratio):
        return f"{value:.1%}"
    if isinstance(value, Points):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def text(parts: Sequence[Table]) -> str:
    out = []
    for t in parts:
        out += [f"【{t.title}】", tables.render(t.headers, [[cell_text(v) for v in row] for row in t.rows])]
        if t.note:
            out.append(t.note)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def markdown(parts: Sequence[Table], escape: Callable[[str], str] | None = None) -> str:
    """Markdown tables; `escape` (when given) escapes every title, header, cell and note (the archive shows registry names as text)."""
    def as_is(s: str) -> str:
        return s

    def cell(s: str) -> str:
        return s.replace("|", "\\|")

    title = escape or as_is
    value = escape or cell
    out = []
    for t in parts:
        out += [f"## {title(t.title)}", "", "| " + " | ".join(title(h) for h in t.headers) + " |", "|" + "---|" * len(t.headers)]
        out += ["| " + " | ".join(value(cell_text(v)) for v in row) + " |" for row in t.rows]
        if t.note:
            out += ["", title(t.note)]
        out.append("")
    return "\n".join(out)


def csv_text(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.headers)
    writer.writerows([["" if v is None else v for v in row] for row in table.rows])
    return buffer.getvalue()


def xlsx(parts: Sequence[Table], path: Path, heading: str) -> None:
    """One sheet a table, Chinese headers, ready to print (landscape, fit to width, header repeated)."""
    from openpyxl import Workbook, styles, utils  # noqa: PLC0415 - only this output needs it

    Alignment, Border, Font, PatternFill, Side = styles.Alignment, styles.Border, styles.Font, styles.PatternFill, styles.Side
    get_column_letter = utils.get_column_letter

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for t in parts:
        sheet = book.create_sheet(t.title[:31])
        sheet.append([f"{heading}　{t.title}"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append(list(t.headers))
        for row in t.rows:
            sheet.append(list(row))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row, max_col=len(t.headers)):
            for cell in row:
                cell.border = border
        for r_index, row_values in enumerate(t.rows, start=3):
            for c_index, value in enumerate(row_values, start=1):
                if isinstance(value, Ratio):
                    sheet.cell(row=r_index, column=c_index).number_format = "0.0%"
                elif isinstance(value, Points):
                    sheet.cell(row=r_index, column=c_index).number_format = "0.00"
        if t.note:
            sheet.append([])
            sheet.append([t.note])
        for index, header in enumerate(t.headers, start=1):
            longest = max([tables.width(str(header))] + [tables.width(cell_text(r[index - 1])) for r in t.rows])
            sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 8), 60)
        sheet.freeze_panes = "A3"
        sheet.print_title_rows = "2:2"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        book.save(tmp)
        os.replace(tmp, path)  # the old file or the new one, never half of it
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
