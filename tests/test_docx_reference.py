"""reference.py: the Word reference document built from templates/docx/styles.yml."""

from __future__ import annotations

import copy
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document
from docx.shared import Mm, Pt

from sqmy import cache
from sqmy.docx import fonts, ooxml
from sqmy.docx import reference as docxstyle
from sqmy.errors import SqmyError
from sqmy.paths import Repo

from .conftest import REPO, Invoke

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    """The shipped definition (GB/T 9704-2012), checked."""
    data, _ = docxstyle.load_definition(Repo(REPO))
    return data


@pytest.fixture
def styles_yml(office: Path) -> Path:
    """The sample office with the shipped templates/docx/; the styles.yml to spoil."""
    shutil.copytree(REPO / "templates" / "docx", office / "templates" / "docx")
    return office / docxstyle.DEFINITION


def open_docx(path: Path) -> Document:
    return docx.Document(str(path))


def east_asian(style: object) -> str | None:
    fonts = style.element.find(f"{W}rPr/{W}rFonts")  # type: ignore[attr-defined]
    return None if fonts is None else fonts.get(f"{W}eastAsia")


# --- page geometry -----------------------------------------------------------------------------------


def test_geometry_of_the_gbt_9704_page(definition: dict[str, Any]) -> None:
    g = docxstyle.Geometry(definition["page"])
    assert (g.width, g.height) == (11906, 16838)  # A4 in twips
    assert g.line_pitch == 579  # 22 lines in the 225 mm type area, as GB/T 9704 templates have it
    assert g.text_width == ooxml.TEXT_WIDTH  # tables and the 版记 (ooxml) span exactly the type area the page leaves
    assert g.condense == -5  # 28 characters of 16 pt on the 156 mm line: each 0.25 pt closer
    assert 28 * (16 * 20 + g.condense) <= g.text_width < 29 * (16 * 20 + g.condense)


def test_geometry_never_spreads_characters(definition: dict[str, Any]) -> None:
    page = copy.deepcopy(definition["page"])
    page["chars"] = 20  # fewer than fit: the spacing stays as the font has it
    assert docxstyle.Geometry(page).condense == 0


# --- the built document ---------------------------------------------------------------------------------


def test_reference_document_follows_gbt_9704() -> None:
    ref = open_docx(docxstyle.reference_doc(Repo(REPO)))
    section = ref.sections[0]
    for value, mm in ((section.page_width, 210), (section.page_height, 297), (section.top_margin, 37),
                      (section.bottom_margin, 35), (section.left_margin, 28), (section.right_margin, 26)):
        assert value is not None
        assert abs(value - Mm(mm)) < Mm(0.1)
    grid = section._sectPr.find(f"{W}docGrid")
    assert grid is not None
    assert grid.get(f"{W}linePitch") == "579"  # 22 lines in the 225 mm type area
    normal = ref.styles["Normal"]
    assert east_asian(normal) == "仿宋_GB2312"
    assert normal.font.size == Pt(16)
    assert normal.paragraph_format.line_spacing == Pt(28.95)  # exact, 579 twips
    expected = {"Title": ("方正小标宋简体", 22), "Heading 1": ("黑体", 16), "Heading 2": ("楷体_GB2312", 16),
                "Heading 3": ("仿宋_GB2312", 16), "版头": ("方正小标宋简体", 42), "反映人": ("楷体_GB2312", 16), "版记": ("仿宋_GB2312", 14)}
    for name, (font, size) in expected.items():
        style = ref.styles[name]
        assert east_asian(style) == font, name
        assert style.font.size == Pt(size), name
    assert ref.styles["Heading 3"].font.bold is True
    assert ref.styles["Heading 1"].font.bold is False
    assert str(ref.styles["版头"].font.color.rgb) == "FF0000"
    # 28 characters a line: body text condensed so that 28 × 16 pt fits the 156 mm line
    spacing = ref.styles["Body Text"].element.find(f"{W}rPr/{W}spacing")
    pitch = 16 + int(spacing.get(f"{W}val")) / 20
    assert 28 * pitch <= 156 / 25.4 * 72 < 29 * pitch
    with zipfile.ZipFile(docxstyle.reference_doc(Repo(REPO))) as z:
        styles_xml = z.read("word/styles.xml").decode()
        fonts_xml = z.read("word/fontTable.xml").decode()
    assert "eastAsiaTheme" not in styles_xml
    assert "asciiTheme" not in styles_xml
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts_xml


def test_a_page_break_before_belongs_to_its_own_style_only(definition: dict[str, Any]) -> None:
    """附件标识 starts a page; a style based on it takes its font but not the page break."""
    changed = copy.deepcopy(definition)
    changed["styles"]["附件标题"] = {"based_on": "附件标识", "size": 18}
    ref = docx.Document(io.BytesIO(docxstyle.build(changed)))
    assert ref.styles["附件标识"].paragraph_format.page_break_before is True
    child = ref.styles["附件标题"]
    assert not child.paragraph_format.page_break_before
    assert east_asian(child) == "黑体"
    assert child.font.size == Pt(18)
    assert child.base_style is not None
    assert child.base_style.name == "附件标识"


# --- the definition and its cache ------------------------------------------------------------------------


def test_reference_document_is_rebuilt_when_the_definition_changes(styles_yml: Path) -> None:
    repo = Repo(styles_yml.parents[2])
    first = docxstyle.reference_doc(repo)
    assert docxstyle.reference_doc(repo) == first  # cached
    styles_yml.write_text(styles_yml.read_text("utf-8").replace("Normal:            {font: 仿宋_GB2312, size: 16",
                                                              "Normal:            {font: 仿宋_GB2312, size: 15"), "utf-8")
    second = docxstyle.reference_doc(repo)
    assert second != first
    assert open_docx(second).styles["Normal"].font.size == Pt(15)


def test_a_broken_style_definition_names_file_line_and_field(styles_yml: Path) -> None:
    lines = styles_yml.read_text("utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("  版记:"))
    lines[at] = lines[at].replace("size: 14", "size: 四号")
    lines.append("  题注: {based_on: 没有这个样式}")
    styles_yml.write_text("\n".join(lines) + "\n", "utf-8")
    cached = set(cache.user_folder().glob("reference-*.docx"))
    with pytest.raises(SqmyError) as caught:
        docxstyle.reference_doc(Repo(styles_yml.parents[2]))
    message = caught.value.message
    assert f"templates/docx/styles.yml:{at + 1}: 错误：" in message
    assert "字号" in message
    assert f"templates/docx/styles.yml:{len(lines)}: 错误：样式“题注”基于的样式“没有这个样式”未定义" in message
    assert set(cache.user_folder().glob("reference-*.docx")) == cached  # nothing half-built is cached
    assert not list(styles_yml.parents[2].glob(".sqmy/**/*.docx"))  # and nothing in the working tree at all


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "templates/docx/styles.yml:1: 错误：文件为空"),
    ("page: {}\n".encode("gbk") + "# 公文版式\n".encode("gbk"), "templates/docx/styles.yml:1: 错误：文件不是 UTF-8 编码；请用 UTF-8 保存"),
], ids=["empty", "gbk"])
def test_an_unreadable_definition_is_named(styles_yml: Path, content: bytes, expected: str) -> None:
    styles_yml.write_bytes(content)
    with pytest.raises(SqmyError) as caught:
        docxstyle.load_definition(Repo(styles_yml.parents[2]))
    assert expected in caught.value.message


def test_a_cycle_of_based_on_is_refused(styles_yml: Path) -> None:
    text = styles_yml.read_text("utf-8")
    text = text.replace("主送:              {based_on: Normal,", "主送:              {based_on: 落款,")
    text = text.replace("落款:              {based_on: Normal,", "落款:              {based_on: 主送,")
    styles_yml.write_text(text, "utf-8")
    with pytest.raises(SqmyError, match=r"based_on 形成循环（(主送 → 落款 → 主送|落款 → 主送 → 落款)）") as caught:
        docxstyle.load_definition(Repo(styles_yml.parents[2]))
    assert caught.value.message.count("形成循环") == 1  # one loop, said once


def test_a_cached_reference_cut_short_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = docxstyle.reference_doc(Repo(REPO))
    whole = first.read_bytes()
    first.write_bytes(whole[: len(whole) // 2])  # a full disk or a killed run
    again = docxstyle.reference_doc(Repo(REPO))
    assert again == first
    assert again.read_bytes() == whole


# --- fonts: the official one, then its 替代链 -----------------------------------------------------------


def test_each_official_font_has_a_chain_ending_in_linux_fonts(definition: dict[str, Any]) -> None:
    chains = docxstyle.chains(definition["fonts"])
    assert set(chains) == {"方正小标宋简体", "仿宋_GB2312", "楷体_GB2312", "黑体", "宋体"}
    assert [chains[f][0] for f in ("方正小标宋简体", "仿宋_GB2312", "楷体_GB2312")] == ["华文中宋", "仿宋", "楷体"]  # Windows first
    assert "Noto Serif CJK SC" in chains["仿宋_GB2312"]
    assert "Noto Sans CJK SC" in chains["黑体"]
    assert "AR PL UKai CN" in chains["楷体_GB2312"]
    assert docxstyle.chains({"仿宋_GB2312": "仿宋"}) == {"仿宋_GB2312": ["仿宋"]}  # one name is a chain of one


def test_font_table_gives_word_the_first_alternative_and_its_kind() -> None:
    """Word reads one alternative name (w:altName, at most 31 characters) and finds a like face by PANOSE class and family."""
    with zipfile.ZipFile(docxstyle.reference_doc(Repo(REPO))) as z:
        table = z.read("word/fontTable.xml").decode()
    assert ('<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/><w:panose1 w:val="02010609060101010101"/>'
            '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>') in table
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="华文中宋"/><w:panose1 w:val="02010600040101010101"/>' in table
    assert '<w:font w:name="楷体_GB2312"><w:altName w:val="楷体"/>' in table
    assert "Noto" not in table  # Linux names are for fontconfig (sqmy.docx.fonts), not for Word


def test_fontconfig_rules_put_the_chain_after_the_official_font(definition: dict[str, Any], tmp_path: Path) -> None:
    """The rules `sqmy docx fonts` writes, installed as a Linux user installs them: fontconfig then answers each
    official name with the first font of its chain that the machine has, as strongly as the Chinese language would pick."""
    if shutil.which("fc-match") is None:
        pytest.skip("未安装 fontconfig 工具（fc-match）")
    rules = tmp_path / "fontconfig" / "conf.d" / fonts.FILE_NAME
    rules.parent.mkdir(parents=True)
    rules.write_text(fonts.fontconfig(definition["fonts"]), "utf-8")
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path))

    def match(name: str, **extra: str) -> str:
        return subprocess.run(["fc-match", f"{name}:lang=zh-cn", "family"], capture_output=True, text=True, check=True,
                              env={**env, **extra}).stdout.strip()

    installed = set(subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=True).stdout.split("\n"))
    families = {name for line in installed for name in line.split(",")}
    for official, chain in docxstyle.chains(definition["fonts"]).items():
        available = [alt for alt in chain if alt in families]
        if official in families or not available:
            continue
        assert match(official) == available[0], official
    if "Noto Serif CJK SC" in families:  # without the rules, fontconfig answers 仿宋_GB2312 with its sans-serif default
        assert match("仿宋_GB2312") == "Noto Serif CJK SC"
        assert match("仿宋_GB2312", XDG_CONFIG_HOME=str(tmp_path / "none")) != "Noto Serif CJK SC"


def test_docx_fonts_prints_the_rules_and_installs_them_once(office: Path, sqmy: Invoke, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    printed = sqmy("docx", "fonts")
    assert printed.exit_code == 0, printed.output
    assert printed.stdout.startswith('<?xml version="1.0"?>')
    assert "<family>楷体_GB2312</family>" in printed.stdout
    assert "<accept><family>楷体</family><family>AR PL UKai CN</family>" in printed.stdout
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    target = tmp_path / "config" / "fontconfig" / "conf.d" / fonts.FILE_NAME
    first = sqmy("docx", "fonts", "--install")
    assert first.exit_code == 0, first.output
    assert f"已写入字体规则：{target}" in first.stdout
    assert target.read_text("utf-8") == printed.stdout
    again = sqmy("docx", "fonts", "--install")
    assert "字体规则已是最新" in again.stdout
    target.write_text("<fontconfig/>", "utf-8")  # an older version: replaced
    assert "已写入字体规则" in sqmy("docx", "fonts", "--install").stdout
    assert target.read_text("utf-8") == printed.stdout

