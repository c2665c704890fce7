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
    borders = table.find("w:tblPr/w:tblBorders", NS)
    assert {side: val(borders, f"w:{side}", "sz") or val(borders, f"w:{side}") for side in ("top", "bottom", "insideH", "left", "right", "insideV")} == {
        "top": "8", "bottom": "8", "insideH": "6", "left": "nil", "right": "nil", "insideV": "nil"}  # 0.35 mm outside, 0.25 mm between
    rows = table.findall("w:tr", NS)
    assert [texts(r) for r in rows] == [["报：市政协。"], ["编辑部", "2025年5月15日印发"], ["（共印30份）"]]
    assert [len(r.findall(".//w:tab", NS)) for r in rows] == [0, 1, 0]
    assert [val(r, ".//w:pPr/w:jc") for r in rows] == [None, None, "right"]  # the print count stands on the right
    assert {val(r, ".//w:pPr/w:pStyle") for r in rows} == {"版记"}


def test_page_break() -> None:
    (p,) = parse(ooxml.page_break())
    assert val(p, "w:r/w:br", "type") == "page"
