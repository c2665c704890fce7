"""The Word documents as pages: the demo office's documents of each kind rendered by LibreOffice, read back with poppler.

Everything is rendered once, in one LibreOffice call (starting it costs seconds): one document of each kind
from the demo office, a series of 参阅件 whose text ends lower and lower on its last page (where the 版记 must
still not stand alone), and a page of characters whose Chinese and Japanese forms differ, in sqmy's styles and
in Noto's SC and JP faces. LibreOffice gets the fontconfig rules an office installs on Linux
(`sqmy docx fonts`, sqmy.docx.fonts), in the user's fontconfig folder as an office would.
What is asserted is what a reader sees: which fonts the PDF embeds, page counts, where the 版记 lands,
lines per page, the red masthead, titles and table cells that do not break badly.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import docx
import pytest

from sqmy import load
from sqmy.docx import fonts, pages
from sqmy.docx import plan as documents
from sqmy.docx import reference as docxstyle
from sqmy.paths import Repo

from .conftest import REPO, TODAY

YEAR = 2026
MM = pages.MM
# GB/T 9704 and templates/docx/styles.yml: A4, type area from 37 mm to 262 mm, 22 lines of 28 characters
TYPE_TOP, TYPE_BOTTOM = 37 * MM, (297 - 35) * MM
LINE_PITCH = 579 / 20  # points: styles.yml's 22 lines in the type area, as reference.Geometry rounds it
FILLERS = range(0, 24, 2)  # lines of text added to the 参阅件 of the 版记 series
CALIBRATION = "直骨说这"  # characters whose Chinese (SC) and Japanese (JP) forms differ


@dataclass
class Rendered:
    docx: Path
    pdf: Path
    pages: list[pages.Page]

    def paragraphs(self) -> list[str]:
        """The text of each paragraph of the Word file, those in tables included, without line breaks."""
        with zipfile.ZipFile(self.docx) as package:
            xml = package.read("word/document.xml").decode("utf-8")
        return ["".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p)) for p in re.findall(r"<w:p[ >].*?</w:p>", xml)]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    """kind → its document rendered (journal, item, referral, transfer, bulletin; banji-N: the 版记 series; calibration)."""
    missing = pages.missing_tools()
    if missing:
        pytest.skip(f"未安装 {'、'.join(missing)}：.ci/run 会安装 libreoffice-writer-nogui 和 poppler-utils")
    work = tmp_path_factory.mktemp("pages")
    repo = Repo(REPO)
    today = dt.date.fromisoformat(TODAY)
    loaded = load.load_all(repo, today)
    planner = documents.Planner(repo, loaded.registry, loaded.items, today)
    docs = planner.year(YEAR)
    chosen: dict[str, documents.Doc] = {}
    for doc in docs:  # of each kind the one with the most text: the most pages
        if doc.kind not in chosen or len(doc.markdown) > len(chosen[doc.kind].markdown):
            chosen[doc.kind] = doc
    referral = chosen["referral"]
    for lines in FILLERS:
        chosen[f"banji-{lines}"] = replace(referral, name=f"banji-{lines}.docx", markdown=_with_filler(referral.markdown, lines))
    reference = docxstyle.reference_doc(repo)
    written = documents.write_all(list(chosen.values()), work / "docx", reference, flat=True)
    paths = dict(zip(chosen, written, strict=True))
    paths["calibration"] = _calibration(reference, work / "docx" / "calibration.docx")
    definition, _ = docxstyle.load_definition(repo)
    pdfs = pages.to_pdf(list(paths.values()), work / "pdf", fonts_conf=fonts.fontconfig(definition["fonts"]))
    return {kind: Rendered(path, pdf, pages.pages(pdf)) for (kind, path), pdf in zip(paths.items(), pdfs, strict=True)}


def _with_filler(markdown: str, lines: int) -> str:
    """A 参阅件's Markdown with `lines` more lines of body text after its body (before the 反映人 line and the 版记)."""
    at = min(i for i in (markdown.rindex('<w:pStyle w:val="反映人"/>'), markdown.find("<w:tblpPr")) if i >= 0)
    at = markdown.rindex("\n```", 0, at)
    filler = "".join(f"\n\n补充说明第{n:02d}行，用于检验版记在末页的位置是否恰当。" for n in range(lines))
    return markdown[:at] + filler + "\n" + markdown[at:]


# the pages of the calibration document: sqmy's two styles, then Noto's faces named outright, each with a language
CALIBRATION_PAGES = (("Body Text", None, None), ("Heading 1", None, None),
                     ("Body Text", "Noto Serif CJK SC", "zh-CN"), ("Body Text", "Noto Serif CJK JP", "ja-JP"),
                     ("Body Text", "Noto Sans CJK SC", "zh-CN"), ("Body Text", "Noto Sans CJK JP", "ja-JP"))


def _calibration(reference: Path, out: Path) -> Path:
    """Pages of CALIBRATION (CALIBRATION_PAGES): in sqmy's body (仿宋) and 一级标题 (黑体) styles, then in Noto's serif and sans
    faces: SC setting Chinese, JP setting Japanese (a face shapes the glyphs for the language of the text: Noto's JP
    face sets Chinese text in Chinese forms)."""
    document = docx.Document(str(reference))
    for table in document.tables:  # pandoc's sample table
        table._tbl.getparent().remove(table._tbl)
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for style, face, language in CALIBRATION_PAGES:
        paragraph = document.add_paragraph(style=style)
        paragraph.paragraph_format.page_break_before = True  # each at the same place of a page of its own: the same pixels
        run = paragraph.add_run(CALIBRATION * 3)
        if face:
            properties = run._r.get_or_add_rPr()
            properties.get_or_add_rFonts().set(f"{w}eastAsia", face)
            properties.append(properties.makeelement(f"{w}lang", {f"{w}val": "en-US", f"{w}eastAsia": str(language)}))
    buffer = io.BytesIO()
    document.save(buffer)
    out.write_bytes(buffer.getvalue())
    return out


def glyphs(calibration: Rendered) -> list[bytes]:
    """The pixels of the first four characters on each page of the calibration document (CALIBRATION_PAGES)."""
    found = [(page, line) for page in calibration.pages for line in page.lines if line.text.startswith(CALIBRATION)]
    assert len(found) == len(CALIBRATION_PAGES), [page.text() for page in calibration.pages]
    return [pages.pixels(calibration.pdf, page.number, resolution=100).crop(line.left, line.top, line.left + 16 * 4, line.bottom)
            for page, line in found]


@pytest.fixture(scope="module")
def plain(rendered: dict[str, Rendered], tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The calibration document rendered by a LibreOffice that has only the machine's own fonts set up: no sqmy rules."""
    source = rendered["calibration"].docx
    (pdf,) = pages.to_pdf([source], tmp_path_factory.mktemp("plain"))
    return Rendered(source, pdf, pages.pages(pdf))


def kinds(rendered: dict[str, Rendered]) -> Iterator[tuple[str, Rendered]]:
    return ((kind, r) for kind, r in rendered.items() if kind in documents.KINDS)


# the height poppler gives a line of text: 1.3 times the font size
BODY = (19.5, 22.0)  # 三号, 16 pt: body text and headings
TITLE = (27.0, 30.0)  # 二号, 22 pt: titles


def body_lines(page: pages.Page) -> list[pages.Line]:
    """Lines of body text size (三号, 16 pt) inside the type area."""
    return [line for line in page.lines
            if line.top >= TYPE_TOP - 4 and line.bottom <= TYPE_BOTTOM + 4 and BODY[0] <= line.height <= BODY[1]]


# --- fonts -------------------------------------------------------------------------------------


def test_body_is_a_serif_face_and_headings_differ(rendered: dict[str, Rendered]) -> None:
    for kind, r in kinds(rendered):
        faces = {f.name for f in pages.fonts(r.pdf)}
        assert all(f.embedded for f in pages.fonts(r.pdf)), kind
        assert any("Serif" in name for name in faces), (kind, faces)  # 仿宋 → Noto Serif CJK SC, not the default sans face
        assert not any("DejaVu" in name for name in faces), (kind, faces)  # Times New Roman → Liberation Serif, same metrics
    journal = {f.name for f in pages.fonts(rendered["journal"].pdf)}
    assert any("Sans" in name for name in journal), journal  # 黑体 headings: a sans face beside the serif body
    assert any("UKai" in name for name in journal), (journal, "楷体的替代字体 AR PL UKai CN：fonts-arphic-ukai（.ci/run 安装）")


def test_no_chinese_text_takes_a_japanese_face(rendered: dict[str, Rendered], plain: Rendered) -> None:
    """Noto CJK keeps the glyphs of SC and JP in one font and names it "jp" in a PDF whichever face was used, so what is
    compared is the glyphs. With sqmy's rules the body (仿宋) is Noto Serif CJK SC and the 黑体 heading Noto Sans CJK SC;
    on a machine without them both take the default sans face, but still in Chinese forms (the documents say zh-CN),
    never in the Japanese ones (直骨说这 differ between the two)."""
    body, heading, serif_sc, serif_jp, sans_sc, sans_jp = glyphs(rendered["calibration"])
    assert serif_sc != serif_jp  # the characters do tell the forms apart
    assert sans_sc != sans_jp
    assert body == serif_sc
    assert heading == sans_sc
    body, heading, serif_sc, serif_jp, sans_sc, sans_jp = glyphs(plain)
    assert body == heading == sans_sc != sans_jp


# --- pages -------------------------------------------------------------------------------------


def test_page_counts(rendered: dict[str, Rendered]) -> None:
    """Each document takes the pages its parts need: a journal item or an attachment starts a page of its own, the
    反馈表 fits on one page, and no page is blank."""
    journal = rendered["journal"]
    titles = [page.number for page in journal.pages if any(TITLE[0] <= line.height <= TITLE[1] for line in page.lines)]
    items = sum(1 for text in journal.paragraphs() if text.startswith("反映人："))
    assert len(titles) == items >= 2  # every item's title on a page of its own
    transfer = rendered["transfer"]
    starts = {line.text.replace(" ", ""): page.number for page in transfer.pages for line in page.lines[:1]}
    assert starts.get("附件1") == 2  # the letter fits page 1; the item starts page 2
    assert starts.get("附件2") == len(transfer.pages)  # the 反馈表 on the last page, whole
    assert "注：请承办单位如实填写" in transfer.pages[-1].text()
    counts = {kind: len(r.pages) for kind, r in kinds(rendered)}
    assert all(1 <= n <= 8 for n in counts.values()), counts
    for kind, r in kinds(rendered):
        assert len(r.pages[-1].lines) > 1, kind  # no blank last page (a page number alone)
        for page in r.pages:  # every page numbered "— N —"
            assert re.search(rf"—\s*{page.number}\s*—", page.text()), (kind, page.number)


def test_masthead_is_red_on_page_one(rendered: dict[str, Rendered]) -> None:
    office_name = "中国人民政治协商会议示例县委员会"
    expected = {"journal": "社情民意信息", "referral": "参阅件", "transfer": office_name, "bulletin": office_name, "item": "社情民意信息（直报）"}
    for kind, r in kinds(rendered):
        first = r.pages[0]
        (masthead,) = [line for line in first.lines if line.text.replace(" ", "") == expected[kind]]
        assert masthead.bottom < first.height / 2, kind  # at the head of the page (a 参阅件 has the 批示 box above)
        share = pages.pixels(r.pdf, 1).red_share(masthead.left, masthead.top, masthead.right, masthead.bottom)
        assert share > 0.8, (kind, share)


def test_bulletin_carries_a_document_number_under_its_masthead(rendered: dict[str, Rendered]) -> None:
    lines = rendered["bulletin"].pages[0].lines
    texts = [line.text.replace(" ", "") for line in lines]
    at = texts.index("中国人民政治协商会议示例县委员会")
    assert re.fullmatch(r"示政协通〔\d{4}〕\d+号", texts[at + 1])
    assert texts[at + 2].startswith("关于")  # then the title


def test_lines_per_page_follow_the_grid(rendered: dict[str, Rendered]) -> None:
    """Body text keeps to the grid of GB/T 9704: lines 28.95 points apart, at most 22 on a page; a page of nothing but
    body text holds 22 (22 ± 1), and a full line 28 characters."""
    counts = []
    for kind, r in rendered.items():
        for page in r.pages:
            lines = body_lines(page)
            assert len(lines) <= 22, (kind, page.number, len(lines))
            counts.append(len(lines))
            if any(line.height > BODY[1] for line in page.lines):  # titles and tables are not on the grid: only pages of body text
                continue
            for a, b in itertools.pairwise(lines):
                steps = 2 * (b.top - a.top) / LINE_PITCH  # whole lines, or half ones (styles.yml's before: 0.5)
                assert abs(steps - round(steps)) * LINE_PITCH / 2 < 0.6, (kind, page.number, a.text, b.top - a.top)
            for line in lines:  # a closing mark may hang past the end of a full line
                assert sum(1 for c in line.text.rstrip("，。、；：！？”）") if ord(c) >= 0x2E80) <= 28, (kind, page.number, line.text)
    assert 21 <= max(counts) <= 22, max(counts)  # the 版记 series fills a page with one-line paragraphs
    widest = max(sum(1 for c in line.text.rstrip("，。、；：！？”）") if ord(c) >= 0x2E80)
                 for r in rendered.values() for page in r.pages for line in body_lines(page))
    assert widest == 28


def test_banji_never_stands_alone_and_sits_at_the_foot(rendered: dict[str, Rendered]) -> None:
    """However low the text ends on its last page, the 版记 shares its page with text and its last rule is at the foot of the type area."""
    series = [r for kind, r in rendered.items() if kind.startswith("banji-") or kind in ("journal", "referral")]
    landed = set()
    for r in series:
        where = [(page, line) for page in r.pages for line in page.lines if line.text.startswith(("报：", "送：", "发："))]
        assert where, r.docx.name
        page, first = where[0]
        assert page is r.pages[-1], r.docx.name  # the 版记 is on the last page
        above = [line for line in page.lines if line.bottom <= first.top and BODY[0] <= line.height]
        assert above, f"{r.docx.name}: 版记独占一页"
        last = max((line for line in page.lines if "印发" in line.text or "编印" in line.text or "共印" in line.text), key=lambda line: line.bottom)
        assert TYPE_BOTTOM - 40 < last.bottom <= TYPE_BOTTOM + 2, (r.docx.name, last.bottom, TYPE_BOTTOM)
        landed.add(len(r.pages))
    assert len(landed) > 1  # the series did push the 版记 onto a further page


# --- lines that must not break ------------------------------------------------------------------


def test_titles_never_end_with_a_lone_character(rendered: dict[str, Rendered]) -> None:
    for kind, r in rendered.items():
        if kind == "calibration":
            continue
        for page in r.pages:
            titles = [line for line in page.lines if TITLE[0] <= line.height <= TITLE[1]]
            runs: list[list[pages.Line]] = []
            for line in titles:
                if runs and line.top - runs[-1][-1].top < 40:
                    runs[-1].append(line)
                else:
                    runs.append([line])
            for run in runs:
                if len(run) > 1:
                    assert len(run[-1].text.strip()) >= 2, (kind, [line.text for line in run])


def test_no_table_cell_leaves_a_lone_character_on_a_line(rendered: dict[str, Rendered]) -> None:
    """Text too long for its cell is set on even lines: no line of a cell (四号, 14 pt) holds one Chinese character
    alone, but for the 年, 月 and 日 of a date left blank to write in."""
    for kind, r in kinds(rendered):
        for page in r.pages:
            lone = [line.text for line in page.lines if 17 <= line.height <= 19.5 and len(line.text.strip()) == 1
                    and ord(line.text.strip()) >= 0x2E80 and line.text.strip() not in "年月日"]
            assert not lone, (kind, page.number, lone)


def test_table_cells_keep_numbers_dates_and_check_boxes_whole(rendered: dict[str, Rendered]) -> None:
    for kind, r in kinds(rendered):
        shown = [line.text.replace(" ", "") for page in r.pages for line in page.lines]
        wanted: set[str] = set()
        for text in r.paragraphs():
            wanted |= set(re.findall(r"\d+(?:\.\d+)?%", text)) | set(re.findall(r"\d{4}年\d{1,2}月\d{1,2}日", text))
            wanted |= set(re.findall(r"[^：，。（《\s]{0,6}〔\d{4}〕\d+号", text)) | set(re.findall(r"□[^□　]+", text))
        for piece in wanted:
            whole = piece.replace(" ", "").replace("　", "")
            assert any(whole in line.replace("　", "") for line in shown), (kind, piece)
    form = rendered["transfer"].pages[-1]
    # the 填报日期 left blank to write in: 年, 月 and 日 on one line (poppler reads the wide gaps as three lines)
    blank = [line for line in form.lines if line.text.strip() in ("年", "月", "日") or re.fullmatch(r"年\s*月\s*日", line.text.strip())]
    assert blank
    assert max(line.top for line in blank) - min(line.top for line in blank) < 2, [(line.text, line.top) for line in blank]

