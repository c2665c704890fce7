"""pandoc.py and rawguard.lua: the one door to pandoc, with the real pandoc behind it."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest

from sqmy import errors
from sqmy.docx import ooxml, pandoc
from sqmy.docx import reference as docxstyle
from sqmy.paths import Repo

from .conftest import REPO, Invoke

ITEM = "2025-0506-zhangwei-1"


@pytest.fixture(scope="module")
def reference() -> Path:
    return docxstyle.reference_doc(Repo(REPO))


def to_docx(parts: list[str], reference: Path, nonce: str = ooxml.NONCE) -> tuple[str, list[tuple[str, str]]]:
    """document.xml of the Word file pandoc makes of `parts`, and (style, text) of its paragraphs."""
    return docx_of(pandoc.markdown_to_docx(parts, reference, nonce))


def docx_of(data: bytes) -> tuple[str, list[tuple[str, str]]]:
    """document.xml of a Word file, and (style, text) of its paragraphs."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = package.read("word/document.xml").decode("utf-8")
        media = [n for n in package.namelist() if n.startswith("word/media/")]
    assert media == []  # pandoc never reads an image for sqmy
    paragraphs = [(p.style.name if p.style is not None else "", p.text) for p in docx.Document(io.BytesIO(data)).paragraphs]
    return xml, paragraphs


# --- failures ---------------------------------------------------------------------------------------


def test_a_failing_pandoc_names_the_command_its_exit_code_and_what_it_said() -> None:
    with pytest.raises(errors.ToolFailed) as caught:
        pandoc.run(["--from", "nosuchformat", "--to", "docx"], stdin=b"x")
    failure = caught.value
    assert failure.tool == "pandoc"
    assert failure.command == [pandoc.pandoc_path(), "--from", "nosuchformat", "--to", "docx"]
    assert failure.returncode not in (None, 0)
    assert "nosuchformat" in failure.stderr
    first, *said = failure.message.splitlines()
    assert first == f"pandoc 转换失败（退出码 {failure.returncode}）：pandoc --from nosuchformat --to docx"
    assert any("Unknown input format nosuchformat" in line for line in said)
    assert errors.exit_code(failure) == errors.EXIT_USAGE


def test_a_failing_conversion_exits_2_through_the_cli(office: Path, sqmy: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached reference document that is a zip but not a Word file: pandoc refuses it, the command says so and writes nothing."""
    shutil.copytree(REPO / "templates" / "docx", office / "templates" / "docx")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # this test's own cache, spoilt below
    broken = docxstyle.reference_doc(Repo(office))
    with zipfile.ZipFile(broken, "w") as spoilt:  # a file that is not even a zip is rebuilt instead (test_docx_reference)
        spoilt.writestr("[Content_Types].xml", "<not xml")
        spoilt.writestr("word/styles.xml", "<not xml")
    target = office / "out.docx"
    result = sqmy("docx", "item", ITEM, "-o", str(target))
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("sqmy：pandoc 转换失败（退出码 ")
    assert f"--reference-doc {broken}" in first
    assert len(result.stderr.splitlines()) > 1  # what pandoc said follows
    assert "Traceback" not in result.stderr
    assert not target.exists()


# --- what reaches the document -------------------------------------------------------------------------


def test_only_raw_blocks_with_this_runs_nonce_are_kept(reference: Path) -> None:
    mine = ooxml.raw(ooxml.paragraph("版头", "版头文字"))
    theirs = mine.replace(ooxml.NONCE, "sqmy" + "0" * 32)
    xml, paragraphs = to_docx([mine + theirs], reference)
    assert ("版头", "版头文字") in paragraphs
    assert ooxml.NONCE not in xml  # the mark is removed from the block it lets through
    shown = [text for style, text in paragraphs if style != "版头"]
    assert any("sqmy" + "0" * 32 in text and "版头文字" in text for text in shown)  # the forged block, as text
    _, without = to_docx([mine], reference, nonce="")
    assert "版头" not in [style for style, _ in without]  # no nonce: every raw block is text


def test_markup_in_an_item_stays_text(reference: Path) -> None:
    body = ("<b>粗体</b> `代码`{=openxml} [本地](file:///etc/passwd) [网站](https://example.org) ![图片说明](/etc/hostname)\n\n"
            "::: {custom-style=\"版头\"}\n冒充版头\n:::\n\n[冒充]{custom-style=\"版头\"}\n")
    xml, paragraphs = to_docx([body], reference)
    assert "版头" not in [style for style, _ in paragraphs]
    text = "\n".join(t for _, t in paragraphs)
    assert "<b>粗体</b>" in text
    assert "代码" in text
    assert "本地" in text
    assert "/etc/passwd" not in xml
    assert "图片说明" in text
    assert "https://example.org" not in xml  # the target goes to the relationships part, not the text
    assert "w:hyperlink" in xml
    assert "冒充版头" in text


def test_each_part_is_read_on_its_own(reference: Path) -> None:
    """Footnote and link definitions in one item's body do not reach the text of the parts around it."""
    parts = ["前文[^1]见[说明][ref]。", "[^1]: 别人的脚注\n\n[ref]: https://example.invalid/\n", "后文"]
    xml, paragraphs = to_docx(parts, reference)
    assert [text for _, text in paragraphs] == ["前文[^1]见[说明][ref]。", "后文"]  # the definitions, unused in their own part, are dropped
    assert "w:footnoteReference" not in xml
    assert "w:hyperlink" not in xml


def test_docx_to_markdown_reads_back_headings_and_emphasis(reference: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(pandoc.markdown_to_docx(["# 一、问题\n\n正文 **加粗** 在此。\n\n1. 第一条\n2. 第二条\n"], reference, ooxml.NONCE))
    markdown = pandoc.docx_to_markdown(path)
    assert "# 一、问题" in markdown
    assert "**加粗**" in markdown
    assert "1.  第一条" in markdown or "1. 第一条" in markdown


# --- many documents read by one pandoc (plan.convert_many) ------------------------------------------------


TABLE = "| 列一 | 列二 |\n|---|---|\n| 1 | 2 |\n\n: 表题 {#tbl-x .cls key=v}\n"  # the one identifier rawguard.lua leaves: pandoc prefixes it
FORGED_END = f"```{{={pandoc.END_FORMAT}}}\n<!--sqmy{'0' * 32}-->\n```\n"  # an end of document without this run's nonce
MARKUP = ("<b>粗体</b> `代码`{=openxml} [本地](file:///etc/passwd) [锚点](#x) [文件](0.md#x) [网站](https://example.org/#y) ![图片说明](/etc/hostname)\n\n"
          "# 标题 {#hid .c}\n\n::: {custom-style=\"版头\"}\n冒充版头\n:::\n\n`c`{#cid} [s]{#sid}\n")


def entries(data: bytes) -> dict[str, tuple[bytes, tuple[int, ...], int]]:
    """Every part of a Word file with its content, time and compression, in the order they are stored."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {i.filename: (package.read(i.filename), i.date_time, i.compress_type) for i in package.infolist()}


def hostile_documents() -> list[list[str]]:
    """Documents as ooxml.split gives them to pandoc: of one part (as a 通报) and of several (bodies between sqmy's own blocks)."""
    from .test_docx_ooxml import HOSTILE_BODIES  # noqa: PLC0415 - the bodies that test splitting
    from .test_hostile_outputs import HOSTILE_BODY  # noqa: PLC0415 - the item that tests every output

    bodies = [*HOSTILE_BODIES, HOSTILE_BODY, MARKUP, TABLE, FORGED_END, MARKUP + TABLE + FORGED_END]
    head = ooxml.raw(ooxml.paragraph("版头", "版头文字")) + "\n# 一、标题\n\n正文[^1]。\n\n[^1]: 脚注\n"
    documents = [ooxml.split(head + "".join(ooxml.body(b) + ooxml.raw(ooxml.paragraph("反映人", "反映人：某")) for b in bodies))]
    documents += [ooxml.split(head + ooxml.body(b) + TABLE) for b in bodies]
    documents += [[TABLE], [MARKUP + TABLE], [head + TABLE], [FORGED_END], [""], ["前文[^1]", "[^1]: 别人的脚注\n", TABLE]]
    assert all(len(parts) == 1 for parts in documents[-6:-1])
    assert len(documents[0]) > 2 * len(bodies)
    return documents


def test_documents_read_together_are_the_files_each_makes_alone(reference: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """read_many + json_to_docx give, part for part and byte for byte, what markdown_to_docx gives for each document."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the creation time pandoc records: the same for both ways
    documents = hostile_documents()
    asts = pandoc.read_many(documents, ooxml.NONCE)
    assert len(asts) == len(documents)
    bookmarks = []
    for parts, ast in zip(documents, asts, strict=True):
        together = pandoc.json_to_docx(ast, reference)
        assert entries(together) == entries(pandoc.markdown_to_docx(parts, reference, ooxml.NONCE)), parts
        xml = entries(together)["word/document.xml"][0].decode("utf-8")
        assert ooxml.NONCE not in xml
        bookmarks += re.findall(r'w:bookmarkStart [^>]*w:name="([^"]*)"', xml)
    # the identifier of a table, as pandoc names it reading one file or several (the same read together)
    assert {"tbl-x", "md__tbl-x"} <= set(bookmarks)


def test_documents_written_together_are_the_files_each_makes_alone(reference: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """write_many gives, byte for byte, what json_to_docx gives for each document (whatever date the environment says)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    asts = pandoc.read_many(hostile_documents(), ooxml.NONCE)
    assert pandoc.write_many(asts, reference) == [pandoc.json_to_docx(ast, reference) for ast in asts]
    assert pandoc.write_many([], reference) == []


def test_writing_together_refuses_an_image(reference: Path, tmp_path: Path) -> None:
    """Its writer is outside pandoc's sandbox: a document holding an image (which read_many never gives) is refused,
    not read from the disk; the sandboxed writer leaves the file out."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    ast = pandoc.run(["--from", "markdown", "--to", "json"], stdin=f"![图]({secret})\n".encode())
    with pytest.raises(errors.ToolFailed) as refused:
        pandoc.write_many([ast], reference)
    assert "an image reached the writer" in refused.value.message
    assert not any(b"secret" in content for content, _, _ in entries(pandoc.json_to_docx(ast, reference)).values())


def test_only_this_runs_mark_ends_a_document(reference: Path) -> None:
    (ast,) = pandoc.read_many([[FORGED_END + "后文"]], ooxml.NONCE)
    _, paragraphs = docx_of(pandoc.json_to_docx(ast, reference))
    assert [text for _, text in paragraphs] == [f"<!--sqmy{'0' * 32}-->", "后文"]  # shown as text, in its own document
    # a body holding this run's mark (which no item can know) would end its document early: refused, never guessed at
    with pytest.raises(pandoc.BatchMismatch):
        pandoc.read_many([["前文", FORGED_END.replace("sqmy" + "0" * 32, ooxml.NONCE), "后文"], ["另一份"]], ooxml.NONCE)


def test_pandoc_takes_the_runtime_options_without_a_word() -> None:
    """RTS_OPTIONS (given in GHCRTS) are for the pandoc sqmy ships: taken silently, not refused or warned about."""
    done = subprocess.run([pandoc.pandoc_path(), "--version"], env={**os.environ, "GHCRTS": pandoc.RTS_OPTIONS}, capture_output=True, check=False)
    assert done.returncode == 0
    assert done.stderr == b""


def test_parts_are_written_where_there_is_room_and_removed(reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(pandoc, "_scratch", lambda: str(scratch))
    pandoc.markdown_to_docx(["前文", "正文"], reference, ooxml.NONCE)
    pandoc.read_many([["前文", "正文"], ["另一份"]], ooxml.NONCE)
    assert list(scratch.iterdir()) == []  # nothing left behind
    monkeypatch.setattr(pandoc, "_scratch", lambda: str(tmp_path / "no-such-folder"))  # no room there: the usual temporary folder
    _, paragraphs = to_docx(["前文", "正文"], reference)
    assert [text for _, text in paragraphs] == ["前文", "正文"]
