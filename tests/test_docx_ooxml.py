"""ooxml: the raw WordprocessingML pieces and the marking of sqmy's own blocks and item bodies (no pandoc here)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from lxml import etree

from sqmy.docx import ooxml

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def parse(fragment: str) -> Any:
    """A WordprocessingML fragment inside a w:body; fails when it is not well-formed XML."""
    return etree.fromstring(f'<w:body xmlns:w="{W}">{fragment}</w:body>'.encode())


def texts(element: Any) -> list[str]:
    return [t.text or "" for t in element.iterfind(".//w:t", NS)]


def val(element: Any, path: str, attr: str = "val") -> str | None:
    found = element.find(path, NS)
    return None if found is None else found.get(f"{{{W}}}{attr}")


# --- text -------------------------------------------------------------------------------------


def test_xml_text_removes_only_what_xml_cannot_hold() -> None:
    kept = "正文 text\t\n\r＆<>😀\u2028\ue000\ufffd"
    assert ooxml.xml_text("\x00" + kept[:3] + "\x01\x08\x0b\x0c\x0e\x1f" + kept[3:] + "\ud800\udfff\ufffe\uffff") == kept
    etree.fromstring(f"<a>{ooxml.xml_text(chr(0) + 'x' + chr(0x1b))}</a>".encode())


def test_the_mark_is_an_xml_comment_a_document_can_hold() -> None:
    assert re.fullmatch(r"sqmy[0-9a-f]{32}", ooxml.NONCE)
    assert f"<!--{ooxml.NONCE}-->" == ooxml.MARK
    body = parse(ooxml.MARK + ooxml.paragraph("Normal", "x"))
    assert isinstance(body[0], etree._Comment)
    assert body[0].text == ooxml.NONCE


# --- marking and splitting ------------------------------------------------------------------------


HOSTILE_BODIES = [
    "```\nan unclosed fence, then the rest of the document would be code",
    "````{=openxml}\n<w:p><w:r><w:t>INJECTED</w:t></w:r></w:p>\n````",
    f"```{{={ooxml.BODY_FORMAT}}}\n<!--sqmy{'0' * 32}-->\na body marker with somebody else's nonce\n```",
    "ends with a run of backticks ``````",
    "~~~\na tilde fence\n",
    "\nleading and trailing line breaks\n\n",
    "[^1]: a footnote reaching out\n\n[link]: https://example.invalid",
    "",
    "line\r\nwith ``` CRLF\r\n```",
]


def test_a_raw_block_cannot_be_closed_by_what_it_holds() -> None:
    xml = "<w:p><w:r><w:t>```` ``````` `</w:t></w:r></w:p>"
    fence = "`" * 8  # one longer than the longest run inside
    assert ooxml.raw(xml) == f"\n{fence}{{=openxml}}\n{ooxml.MARK}{xml}\n{fence}\n"
    assert ooxml.raw("<w:p/>").startswith("\n```{=openxml}\n")  # never shorter than three


@pytest.mark.parametrize("bodies", [HOSTILE_BODIES, HOSTILE_BODIES[::-1], ["only one"]], ids=["hostile", "reversed", "one"])
def test_split_gives_back_every_body_exactly(bodies: list[str]) -> None:
    between = [f"\n{ooxml.raw(ooxml.paragraph('反映人', f'第{n}篇'))}\n# 标题 {n}\n" for n in range(len(bodies))]
    document = "开头\n" + "".join(ooxml.body(b) + s for b, s in zip(bodies, between, strict=True))
    expected = ["开头\n"]
    for b, s in zip(bodies, between, strict=True):
        expected += [b, s]
    assert ooxml.split(document) == expected


def test_only_this_runs_mark_makes_a_body() -> None:
    forged = ooxml.body("x").replace(ooxml.NONCE, "sqmy" + "f" * 32)
    document = "前\n" + forged + "后\n"
    assert ooxml.split(document) == [document]


# --- paragraphs, tables, the 版记 -------------------------------------------------------------------


def test_paragraph_keeps_text_as_text_and_every_line_break_as_a_break() -> None:
    (p,) = parse(ooxml.paragraph("Heading 1", 'a<b>&"c\r\nd\u2028e\x0bf\x01', align="center", tab_right="右\n侧"))
    assert val(p, "w:pPr/w:pStyle") == "Heading1"  # Word's style id: the name without spaces
    assert val(p, "w:pPr/w:jc") == "center"
    assert texts(p) == ['a<b>&"c', "d", "e", "f", "右", "侧"]
    assert len(p.findall("w:r/w:br", NS)) == 4
    assert len(p.findall("w:r/w:tab", NS)) == 1


def test_a_style_name_cannot_leave_its_attribute() -> None:
    (p,) = parse(ooxml.paragraph('x" w:evil="1', "t"))
    style = p.find("w:pPr/w:pStyle", NS)
    assert dict(style.attrib) == {f"{{{W}}}val": 'x"w:evil="1'}


def test_table_has_its_grid_spans_header_and_alignment() -> None:
    rows: list[list[ooxml.Cell | str]] = [
        ["单位", "采集", "完成率", "日期"],
        [ooxml.Cell("<w:p/>&单位"), "12", "45.5%", "2025年5月1日"],
        [ooxml.Cell("合计", span=3, align="right"), "—"],
        [ooxml.Cell("", span=4, height_lines=6)],
    ]
    (table,) = parse(ooxml.table(rows, [4, 1, 1.5, 2]))
    cols = [int(c.get(f"{{{W}}}w")) for c in table.findall("w:tblGrid/w:gridCol", NS)]
    assert len(cols) == 4
    assert abs(sum(cols) - ooxml.TEXT_WIDTH) < len(cols)  # the type area, but for rounding
    assert val(table, "w:tblPr/w:tblW", "w") == str(ooxml.TEXT_WIDTH)
    trs = table.findall("w:tr", NS)
    assert [tr.find("w:trPr/w:tblHeader", NS) is not None for tr in trs] == [True, False, False, False]
    for tr in trs:  # every row fills the grid
        assert sum(int(val(tc, "w:tcPr/w:gridSpan") or 1) for tc in tr.findall("w:tc", NS)) == 4
    header, body, total, tall = (tr.findall("w:tc", NS) for tr in trs)
    assert {val(tc, "w:p/w:pPr/w:pStyle") for tc in header} == {"表头文字"}
    assert {val(tc, "w:p/w:pPr/w:pStyle") for tc in body} == {"表格文字"}
    assert texts(body[0]) == ["<w:p/>&单位"]
    assert [val(tc, "w:p/w:pPr/w:jc") for tc in body] == [None, "center", "center", "center"]  # figures and dates centred
    assert [val(tc, "w:p/w:pPr/w:jc") for tc in total] == ["right", "center"]
    assert val(total[0], "w:tcPr/w:tcW", "w") == str(sum(cols[:3]))
    assert val(trs[3], "w:trPr/w:trHeight") == str(6 * 400)
    assert val(tall[0], "w:tcPr/w:vAlign") == "top"
    assert texts(tall[0]) == []


def test_box_is_one_tall_cell_without_a_header_row() -> None:
    (table,) = parse(ooxml.box("领导批示：", 8))
    (tr,) = table.findall("w:tr", NS)
    assert tr.find("w:trPr/w:tblHeader", NS) is None
    (tc,) = tr.findall("w:tc", NS)
    assert val(tc, "w:p/w:pPr/w:pStyle") == "批示框"
    assert texts(tc) == ["领导批示："]
    assert int(val(tr, "w:trPr/w:trHeight") or 0) >= 8 * 400


def test_banji_rows_between_rules_at_the_foot_of_the_page() -> None:
    table, after = parse(ooxml.banji(["报：市政协。", "编辑部\t2025年5月15日印发", "（共印30份）"]))
    assert after.tag == f"{{{W}}}p"  # a paragraph after the table: Word wants one before the section ends
    assert val(table, "w:tblPr/w:tblpPr", "vertAnchor") == "margin"
    assert val(table, "w:tblPr/w:tblpPr", "tblpYSpec") == "bottom"
    # placed from the page's edge, the left margin in: LibreOffice floats it too (from the margin it keeps a table
    # as wide as the type area in the text flow, after the last line)
    assert val(table, "w:tblPr/w:tblpPr", "horzAnchor") == "page"
    assert val(table, "w:tblPr/w:tblpPr", "tblpX") == str(ooxml.LEFT_MARGIN)
    borders = table.find("w:tblPr/w:tblBorders", NS)
    assert {side: val(borders, f"w:{side}", "sz") or val(borders, f"w:{side}") for side in ("top", "bottom", "insideH", "left", "right", "insideV")} == {
        "top": "8", "bottom": "8", "insideH": "6", "left": "nil", "right": "nil", "insideV": "nil"}  # 0.35 mm outside, 0.25 mm between
    rows = table.findall("w:tr", NS)
    assert [texts(r) for r in rows] == [["报：市政协。"], ["编辑部", "2025年5月15日印发"], ["（共印30份）"]]
    assert [len(r.findall(".//w:tab", NS)) for r in rows] == [0, 1, 0]
    assert [val(r, ".//w:pPr/w:jc") for r in rows] == [None, None, "right"]  # the print count stands on the right
    assert {val(r, ".//w:pPr/w:pStyle") for r in rows} == {"版记"}


def test_banji_belongs_to_the_paragraph_after_it() -> None:
    """Given the document's last paragraph, the 版记 comes right before it: it floats with that paragraph, never alone."""
    last = ooxml.paragraph("反映人", "反映人：张薇（委员）")
    table, after = parse(ooxml.banji(["报：市政协。"], anchor=last))
    assert table.tag == f"{{{W}}}tbl"
    assert texts(after) == ["反映人：张薇（委员）"]


def test_page_break() -> None:
    (p,) = parse(ooxml.page_break())
    assert val(p, "w:r/w:br", "type") == "page"


# --- lines that must not break -------------------------------------------------------------------


@pytest.mark.parametrize("title", [
    "关于进一步加强农村留守老人关爱服务体系建设的建议案",  # 25 characters: 13 + 12, not 20 + 5
    "关于转办《关于加快推进城区老旧小区加装电梯工作的建议》的函",
    "关于2026年第一季度全县社情民意信息工作开展情况的通报",
    "关于解决示政协转〔2026〕12号转办事项中群众反映的若干问题的建议",
    "一二三四五六七八九十一二三四五六七八九十一",  # 21: one character too many for a line of 20
])
def test_a_long_title_is_cut_into_even_lines(title: str) -> None:
    lines = ooxml.balance(title, 20).split("\n")
    assert "".join(lines) == title
    assert len(lines) == 2
    widths = [ooxml.text_width(line) for line in lines]
    assert all(w <= 20 for w in widths)
    assert widths[0] >= widths[1] >= widths[0] - 2  # even, the upper line no shorter (梯形)
    assert not re.search(r"\d\n\d|〔\n|\n[〕》），。]|[《（]\n", "\n".join(lines))  # never inside a number or at a bracket


def test_a_title_that_fits_or_has_its_own_breaks_stays() -> None:
    assert ooxml.balance("关于县城区停车难问题亟待破解的建议", 20) == "关于县城区停车难问题亟待破解的建议"
    assert ooxml.balance("第一行很长很长很长很长\n第二行", 5) == "第一行很长很长很长很长\n第二行"


def test_columns_widen_for_what_must_not_break() -> None:
    """A 文号, a date, the 年 月 日 left blank and a percentage each fit their column at 14 pt; a column with room gives way."""
    letter, blank = "示政协转〔2026〕12号", "　　年　　月　　日"
    rows: list[list[ooxml.Cell | str]] = [
        [ooxml.Cell("转办文号", header=True), ooxml.Cell(letter), ooxml.Cell("联系人及电话", header=True), ooxml.Cell(blank)],
        [ooxml.Cell("办理结果", header=True), ooxml.Cell("　".join(f"□{c}" for c in ("已落实", "部分落实", "正在落实", "未落实", "不予办理")), span=3)],
    ]
    (table,) = parse(ooxml.table(rows, [2.4, 3.6, 2.4, 3.2], header=False))
    cols = [int(c.get(f"{{{W}}}w")) for c in table.findall("w:tblGrid/w:gridCol", NS)]
    assert sum(cols) == ooxml.TEXT_WIDTH
    room = [c - ooxml.CELL_MARGINS for c in cols]
    assert room[1] >= round(ooxml.text_width(letter) * 14 * 20)
    assert room[3] >= round(ooxml.text_width(blank) * 14 * 20)
    first, second = table.findall("w:tr", NS)
    assert texts(first.findall("w:tc", NS)[2]) == ["联系人", "及电话"]  # a long header on two even lines
    choices = texts(second.findall("w:tc", NS)[1])
    assert "".join(choices).replace("　", "") == "□已落实□部分落实□正在落实□未落实□不予办理"
    assert all(ooxml.text_width(line) * 14 * 20 <= sum(room[1:]) + 2 * ooxml.CELL_MARGINS for line in choices)
    assert all(part.startswith("□") for line in choices for part in line.split("　"))  # no check box cut from its label
