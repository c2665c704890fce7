"""plan.py end to end: the demo office's Word documents planned, made by real pandoc, read back with python-docx, rendered by LibreOffice.

The pieces have tests of their own: test_docx_ooxml (raw WordprocessingML), test_docx_pandoc (the
pandoc runner and rawguard.lua), test_docx_reference (styles.yml), test_docx_golden (one document
of each kind, compared with golden copies).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.document import Document

from sqmy import errors, journal, load, schema, stats
from sqmy.cli import main
from sqmy.docx import ooxml, pandoc
from sqmy.docx import plan as documents
from sqmy.docx import reference as docxstyle
from sqmy.errors import Incomplete
from sqmy.paths import Repo

from .conftest import REPO, TODAY, Invoke

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PHONE = re.compile(r"1[3-9]\d{9}")
YEAR = 2026


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every document of the demo office's year 2026, made once by `sqmy docx all`."""
    out = tmp_path_factory.mktemp("docx")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SQMY_TODAY", TODAY)
        result = CliRunner().invoke(main, ["--root", str(REPO), "docx", "all", "--year", str(YEAR), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out / str(YEAR)


@pytest.fixture(scope="module")
def demo_items() -> dict[str, object]:
    loaded = load.load_all(Repo(REPO), dt.date.fromisoformat(TODAY))
    return {"reg": loaded.registry, "items": {i.id: i for i in loaded.items}}


def open_docx(path: Path) -> Document:
    return docx.Document(str(path))


def styled(document: Document, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style is not None and p.style.name == style]


def one_line(texts: list[str]) -> list[str]:
    """Texts without the line breaks a long title or cell text is set with (ooxml.balance)."""
    return [t.replace("\n", "") for t in texts]


def all_text(path: Path) -> str:
    """Every text of the file, headers, footers and tables included."""
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/") and n.endswith(".xml"))
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def east_asian(style: object) -> str | None:
    fonts = style.element.find(f"{W}rPr/{W}rFonts")  # type: ignore[attr-defined]
    return None if fonts is None else fonts.get(f"{W}eastAsia")


# --- the journal -----------------------------------------------------------------------------


def test_journal_issue_has_masthead_items_and_banji(made: Path, demo_items: dict[str, object]) -> None:
    items = demo_items["items"]
    reg = demo_items["reg"]
    members = [i for i in items.values() if i.journal and (i.journal.year, i.journal.issue) == (YEAR, 1)]  # type: ignore[attr-defined]
    path = made / journal.file_name(YEAR, 1)
    d = open_docx(path)
    first = d.paragraphs[0]
    assert first.style.name == "版头"
    assert first.text == "社情民意信息"
    assert str(d.styles["版头"].font.color.rgb) == "FF0000"
    assert styled(d, "期号") == [f"{YEAR}年第1期（总第{reg.office.issues_before + 15 + 1}期）"]  # type: ignore[attr-defined]
    (line,) = styled(d, "编印行")
    editor, date = line.split("\t")
    assert editor == "示例县政协社会和法制委员会"
    assert re.fullmatch(rf"{YEAR}年\d+月\d+日", date)
    rule = d.styles["编印行"].element.find(f"{W}pPr/{W}pBdr/{W}bottom")
    assert rule.get(f"{W}color") == "FF0000"
    assert sorted(one_line(styled(d, "信息标题"))) == sorted(i.title for i in members)
    reporters = styled(d, "反映人")
    assert len(reporters) == len(members)
    for item, text in zip(sorted(members, key=lambda i: one_line(styled(d, "信息标题")).index(i.title)), reporters, strict=True):
        person = reg.people[item.authors[0]]  # type: ignore[attr-defined]
        assert text.startswith(f"反映人：{person.name}（")
    # the item bodies, section headings as level-1 headings (黑体)
    assert any(t.startswith("一、") for t in styled(d, "Heading 1"))
    assert not PHONE.search(all_text(path))
    # the 版记: 报/送/发 and the printing line between rules, 0.35 mm outside and 0.25 mm between
    banji = d.tables[-1]
    rows = [row.cells[0].text for row in banji.rows]
    assert rows[0].startswith("报：市政协社情民意信息工作委员会")
    assert rows[1].startswith("送：县委主要领导")
    assert rows[2].startswith("发：")
    assert rows[3] == f"示例县政协社会和法制委员会\t{date}印发"
    assert rows[4] == "（共印60份）"
    borders = banji._tbl.tblPr.find(f"{W}tblBorders")
    assert borders.find(f"{W}top").get(f"{W}sz") == "8"
    assert borders.find(f"{W}bottom").get(f"{W}sz") == "8"
    assert borders.find(f"{W}insideH").get(f"{W}sz") == "6"
    assert borders.find(f"{W}left").get(f"{W}val") == "nil"


def test_page_numbers_are_dashes_around_the_number_outside_edge(made: Path) -> None:
    d = open_docx(made / journal.file_name(YEAR, 1))
    assert d.settings.odd_and_even_pages_header_footer
    section = d.sections[0]
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        (paragraph,) = footer.paragraphs
        xml = paragraph._p.xml
        assert "PAGE" in xml
        assert "fldChar" in xml
        assert paragraph.text.startswith("— ")
        assert paragraph.text.endswith(" —")
        assert paragraph._p.pPr.find(f"{W}jc").get(f"{W}val") == align


def test_numbering_counts_earlier_years_issues(demo_items: dict[str, object]) -> None:
    items = list(demo_items["items"].values())  # type: ignore[attr-defined]
    reg = demo_items["reg"]
    planner = documents.Planner(Repo(REPO), reg, items, dt.date.fromisoformat(TODAY))  # type: ignore[arg-type]
    last_2025 = max(i.journal.issue for i in items if i.journal and i.journal.year == 2025)
    assert f"（总第{reg.office.issues_before + 2}期）" in planner.journal(2025, 2).markdown  # type: ignore[attr-defined]
    assert f"（总第{reg.office.issues_before + last_2025 + 3}期）" in planner.journal(2026, 3).markdown  # type: ignore[attr-defined]


def test_one_issue_needs_only_its_own_items_and_the_issue_numbers(demo_items: dict[str, object]) -> None:
    """A planner given one issue's items and the numbers of every issue (`issue_keys`) plans that issue as one given every item."""
    items = list(demo_items["items"].values())  # type: ignore[attr-defined]
    reg, today = demo_items["reg"], dt.date.fromisoformat(TODAY)
    full = documents.Planner(Repo(REPO), reg, items, today)  # type: ignore[arg-type]
    keys = [(i.journal.year, i.journal.issue) for i in items if i.journal]
    for year, issue in ((2025, 2), (2026, 3)):
        own = [i for i in items if i.journal and (i.journal.year, i.journal.issue) == (year, issue)]
        alone = documents.Planner(Repo(REPO), reg, own, today, issue_keys=keys)  # type: ignore[arg-type]
        assert alone.journal(year, issue) == full.journal(year, issue)
        with pytest.raises(errors.SqmyError) as missing:
            alone.journal(year, 99)
        with pytest.raises(errors.SqmyError) as also_missing:
            full.journal(year, 99)
        assert missing.value.message == also_missing.value.message


# --- the other kinds -----------------------------------------------------------------------------


def test_referral_starts_with_the_instruction_box(made: Path, demo_items: dict[str, object]) -> None:
    items = demo_items["items"]
    referred = [i for i in items.values() if i.year == YEAR and "参阅" in i.routes]  # type: ignore[attr-defined]
    assert referred
    for item in referred:
        d = open_docx(made / f"参阅件-{item.id}.docx")
        body = d.element.body
        assert body[0].tag == f"{W}tbl"  # the box comes first, above the masthead
        box = d.tables[0]
        assert box.cell(0, 0).text == "领导批示："
        height = box.rows[0]._tr.trPr.find(f"{W}trHeight")
        assert int(height.get(f"{W}val")) >= 8 * 400
        assert styled(d, "版头") == ["参阅件"]
        assert one_line(styled(d, "信息标题")) == [item.title]


def test_transfer_letter_with_feedback_form(made: Path, demo_items: dict[str, object]) -> None:
    items = demo_items["items"]
    reg = demo_items["reg"]
    item = items["2026-0108-linzhiyuan-1"]  # type: ignore[index]
    transfer = item.transfers[0]
    path = made / f"转办函-{item.id}-1.docx"
    d = open_docx(path)
    assert styled(d, "发文字号") == [transfer.letter]
    unit = reg.units[transfer.to]  # type: ignore[attr-defined]
    assert styled(d, "主送") == [f"{unit.name}："]
    text = "\n".join(p.text for p in d.paragraphs)
    assert f"请于{transfer.due.year}年{transfer.due.month}月{transfer.due.day}日前" in text
    assert styled(d, "附件标识") == ["附件1", "附件2"]
    assert d.styles["附件标识"].paragraph_format.page_break_before
    form = d.tables[-1]
    labels = [row.cells[0].text.replace("\n", "") for row in form.rows]  # long labels on two lines
    assert labels == ["信息标题", "转办文号", "承办单位", "办理结果", "办理情况", "单位负责人（签字）"]
    assert form.cell(0, 1).text.replace("\n", "") == item.title
    results = form.cell(3, 1).text  # the check boxes on as many lines as they need, none cut from its label
    assert re.split("[　\n]", results) == [f"□{choice}" for choice in schema.enum("feedback_result")]
    assert "□已落实" in results
    assert not PHONE.search(all_text(path))


def test_direct_copy_carries_the_item_and_its_reporter(made: Path, demo_items: dict[str, object]) -> None:
    items = demo_items["items"]
    direct = [i for i in items.values() if i.year == YEAR and "直报" in i.routes and any(r.stage == "审定" for r in i.reviews)]  # type: ignore[attr-defined]
    assert direct
    d = open_docx(made / f"直报-{direct[0].id}.docx")
    assert one_line(styled(d, "信息标题")) == [direct[0].title]
    assert styled(d, "反映人")[0].startswith("反映人：")
    assert styled(d, "版记") == [f"信息编号：{direct[0].id}"]


def test_bulletin_tables_show_the_years_figures(made: Path, demo_items: dict[str, object]) -> None:
    items = list(demo_items["items"].values())  # type: ignore[attr-defined]
    reg = demo_items["reg"]
    today = dt.date.fromisoformat(TODAY)
    figures = stats.flat(stats.compute(reg, items, stats.period(YEAR, None, None, None, today), today))  # type: ignore[arg-type]
    d = open_docx(made / f"通报-{YEAR}.docx")
    assert styled(d, "信息标题") == [f"关于{YEAR}年社情民意信息工作情况的通报"]
    summary = {row.cells[0].text: row.cells[1].text for row in d.tables[0].rows[1:]}
    assert summary["采集"] == str(figures["collected"])
    assert summary["上报"] == str(figures["reported"])
    assert summary["市政协采用"] == str(figures["adopted_city"])
    headers = [[c.text.replace("\n", "") for c in t.rows[0].cells] for t in d.tables]  # long headers on two lines
    assert ["名次", "单位", "采集", "年度任务", "完成率", "积分", "等次"] in headers
    assert ["信息标题和事项", "承办单位", "办理时限", "逾期天数"] in headers
    scored = [(t, h.index("积分")) for t, h in zip(d.tables, headers, strict=True) if "积分" in h]
    assert len(scored) == 2
    for table, column in scored:  # scores with the two decimals they are computed to, as in every other output
        assert all(re.fullmatch(r"\d+\.\d\d", row.cells[column].text) for row in table.rows[1:])
    overdue = d.tables[[h[0] for h in headers].index("信息标题和事项")]
    *title, what = overdue.cell(1, 0).text.split("\n")  # the title (on even lines where it is long), then the matter
    assert "关于" in "".join(title)
    assert re.fullmatch(r"(转办　示政协转〔\d{4}〕\d+号|批示　.+)", what)
    assert styled(d, "Heading 1")[:4] == ["一、总体情况", "二、各单位报送和任务完成情况", "三、委员和信息员报送情况", "四、督办情况"]


def test_bulletin_has_the_red_masthead_and_a_document_number(made: Path, demo_items: dict[str, object]) -> None:
    reg = demo_items["reg"]
    d = open_docx(made / f"通报-{YEAR}.docx")
    assert d.paragraphs[0].style.name == "发文机关标志"
    assert styled(d, "发文机关标志") == [reg.office.name]  # type: ignore[attr-defined]
    assert str(d.styles["发文机关标志"].font.color.rgb) == "FF0000"
    assert styled(d, "发文字号") == [f"示政协通〔{YEAR}〕1号"]  # the 转办函's 代字 示政协转, 转 made 通; a year's 通报 is 1号


@pytest.mark.parametrize(("label", "number"), [("2026", "1"), ("2026H2", "2"), ("2026Q3", "3"), ("2026-07", "7"), ("2026-01-01至2026-03-31", "1")])
def test_bulletin_number_follows_the_period(demo_items: dict[str, object], label: str, number: str) -> None:
    office = demo_items["reg"].office  # type: ignore[attr-defined]
    assert documents.bulletin_number(office, label, dt.date(2026, 12, 1)) == f"示政协通〔2026〕{number}号"
    bare = dataclasses.replace(office, letter_prefix="")
    assert documents.bulletin_number(bare, label, dt.date(2027, 1, 5)) == f"示例县政协通〔2027〕{number}号"


def test_reporter_line_names_the_unit_once(demo_items: dict[str, object]) -> None:
    """A function that already names the unit (社法委主任 of 社法委) is not preceded by the unit again."""
    reg = demo_items["reg"]
    items = list(demo_items["items"].values())  # type: ignore[attr-defined]
    planner = documents.Planner(Repo(REPO), reg, items, dt.date.fromisoformat(TODAY))  # type: ignore[arg-type]
    people = reg.people  # type: ignore[attr-defined]
    units = reg.units  # type: ignore[attr-defined]
    repeated = next(p for p in people.values() if p.title and p.unit in units and units[p.unit].label in p.title)
    other = next(p for p in people.values() if p.title and p.unit in units and units[p.unit].label not in p.title
                 and units[p.unit].name not in p.title)
    item = next(i for i in items if i.authors)
    assert planner.reporter(dataclasses.replace(item, authors=(repeated.id,))) == f"反映人：{repeated.name}（{repeated.title}）"
    assert planner.reporter(dataclasses.replace(item, authors=(other.id,))) == f"反映人：{other.name}（{units[other.unit].label}，{other.title}）"


# --- the batch ----------------------------------------------------------------------------


def test_docx_all_makes_every_document_of_the_year(made: Path, demo_items: dict[str, object]) -> None:
    items = [i for i in demo_items["items"].values() if i.year == YEAR and any(r.stage == "审定" and r.decision == "通过" for r in i.reviews)]  # type: ignore[attr-defined]
    issues = {i.journal.issue for i in demo_items["items"].values() if i.journal and i.journal.year == YEAR}  # type: ignore[attr-defined]
    expected = {journal.file_name(YEAR, n) for n in issues} | {f"通报-{YEAR}.docx"}
    for item in items:
        expected |= {path.name for _, path in documents.item_documents(item) if not path.name.startswith("社情民意信息")}
    assert {p.name for p in made.iterdir()} == expected
    for path in made.iterdir():
        assert zipfile.is_zipfile(path)


def test_docx_all_twice_gives_the_same_files(tmp_path: Path, demo: Path, sqmy: Invoke) -> None:
    first = sqmy("docx", "all", "--year", "2025", "--kind", "journal", "--kind", "transfer", "-o", str(tmp_path))
    assert first.exit_code == 0
    files = sorted(p.name for p in (tmp_path / "2025").iterdir())
    assert "生成公文" in first.stderr
    second = sqmy("docx", "all", "--year", "2025", "--kind", "journal", "--kind", "transfer", "-o", str(tmp_path))
    assert second.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "2025").iterdir()) == files  # replaced, nothing added or half-written
    assert all(n.startswith(("社情民意信息", "转办函")) for n in files)


def entries(data: bytes) -> dict[str, tuple[bytes, tuple[int, ...], int]]:
    """Every part of a Word file with its content, time and compression, in the order they are stored."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {i.filename: (package.read(i.filename), i.date_time, i.compress_type) for i in package.infolist()}


def test_many_documents_are_read_together_and_each_checked_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_items: dict[str, object]) -> None:
    """write_all has one pandoc read several documents: each file is the one `convert` makes, and a document that fails
    its check is named and left out while the others of its batch are written."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the creation time pandoc records: the same for both ways
    planner = documents.Planner(Repo(REPO), demo_items["reg"], list(demo_items["items"].values()), dt.date.fromisoformat(TODAY))  # type: ignore[arg-type, attr-defined]
    docs = planner.year(2025)
    broken = dataclasses.replace(docs[13], name="坏.docx", markdown=docs[13].markdown + ooxml.raw("<w:p><w:r><w:t>未闭合"))
    chosen = [*docs[10:13], broken, *docs[13:24], docs[-1]]
    assert {d.kind for d in chosen} == set(documents.KINDS)
    reference = docxstyle.reference_doc(Repo(REPO))
    read: list[int] = []
    read_many = pandoc.read_many

    def counted(parts: list[list[str]], nonce: str) -> list[bytes]:
        read.append(len(parts))
        return read_many(parts, nonce)

    monkeypatch.setattr(pandoc, "read_many", counted)
    with pytest.raises(Incomplete) as caught:
        documents.write_all(chosen, tmp_path, reference, jobs=1, flat=True)
    assert sum(read) == len(chosen)  # every document read in a batch,
    assert min(read) >= documents.MIN_BATCH  # none alone
    first, *failures = caught.value.message.splitlines()
    assert first == f"1 份公文未能生成（其余 {len(chosen) - 1} 份已写入）："
    assert len(failures) == 1
    assert failures[0].startswith("公文“坏.docx”生成后检查未通过（word/document.xml 不是完好的 XML")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(d.name for d in chosen if d is not broken)
    for doc in chosen:
        if doc is not broken:
            assert entries((tmp_path / doc.name).read_bytes()) == entries(documents.convert(doc, reference)), doc.name


@pytest.mark.parametrize("failing", [("read_many",), ("write_many",), ("write_many", "json_to_docx")])
def test_documents_are_converted_one_by_one_when_doing_them_together_fails(monkeypatch: pytest.MonkeyPatch, demo_items: dict[str, object],
                                                                          failing: tuple[str, ...]) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    planner = documents.Planner(Repo(REPO), demo_items["reg"], list(demo_items["items"].values()), dt.date.fromisoformat(TODAY))  # type: ignore[arg-type, attr-defined]
    docs = planner.year(2025)[:4]
    reference = docxstyle.reference_doc(Repo(REPO))

    def fail(*args: object) -> list[bytes]:
        raise pandoc.BatchMismatch("test") if failing == ("read_many",) else errors.ToolFailed("pandoc", ["pandoc"], 1, "test")

    for name in failing:
        monkeypatch.setattr(pandoc, name, fail)
    made = documents.convert_many(docs, reference)
    assert [entries(m) if isinstance(m, bytes) else m for m in made] == [entries(documents.convert(d, reference)) for d in docs]


def test_refusals_are_clear(demo: Path, sqmy: Invoke, tmp_path: Path) -> None:
    draft = next(p.stem for p in (REPO / "items" / "2026").iterdir() if "reviews:" not in p.read_text("utf-8"))
    result = sqmy("docx", "item", draft, "-o", str(tmp_path / "x.docx"))
    assert result.exit_code == 2
    assert f"信息 {draft} 尚未审定通过，不能生成公文" in result.stderr
    result = sqmy("docx", "journal", "--year", "2026", "--issue", "99")
    assert result.exit_code == 2
    assert "2026年第99期没有编入任何信息（2026年已有：第1、" in result.stderr
    result = sqmy("docx", "transfer", "2026-0115-zhengyawen-1")
    assert result.exit_code == 2
    assert "没有转办记录" in result.stderr
    assert not (tmp_path / "x.docx").exists()


def test_a_broken_template_names_its_line(office: Path, sqmy: Invoke) -> None:
    shutil.copytree(REPO / "templates" / "docx", office / "templates" / "docx")
    (office / "templates" / "docx" / "bulletin.md.j2").write_text("第一行\n{{ raw(para(\"主送\", office.nosuch)) }}\n", "utf-8")
    result = sqmy("docx", "bulletin", "--year", "2026")
    assert result.exit_code == 2
    assert "templates/docx/bulletin.md.j2:2: 错误：公文模板有错误" in result.stderr


# --- rendering -------------------------------------------------------------------------------


def render_pdfs(chosen: list[Path], tmp_path: Path, resolution: int = 40) -> list[Path]:
    """Word files rendered by LibreOffice: the PDF of each, its first page checked to carry text and a page number."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        pytest.skip("LibreOffice 或 pdftoppm 未安装：.ci/run 会安装 libreoffice-writer-nogui 和 poppler-utils")
    for path in chosen:
        shutil.copy(path, tmp_path / path.name)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    *[str(tmp_path / p.name) for p in chosen]], check=True, capture_output=True, timeout=300)
    pdfs = []
    for path in chosen:
        pdf = tmp_path / f"{path.stem}.pdf"
        assert pdf.is_file(), path.name
        subprocess.run(["pdftoppm", "-r", str(resolution), "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / path.stem)], check=True)
        png = next(tmp_path.glob(f"{path.stem}-*1.png"))
        assert png.stat().st_size > 5_000  # a page with text on it, not a blank
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
            assert "— 1 —" in text.replace("—1—", "— 1 —")
        pdfs.append(pdf)
    return pdfs


def test_documents_render_in_libreoffice(made: Path, tmp_path: Path) -> None:
    chosen = [made / journal.file_name(YEAR, 1), made / f"通报-{YEAR}.docx", next(made.glob("转办函-*.docx")), next(made.glob("参阅件-*.docx"))]
    render_pdfs(chosen, tmp_path)
    journal_text = subprocess.run(["pdftotext", str(tmp_path / f"{chosen[0].stem}.pdf"), "-"], capture_output=True, text=True, check=False).stdout
    assert "社情民意信息" in journal_text
    assert "反映人" in journal_text
