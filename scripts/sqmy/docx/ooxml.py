"""Raw WordprocessingML for the parts of an official document Markdown cannot say.

pandoc inserts ```{=openxml}``` blocks as they are, so the fixed layout (the
line with the 编印单位 on the left and the date on the right, the 版记 between
rules, the 批示 box, forms and tables with set column widths) is written here,
while text and item bodies stay Markdown. Styles are referred to by name; they
come from the reference document built from templates/docx/styles.yml.

Only sqmy's own blocks may be raw: each starts with a marker holding a nonce
drawn once per run (NONCE), and the Lua filter (rawguard.lua) keeps a raw
block only when it carries that marker; any other is shown as literal text.
An item's body is marked as a block of its own (`body`), and `split` cuts a
document there: pandoc reads each part on its own (--file-scope), so nothing
in a body (an unclosed code fence, a footnote, a link definition) can reach
beyond it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

TEXT_WIDTH = 8845  # twips: 156 mm, the GB/T 9704 type area
_RULE = {"thick": 8, "thin": 6}  # eighths of a point: 0.35 mm (first and last 版记 rules) and 0.25 mm


# drawn once per run, handed to rawguard.lua in pandoc's environment (pandocio.markdown_to_docx)
NONCE = "sqmy" + secrets.token_hex(16)
MARK = f"<!--{NONCE}-->"  # an XML comment: harmless in document.xml should it ever stay there
BODY_FORMAT = "sqmybody"  # the raw format that marks an item's body in a document's Markdown (see `split`)
# characters XML 1.0 cannot hold (a Word file with one of them does not open)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def xml_text(text: str) -> str:
    """`text` without the characters an XML document cannot hold."""
    return _NOT_XML.sub("", text)


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in `text`: nothing inside can close it."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    return "`" * max(3, longest + 1)


def raw(xml: str) -> str:
    """A Markdown raw block pandoc passes to the document (marked as sqmy's own)."""
    fence = _fence(xml)
    return f"\n{fence}{{=openxml}}\n{MARK}{xml}\n{fence}\n"


def body(markdown: str) -> str:
    """An item's body, marked as a block of its own (pandoc reads it apart from the rest: see `split`)."""
    fence = _fence(markdown)
    return f"\n{fence}{{={BODY_FORMAT}}}\n{MARK}\n{markdown}\n{fence}\n"


# a fence longer than any run of backticks inside: the first line of it alone ends the block
_BODY = re.compile(r"\n(`{3,})\{=" + BODY_FORMAT + r"\}\n" + re.escape(MARK) + r"\n(.*?)\n\1\n", re.DOTALL)


def split(markdown: str) -> list[str]:
    """A document's Markdown cut at the item bodies: the parts before, between and after, and each body."""
    parts, last = [], 0
    for match in _BODY.finditer(markdown):
        parts += [markdown[last : match.start()], match.group(2)]
        last = match.end()
    return [*parts, markdown[last:]]


def _style_id(name: str) -> str:
    """Word's style id for a style name (what python-docx gave it: the name without spaces)."""
    return name.replace(" ", "")


def _runs(text: str) -> str:
    parts = _LINE_BREAKS.split(str(text))  # every kind of line break, so that the raw block stays one line
    out = []
    for i, part in enumerate(parts):
        if i:
            out.append("<w:r><w:br/></w:r>")
        if part:
            out.append(f'<w:r><w:t xml:space="preserve">{escape(xml_text(part))}</w:t></w:r>')
    return "".join(out)


def paragraph(style: str, text: str = "", *, align: str | None = None, tab_right: str | None = None) -> str:
    """One paragraph; `tab_right` is text after a tab (the style sets a right tab stop)."""
    jc = f'<w:jc w:val="{align}"/>' if align else ""
    tail = f"<w:r><w:tab/></w:r>{_runs(tab_right)}" if tab_right is not None else ""
    return f'<w:p><w:pPr><w:pStyle w:val={quoteattr(_style_id(style))}/>{jc}</w:pPr>{_runs(text)}{tail}</w:p>'


@dataclass(frozen=True)
class Cell:
    text: str = ""
    span: int = 1
    header: bool = False
    align: str | None = None
    height_lines: int = 0  # a tall empty cell to write in


_NUMERIC = re.compile(r"^[—\-+]?[\d.,]*%?$|^[\d]+年[\d]+月[\d]+日$")


def _borders(top: int, bottom: int, inside: int, sides: bool) -> str:
    def edge(name: str, size: int) -> str:
        return f'<w:{name} w:val="single" w:sz="{size}" w:space="0" w:color="000000"/>' if size else f'<w:{name} w:val="nil"/>'

    side = 4 if sides else 0
    return (
        f"<w:tblBorders>{edge('top', top)}{edge('left', side)}{edge('bottom', bottom)}{edge('right', side)}"
        f"{edge('insideH', inside)}{edge('insideV', side)}</w:tblBorders>"
    )


def table(rows: Sequence[Sequence[Cell | str]], widths: Sequence[float], *, header: bool = True, font_style: str = "表格文字") -> str:
    """A bordered table across the type area; `widths` are relative column widths."""
    total = sum(widths)
    cols = [round(TEXT_WIDTH * w / total) for w in widths]
    grid = "".join(f'<w:gridCol w:w="{c}"/>' for c in cols)
    out = [
        f'<w:tbl><w:tblPr><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/>{_borders(4, 4, 4, True)}'
        '<w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
        f"<w:tblLook w:val=\"0000\"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
    ]
    for r, row in enumerate(rows):
        cells = [c if isinstance(c, Cell) else Cell(str(c), header=header and r == 0) for c in row]
        tall = max((c.height_lines for c in cells), default=0)
        height = f'<w:trHeight w:val="{tall * 400}" w:hRule="atLeast"/>' if tall else '<w:trHeight w:val="454" w:hRule="atLeast"/>'
        repeat = "<w:tblHeader/>" if header and r == 0 else ""
        out.append(f"<w:tr><w:trPr><w:cantSplit/>{repeat}{height}</w:trPr>")
        col = 0
        for cell in cells:
            width = sum(cols[col:col + cell.span])
            col += cell.span
            span = f'<w:gridSpan w:val="{cell.span}"/>' if cell.span > 1 else ""
            valign = "top" if cell.height_lines else "center"
            style = "表头文字" if cell.header else font_style
            out.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}<w:vAlign w:val="{valign}"/></w:tcPr>'
                f"{paragraph(style, cell.text, align=cell.align or ('center' if _NUMERIC.match(cell.text) and cell.text else None))}</w:tc>"
            )
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def box(label: str, lines: int) -> str:
    """A framed space to write in (the 领导批示 box at the top of a 参阅件)."""
    return table([[Cell(label, height_lines=lines, align="left")]], [1], header=False, font_style="批示框")


def banji(rows: Sequence[str]) -> str:
    """The 版记: 报/送/发 lines and the printing line, between rules (GB/T 9704 §7.4).

    A borderless table whose first and last rules are 0.35 mm and the rules between
    them 0.25 mm, across the type area. A row with a tab has its second part on the
    right; a last row without one (the print count) stands on the right.
    """
    # floating, anchored to the foot of the type area: the 版记 sits at the bottom of the last page
    out = [
        '<w:tbl><w:tblPr><w:tblpPr w:leftFromText="0" w:rightFromText="0" w:topFromText="284"'
        ' w:vertAnchor="margin" w:horzAnchor="margin" w:tblpYSpec="bottom"/>'
        f'<w:tblOverlap w:val="never"/><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/>'
        f"{_borders(_RULE['thick'], _RULE['thick'], _RULE['thin'], False)}"
        '<w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>'
        f'<w:tblLook w:val="0000"/></w:tblPr><w:tblGrid><w:gridCol w:w="{TEXT_WIDTH}"/></w:tblGrid>'
    ]
    for i, text in enumerate(rows):
        left, tab, right = text.partition("\t")
        last = i == len(rows) - 1
        content = paragraph("版记", left, tab_right=right) if tab else paragraph("版记", text, align="right" if last else None)
        out.append('<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="454" w:hRule="atLeast"/></w:trPr>'
                   f'<w:tc><w:tcPr><w:tcW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>{content}</w:tc></w:tr>')
    out.append("</w:tbl><w:p/>")
    return "".join(out)


def page_break() -> str:
    return '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
