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

import dataclasses
import itertools
import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

TEXT_WIDTH = 8845  # twips: 156 mm, the GB/T 9704 type area
LEFT_MARGIN = 1587  # twips: 28 mm, where the type area starts
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


BODY_CHAR = 320  # twips: one character of body text (三号, 16 pt)


def paragraph(style: str, text: str = "", *, align: str | None = None, tab_right: str | None = None,
              hanging: tuple[float, float] | None = None, space_before: bool = True) -> str:
    """One paragraph; `tab_right` is text after a tab (the style sets a right tab stop). `hanging` = (left, hanging):
    lines indented `left` body characters, the first `hanging` characters less (a list: 附件：1．…, wrapped lines
    under the name); `space_before=False` drops the style's space before (the next item of such a list)."""
    spacing = "" if space_before else '<w:spacing w:before="0" w:beforeLines="0"/>'
    ind = ""
    if hanging:
        left, hang = hanging
        ind = (f'<w:ind w:leftChars="{round(left * 100)}" w:left="{round(left * BODY_CHAR)}"'
               f' w:hangingChars="{round(hang * 100)}" w:hanging="{round(hang * BODY_CHAR)}"/>')
    jc = f'<w:jc w:val="{align}"/>' if align else ""
    tail = f"<w:r><w:tab/></w:r>{_runs(tab_right)}" if tab_right is not None else ""
    return f'<w:p><w:pPr><w:pStyle w:val={quoteattr(_style_id(style))}/>{spacing}{ind}{jc}</w:pPr>{_runs(text)}{tail}</w:p>'


@dataclass(frozen=True)
class Cell:
    text: str = ""
    span: int = 1
    header: bool = False
    align: str | None = None
    height_lines: int = 0  # a tall empty cell to write in


_NUMERIC = re.compile(r"^[—\-+]?[\d.,]*%?$|^[\d]+年[\d]+月[\d]+日$")
TABLE_SIZE = 14  # points: 表格文字 and 表头文字 (styles.yml), what column widths are measured in
CELL_MARGINS = 2 * 85 + 60  # twips: the left and right cell margins `table` sets, and a little room for rounding
# what a reader must never see broken across two lines in a cell: a number or percentage (100.0%), a date
# (2026年3月1日) or the 年 月 日 left blank to write one in, a document number (示政协转〔2026〕3号)
_UNBROKEN = re.compile(
    r"[（(《“]?[^\s　，、；：（(《“]{0,4}〔\d{4}〕\d+号[）)》”，。、；]?"  # the 代字 (示政协转) stays with its year and number,
    # and so do brackets around it (a line may neither end with an opening one nor start with a closing one)
    r"|\d{4}年\d{1,2}月\d{1,2}日"
    r"|[　 ]*年[　 ]+月[　 ]+日"
    r"|[—\-+]?\d[\d.,]*%?"
)
_OPENING = "（(《“‘〔［"  # a line never ends with one of these, nor starts with a closing one
_CLOSING = "）)》”’〕］，。、；：！？%"
_PAUSES = "、，；：的和与及"  # a title reads best cut after one of these
HEADER_CHARS = 5  # a header cell of more characters is set on two balanced lines


def text_width(text: str) -> float:
    """Width of `text` in ems of its font size: Chinese characters, full-width forms and the symbols and
    punctuation a Chinese font sets full-width (□, “”, —) one em; Latin letters and digits, set in the Latin
    font, a little over half an em."""
    width = sum(1.0 if ord(c) >= 0x2000 else 0.55 for c in text)
    # Word and LibreOffice put a quarter of a character between Chinese and a Latin letter or digit (autoSpaceDE/DN)
    width += 0.25 * sum(1 for a, b in itertools.pairwise(text) if (ord(a) >= 0x2000) != (ord(b) >= 0x2000) and (a + b).isalnum())
    return width


def _atoms(text: str, header: bool) -> list[str]:
    """The parts of a cell's text that must stay on one line."""
    if header:
        return [line for line in text.split("\n") if line]
    atoms = [m.group(0) for m in _UNBROKEN.finditer(text)]
    atoms += re.findall(r"□[^□　\s]+", text)  # a check box with its label
    # a line of its own holding a document number (示政协转〔2026〕3号, 转办　示政协转〔2026〕3号): all of it
    atoms += [line for line in text.split("\n") if re.search(r"〔\d{4}〕\d+号", line) and text_width(line) <= 16]
    return atoms


def _header_lines(text: str) -> str:
    """A header of more than HEADER_CHARS characters on two lines, as even as its words allow (单位负责人／（签字））."""
    if "\n" in text or len(text) <= HEADER_CHARS:
        return text
    cut = text.find("（") if text.find("（") > 0 else (len(text) + 1) // 2
    return text[:cut] + "\n" + text[cut:]


def balance(text: str, capacity: float) -> str:
    """A display line (a title) too long for one line of `capacity` ems cut into lines of even length, the upper
    ones no shorter (GB/T 9704 §7.3.3: 梯形或菱形), so that no line holds a lone character; never inside a number,
    a date or a document number, nor before closing or after opening punctuation. Text that fits, or that
    already has its own line breaks, is left as it is."""
    if _LINE_BREAKS.search(text) or text_width(text) <= capacity:
        return text
    kept: set[int] = set()
    for m in _UNBROKEN.finditer(text):
        kept.update(range(m.start() + 1, m.end()))
    cuts = [i for i in range(1, len(text))
            if i not in kept and text[i] not in _CLOSING and text[i - 1] not in _OPENING
            and not (text[i - 1].isascii() and text[i - 1].isalnum() and text[i].isascii() and text[i].isalnum())]
    ends = [0.0]
    for c in text:
        ends.append(ends[-1] + text_width(c))
    total = ends[-1]
    lines = math.ceil(total / capacity)
    while lines <= len(text):
        chosen, start = [], 0
        for k in range(1, lines):
            target = total * k / lines
            options = [i for i in cuts if i > start and ends[i] - ends[start] <= capacity]
            if not options:
                break
            # the cut nearest the even share that leaves the upper line no shorter (梯形), else the nearest; within two
            # characters of it, one after a pause (、，的 and …) keeps words whole
            start = min(options, key=lambda i: (ends[i] < target - 0.01, not (text[i - 1] in _PAUSES and ends[i] - target <= 2),
                                                abs(ends[i] - target), -i))
            chosen.append(start)
        if len(chosen) == lines - 1 and total - ends[start] <= capacity:
            bounds = [0, *chosen, len(text)]
            return "\n".join(text[a:b] for a, b in itertools.pairwise(bounds))
        lines += 1
    return text


def _pack_choices(text: str, width: int, size: float) -> str:
    """Check boxes (□已落实　□部分落实 …) on as few lines as fit `width` (twips), none broken across two."""
    if "□" not in text or "\n" in text:
        return text
    choices = [c for c in text.split("　") if c]
    lines: list[str] = []
    for choice in choices:
        if lines and text_width(lines[-1] + "　" + choice) * size * 20 <= width:
            lines[-1] += "　" + choice
        else:
            lines.append(choice)
    return "\n".join(lines)


def _needs(rows: Sequence[Sequence[Cell]], count: int, size: float) -> list[int]:
    """The least width (twips) of each column: its widest part that must not break (`_atoms`), with the cell margins."""
    need = [0] * count
    for cells in rows:
        col = 0
        for cell in cells:
            if cell.span == 1 and col < count:
                widest = max((text_width(a) for a in _atoms(cell.text, cell.header)), default=0)
                need[col] = max(need[col], round(widest * size * 20) + CELL_MARGINS)
            col += cell.span
    return need


def _fit(cols: list[int], need: list[int]) -> list[int]:
    """Column widths `cols` changed as little as possible so that each is at least `need`: what a column lacks is
    taken from the others in proportion to what they can spare. When the needs do not fit in all, the columns
    are shared in proportion to their needs."""
    total = sum(cols)
    if sum(need) > total:
        return [round(total * n / sum(need)) for n in need]
    short = sum(max(0, n - c) for c, n in zip(cols, need, strict=True))
    spare = [max(0, c - n) for c, n in zip(cols, need, strict=True)]
    if not short:
        return cols
    out = [max(c, n) - (round(short * s / sum(spare)) if s else 0) for c, n, s in zip(cols, need, spare, strict=True)]
    out[-1] += total - sum(out)
    return out


def _borders(top: int, bottom: int, inside: int, sides: bool) -> str:
    def edge(name: str, size: int) -> str:
        return f'<w:{name} w:val="single" w:sz="{size}" w:space="0" w:color="000000"/>' if size else f'<w:{name} w:val="nil"/>'

    side = 4 if sides else 0
    return (
        f"<w:tblBorders>{edge('top', top)}{edge('left', side)}{edge('bottom', bottom)}{edge('right', side)}"
        f"{edge('insideH', inside)}{edge('insideV', side)}</w:tblBorders>"
    )


def table(rows: Sequence[Sequence[Cell | str]], widths: Sequence[float], *, header: bool = True, font_style: str = "表格文字",
          size: float = TABLE_SIZE) -> str:
    """A bordered table across the type area; `widths` are relative column widths.

    Columns are widened where a cell holds something that must not break (a number, a percentage, a date, a
    document number, a check box with its label: `_atoms`), at the expense of columns with room to spare;
    headers of more than HEADER_CHARS characters go on two even lines, check boxes on as many lines as needed,
    none cut, and text too long for its cell on even lines (`balance`), so that no line holds a lone character.
    `size` is the table's font size in points (what the widths are measured in).
    """
    total = sum(widths)
    cols = [round(TEXT_WIDTH * w / total) for w in widths]
    grid_rows: list[list[Cell]] = []
    for r, row in enumerate(rows):
        cells = [c if isinstance(c, Cell) else Cell(str(c), header=header and r == 0) for c in row]
        grid_rows.append([dataclasses.replace(c, text=_header_lines(c.text)) if c.header else c for c in cells])
    need = _needs(grid_rows, len(cols), size)
    if sum(need) > TEXT_WIDTH:  # not room for all: headers of four characters or more on two lines (逾期／天数)
        for cells in grid_rows:
            for i, cell in enumerate(cells):
                if cell.header and "\n" not in cell.text and len(cell.text) >= 4:
                    half = (len(cell.text) + 1) // 2
                    cells[i] = dataclasses.replace(cell, text=cell.text[:half] + "\n" + cell.text[half:])
        need = _needs(grid_rows, len(cols), size)
    cols = _fit(cols, need)
    grid = "".join(f'<w:gridCol w:w="{c}"/>' for c in cols)
    out = [
        f'<w:tbl><w:tblPr><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/>{_borders(4, 4, 4, True)}'
        '<w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
        f"<w:tblLook w:val=\"0000\"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
    ]
    for r, cells in enumerate(grid_rows):
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
            text = _pack_choices(cell.text, width - CELL_MARGINS, size)
            if "□" not in text:  # text too long for its cell on even lines, never one character left alone on the last
                text = "\n".join(balance(line, (width - CELL_MARGINS) / (size * 20)) for line in text.split("\n"))
            out.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}<w:vAlign w:val="{valign}"/></w:tcPr>'
                f"{paragraph(style, text, align=cell.align or ('center' if _NUMERIC.match(text) and text else None))}</w:tc>"
            )
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def box(label: str, lines: int) -> str:
    """A framed space to write in (the 领导批示 box at the top of a 参阅件)."""
    return table([[Cell(label, height_lines=lines, align="left")]], [1], header=False, font_style="批示框")


def banji(rows: Sequence[str], anchor: str = "<w:p/>") -> str:
    """The 版记: 报/送/发 lines and the printing line, between rules (GB/T 9704 §7.4), then `anchor`.

    A borderless table whose first and last rules are 0.35 mm and the rules between
    them 0.25 mm, across the type area. A row with a tab has its second part on the
    right; a last row without one (the print count) stands on the right.

    The table floats at the foot of the type area and belongs to the paragraph after it, `anchor`: where the
    text ends too low for the 版记 to fit below it, that paragraph goes to the next page with it. Given the
    document's last paragraph of text (the 反映人 line), the 版记 never stands alone on a page; the default,
    an empty paragraph, is what Word needs after a table at the end of a document.
    """
    # horizontally placed from the page's edge (the left margin in): LibreOffice then floats it as Word does,
    # where a table as wide as the type area placed from the margin is kept in the text, after the last line
    out = [
        '<w:tbl><w:tblPr><w:tblpPr w:leftFromText="0" w:rightFromText="0" w:topFromText="284"'
        f' w:vertAnchor="margin" w:horzAnchor="page" w:tblpX="{LEFT_MARGIN}" w:tblpYSpec="bottom"/>'
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
    out.append(f"</w:tbl>{anchor}")
    return "".join(out)


def page_break() -> str:
    return '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
