"""Outputs an item cannot take over: whatever an item says, sqmy's archive and Word documents show it as text.

One small office (the sample office) gets items written by a hostile member or a careless clerk:
markup and script in every text that reaches a page, raw pandoc blocks, a metadata block, custom
styles and images in a body, public items that were never approved, and an overdue transfer.
Both editions of the archive and the year's Word documents are built once for the module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gzip
import html
import io
import json
import re
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from mkdocs.structure.toc import AnchorLink

from sqmy import status
from sqmy.cli import main
from sqmy.docx import ooxml
from sqmy.docx import plan as documents
from sqmy.docx import reference as docxstyle
from sqmy.frontmatter import FrontMatter
from sqmy.items import content_digest
from sqmy.load import load_all
from sqmy.paths import Repo
from sqmy.site import charts
from sqmy.site import pages as site_pages
from sqmy.site.plugin import safe_toc, sanitize

from .conftest import REPO, SAMPLES, TODAY, Invoke
from .test_documents import all_text, one_line, render_pdfs, styled

DAY = dt.date.fromisoformat(TODAY)
REVIEWERS = {"初审": "li-chu", "复审": "zhao-fu", "审定": "chen-shen"}

# every payload, if it ever ran, would leave a number in window.sqmyPwned or PWNED in the title, or open a dialog
HOSTILE_TITLE = '关于<img src=x onerror="window.sqmyPwned=1">的建议 {: onclick="window.sqmyPwned=2" }'
HOSTILE_BODY = """正文开头：这是一段普通的文字，说明情况。

<script>window.sqmyPwned=3;document.title="PWNED";alert(3)</script>

<a href="javascript:window.sqmyPwned=4">危险链接一</a>，[危险链接二](javascript:window.sqmyPwned=5)，
[数据链接](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)，[VB链接](vbscript:msgbox)。

点我看看
{: onclick="window.sqmyPwned=6" #sqmy-forged-id }

<iframe src="javascript:window.top.sqmyPwned=7"></iframe><object data="x.swf"></object><embed src="x.swf">

<style>body { display: none !important }</style>

## 小标题 {: data-toc-label="<img src=x onerror=window.sqmyPwned=8>" #__drawer onmouseover="window.sqmyPwned=9" }

<img src=x onerror="window.sqmyPwned=10">

## 二、<b>加粗</b>的标题


![图片说明](/etc/hostname) ![秘密文件](SECRET_PATH) ![远程图片](https://example.invalid/x.png) ![数据图片](data:image/png;base64,iVBORw0KGgo=)

```{=openxml}
<w:p><w:r><w:t>INJECTED</w:t></w:r></w:p>
```

行内：`<w:r><w:t>INLINE-INJECTED</w:t></w:r>`{=openxml} 结束。

```{=html}
<script>window.sqmyPwned=11</script>
```

```{=latex}
\\input{/etc/passwd}
```

---
title: 伪造标题
author: 伪造作者
---

::: {custom-style="版头"}
假版头文字
:::

[假版记文字]{custom-style="版记"}

<!-- 未闭合的注释

<div>
未闭合的块

```
未闭合的代码块"""
ADOPTION_REF = '<script>window.sqmyPwned=12</script>市政协第9期'
SOLVED = '<img src=x onerror="window.sqmyPwned=13">已纳入计划'
INSTRUCTION = '<b onmouseover="window.sqmyPwned=14">同意</b>'
COMMENT = '<script>window.sqmyPwned=15</script>同意'
PHONE, ID_NUMBER = "13812345678", "110101199003071234"
# registry names are the office's, but shown as text all the same
UNIT = "城关委员联络组<script>window.sqmyPwned=20</script>"
PERSON = '张<b onmouseover="window.sqmyPwned=21">薇</b>'
REPORTER = f"反映人：{PERSON}（{UNIT}，委员）"


def write_item(root: Path, item_id: str, title: str, body: str, *, submitted: dt.date | None, audience: str = "公开",
               stages: tuple[str, ...] = ("初审", "复审", "审定"), comment: str = "", **outcomes: Any) -> str:
    """An item with imported reviews of `stages` (all 通过) for its text, and `outcomes` as given."""
    digest = content_digest(title, body)
    fm = FrontMatter("---\n---\n")
    for key, value in {
        "id": item_id, "title": title, "authors": ["zhang-wei"], "unit": "chengguan-lianluozu",
        "submitted": submitted.isoformat() if submitted else None, "category": "社区管理", "focus": "民之关切",
        "source": "委员调研", "audience": audience, "imported": {"date": TODAY},
    }.items():
        fm.set(key, value)
    if submitted:
        for n, stage in enumerate(stages):
            day = (submitted + dt.timedelta(days=1 + n)).isoformat()
            review = {"stage": stage, "by": REVIEWERS[stage], "decision": "通过", "date": day, "digest": digest}
            if comment:
                review["comment"] = comment
            fm.append("reviews", review)
    for key, value in outcomes.items():
        fm.set(key, value)
    path = root / "items" / item_id[:4] / f"{item_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fm.text() + "\n" + body + "\n", "utf-8")
    return item_id


HOSTILE = "2026-0302-t-1"
DRAFT = "2026-0303-t-2"
PENDING = "2026-0304-t-3"
STALE = "2026-0305-t-4"
PRIVATE = "2026-0306-t-5"
NEVER_PUBLIC = ("ZQXDRAFT", "ZQXPENDING", "ZQXSTALE")  # words only the items that must stay out of the public edition hold


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample office with the hostile items, its 2026 Word documents and both editions built."""
    root = tmp_path_factory.mktemp("hostile") / "office"
    shutil.copytree(SAMPLES / "office", root)
    shutil.copytree(REPO / "templates" / "site", root / "templates" / "site")
    shutil.copytree(REPO / "templates" / "docx", root / "templates" / "docx")
    shutil.copy(REPO / "mkdocs.yml", root)
    for name, old, new in (("units.yml", "name: 城关委员联络组,", f"name: '{UNIT}',"), ("people.yml", "name: 张薇\n", f"name: '{PERSON}'\n")):
        registry_file = root / "units" / name
        text = registry_file.read_text("utf-8")
        assert old in text
        registry_file.write_text(text.replace(old, new), "utf-8")
    secret = root.parent / "secret.txt"
    secret.write_text("SQMY-SECRET-CONTENT-7f3a", "utf-8")
    day = dt.date(2026, 3, 2)
    write_item(root, HOSTILE, HOSTILE_TITLE, HOSTILE_BODY.replace("SECRET_PATH", str(secret)), submitted=day, comment=COMMENT,
               routes=["直报", "参阅", "转办"], journal={"year": 2026, "issue": 1},
               adoptions=[{"level": "市政协", "date": "2026-04-01", "ref": ADOPTION_REF}],
               instructions=[{"level": "县委", "leader": "主要领导", "date": "2026-04-02", "summary": INSTRUCTION}],
               transfers=[{"to": "xian-zhujianju", "date": "2026-04-03", "letter": "样政协转〔2026〕1号", "due": "2026-05-03"}],
               solved=[{"date": "2026-04-04", "summary": SOLVED}])
    write_item(root, DRAFT, "关于ZQXDRAFT草稿的建议", "草稿正文ZQXDRAFT。", submitted=None)
    write_item(root, PENDING, "关于ZQXPENDING待审的建议", "待审正文ZQXPENDING。", submitted=dt.date(2026, 3, 4), stages=("初审",))
    write_item(root, STALE, "关于ZQXSTALE改过的建议", "审定时的正文。", submitted=dt.date(2026, 3, 5))
    stale = root / "items" / "2026" / f"{STALE}.md"  # changed after 审定: the approval no longer holds
    stale.write_text(stale.read_text("utf-8").replace("审定时的正文。", "审定后改成ZQXSTALE的正文。"), "utf-8")
    write_item(root, PRIVATE, "关于老旧小区停车难的建议", f"居民张某（电话 {PHONE}，身份证号 {ID_NUMBER}）反映停车难。\n\n## 一、建议\n\n增设车位。",
               submitted=dt.date(2026, 3, 6), audience="内部", routes=["直报"], journal={"year": 2026, "issue": 1})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SQMY_TODAY", TODAY)
        result = CliRunner().invoke(main, ["--root", str(root), "validate"], catch_exceptions=False)
        errors = [line for line in result.output.splitlines() if " 错误：" in line]
        assert [e.split(":")[0] for e in errors] == [f"items/2026/{STALE}.md"], result.output  # the hostile item is valid
        result = CliRunner().invoke(main, ["--root", str(root), "docx", "all", "--year", "2026"], catch_exceptions=False)
        assert result.exit_code == 1, result.output  # the item changed after 审定 gets no document, and the office is told
        assert f"未生成：信息 {STALE}" in result.output
        for audience in ("internal", "public"):
            result = CliRunner().invoke(main, ["--root", str(root), "build", "--audience", audience], catch_exceptions=False)
            assert result.exit_code == 0, result.output
    return root


def output_files(site: Path) -> Iterator[tuple[str, str]]:
    """(path in the site, text) of every file, gzip (sitemap, search index) opened, Pagefind's word separators removed."""
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            yield path.relative_to(site).as_posix(), data.decode("utf-8", "replace").replace("\u200b", "")


# --- 1. the public edition holds only approved items ------------------------------------------------


def test_public_edition_holds_only_items_whose_approval_holds(hostile: Path) -> None:
    internal = "\n".join(text for _, text in output_files(hostile / "site"))
    for word in (*NEVER_PUBLIC, DRAFT, PENDING, STALE):
        assert word in internal, word  # the internal edition shows every item: the words are there to find
    leaks = [(name, word) for name, text in output_files(hostile / "site-public") for word in (*NEVER_PUBLIC, DRAFT, PENDING, STALE) if word in text]
    assert leaks == []
    index = json.loads((hostile / "site-public" / "items.json").read_text("utf-8"))
    assert {row["id"] for row in index["items"]} == {"2025-0506-zhangwei-1", HOSTILE}  # the sample's approved public item, and the hostile one
    assert all(row["approved"] for row in index["items"])
    assert (hostile / "site-public" / "_pagefind").is_dir()  # the search index was among the files read


def test_internal_page_of_a_stale_item_says_what_it_means(hostile: Path) -> None:
    page = (hostile / "site" / "items" / "2026" / STALE / "index.html").read_text("utf-8")
    assert "审定后改动" in page
    assert "原审核不再有效：请办公室运行 sqmy reopen 重新审核" in page
    assert 'class="admonition warning"' in page


def test_guide_examples_show_only_approved_public_items(hostile: Path) -> None:
    page = (hostile / "site" / "guide" / "examples" / "index.html").read_text("utf-8")
    assert "ZQXSTALE" not in page
    assert HOSTILE in page  # adopted, public, approved (its title shown as text: see below)


# --- 2. public status: never the overdue marker ---------------------------------------------------------


def _status_cell(page: str) -> str:
    found = re.search(r"<td>状态</td><td>([^<]*)</td>", page)
    assert found is not None
    return found.group(1)


def test_public_status_of_an_overdue_transfer_is_the_same_everywhere_and_never_overdue(hostile: Path) -> None:
    internal, public = hostile / "site", hostile / "site-public"
    assert _status_cell((internal / "items/2026" / HOSTILE / "index.html").read_text("utf-8")).startswith("逾期未反馈")
    # a problem it raised was solved (已落实, as statistics count it), and a transfer is still open
    assert _status_cell((public / "items/2026" / HOSTILE / "index.html").read_text("utf-8")) == "已落实、转办中、已批示、已采用、已上报、已编发、已审定"
    row = next(r for r in json.loads((public / "items.json").read_text("utf-8"))["items"] if r["id"] == HOSTILE)
    assert row["status"] == "已落实"
    assert "转办中" in row["statuses"]
    assert "逾期未反馈" not in row["statuses"]
    assert HOSTILE in (public / "by/status/已落实/index.html").read_text("utf-8")
    assert not (public / "by/status/逾期未反馈").exists()
    assert (internal / "by/status/逾期未反馈/index.html").is_file()
    fragments = [text for name, text in output_files(public) if name.startswith("_pagefind/fragment/") and HOSTILE in text]
    assert len(fragments) == 1
    assert "已落实" in json.loads(fragments[0][fragments[0].index("{"):])["meta"]["facts"]
    assert [name for name, text in output_files(public) if "逾期" in text] == []


def test_public_status_keeps_the_order_of_the_workflow() -> None:
    overdue = status.Status(status.OVERDUE, (status.OVERDUE, status.ANSWERED, status.APPROVED), None, (), 12)
    shown = site_pages.public_status(overdue)
    assert shown.status == status.ANSWERED  # one transfer answered, one overdue: as if the overdue one were in time
    assert shown.statuses == (status.ANSWERED, status.TRANSFERRING, status.APPROVED)
    assert shown.overdue_days == 0
    plain = status.Status(status.APPROVED, (status.APPROVED,), None, ())
    assert site_pages.public_status(plain) is plain


# --- 3. no live markup from items, in either edition ---------------------------------------------------


FORBIDDEN_TAGS = {"img", "iframe", "object", "embed", "frame", "frameset", "applet", "base", "form"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


class _Live(HTMLParser):
    """What in a page could act: forbidden elements, event handlers, script addresses, payloads in script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._raw: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(value or "")).lower()
            if name in {"href", "src", "action", "formaction", "data", "xlink:href", "poster"} and cleaned.startswith(BAD_SCHEMES):
                self.found.append(f"<{tag} {name}={value}>")
            if name == "id" and value in {"sqmy-forged-id"}:
                self.found.append(f"<{tag} id={value}>")
        if tag in {"script", "style"}:
            self._raw = tag

    def handle_endtag(self, tag: str) -> None:
        self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw and ("sqmyPwned" in data or "PWNED" in data or "display: none !important" in data):
            self.found.append(f"<{self._raw}> {data[:60]}")


@pytest.mark.parametrize("edition", ["site", "site-public"])
def test_no_output_file_holds_live_markup_from_an_item(hostile: Path, edition: str) -> None:
    found = []
    pages = 0
    for name, text in output_files(hostile / edition):
        if name.endswith(".html"):
            pages += 1
            parser = _Live()
            parser.feed(text)
            found += [(name, f) for f in parser.found]
    assert pages > 20
    assert found == []
    page = (hostile / edition / "items/2026" / HOSTILE / "index.html").read_text("utf-8")
    # the item's text is there, as text
    assert '<h1 id="img-srcx-onerrorwindowsqmypwned1-onclickwindowsqmypwned2">关于&lt;img src=x onerror="window.sqmyPwned=1"&gt;的建议 {: onclick=' in page
    assert '<title>关于&lt;img src=x onerror="window.sqmyPwned=1"&gt;的建议 {: onclick="window.sqmyPwned=2" } - 样本县政协' in page
    assert "&lt;script&gt;window.sqmyPwned=3" in page
    assert "&lt;script&gt;window.sqmyPwned=12&lt;/script&gt;市政协第9期" in page  # an adoption's reference
    assert '&lt;img src=x onerror="window.sqmyPwned=13"&gt;已纳入计划' in page  # a summary of a solved problem
    # an unclosed tag, comment or fence in the body takes nothing of the page after it
    assert '<h2 id="_2">转化和办理</h2>' in page
    assert "未闭合的代码块" in page
    # the table of contents: no entry for the heading whose id was forged, no markup from data-toc-label
    toc = page[page.index('md-nav--secondary'):page.index('class="md-content"')]
    assert "小标题" not in toc
    assert "二、&lt;b&gt;加粗&lt;/b&gt;的标题" in toc  # a heading's "<" is text in the contents too
    assert "转化和办理" in toc


def test_charts_hold_no_script_and_show_names_as_text(hostile: Path) -> None:
    svg = charts.points({"units": [{"name": UNIT, "points": 3}]}, 2026)
    assert "<script" not in svg  # pygal's configuration script (labels and all) is left out
    assert "城关委员联络组&lt;script&gt;window.sqmyPwned=20&lt;/script&gt;" in svg
    for site in ("site", "site-public"):
        html_text = (hostile / site / "stats" / "index.html").read_text("utf-8")
        article = html_text[html_text.index("<article"):html_text.index("</article>")]
        assert article.count("<svg") == 3 * 2  # three charts a year, 2025 and 2026: put back after sanitizing
        assert "<script" not in article
        assert "SQMYFIGURE" not in html_text


def test_page_titles_and_toc_are_text() -> None:
    top = AnchorLink("关于&lt;b&gt;", "_1", 1)
    top.children = [AnchorLink('<img src=x onerror="alert(1)">', "h", 2), AnchorLink("审核过程", "__drawer", 2), AnchorLink("<em>转化</em>和办理", "_2", 2)]
    (kept,) = safe_toc([top])
    assert kept.title == "关于&lt;b&gt;"
    assert [(c.title, c.url) for c in kept.children] == [("转化和办理", "#_2")]  # an empty title and a theme's id give way
    cleaned = sanitize('<p onclick="x()">a<a href="javascript:x()">b</a><a href="../y/">c</a><img src="x"></p><h2 id="__drawer">d</h2><script>x()</script>'
                       '<table><tr><td style="text-align: left; position: fixed">e</td></tr></table>')
    assert cleaned == ('<p>a<a rel="noopener noreferrer">b</a><a href="../y/" rel="noopener noreferrer">c</a></p><h2>d</h2>'
                       '<table><tbody><tr><td style="text-align:left">e</td></tr></tbody></table>')


def test_public_edition_masks_phone_and_id_numbers(hostile: Path) -> None:
    """Defence in depth (validate already refuses such a public item): nothing of the number reaches the public edition."""
    loaded = load_all(Repo(hostile), DAY)
    item = next(i for i in loaded.items if i.id == "2025-0506-zhangwei-1")
    title, body = f"关于{PHONE}的建议", item.body + f"\n\n联系电话 {PHONE}，身份证号 {ID_NUMBER}。\n"
    reviews = tuple(dataclasses.replace(r, digest=content_digest(title, body)) for r in item.reviews)
    solved = (dataclasses.replace(item.solved[0], summary=f"回复了 {PHONE}"),) if item.solved else ()
    item = dataclasses.replace(item, title=title, body=body, reviews=reviews, solved=solved)
    e = site_pages.edition(loaded.registry, [item], site_pages.PUBLIC, DAY)
    assert [i.id for i in e.items] == [item.id]
    texts = [*site_pages.pages(e).values(), site_pages.items_json(e), *(doc for _, doc in site_pages.search_documents(e))]
    assert [t for t in texts if PHONE in t or ID_NUMBER in t] == []
    page = site_pages.pages(e)[site_pages.item_url(item)]
    assert "138\\*\\*\\*\\*5678" in page  # masked (and escaped for Markdown) in the title
    assert "138****5678" in page  # and in the body
    internal = site_pages.edition(loaded.registry, [item], site_pages.INTERNAL, DAY)
    assert PHONE in site_pages.pages(internal)[site_pages.item_url(item)]  # the internal edition shows the item as written


# --- 4. Word documents: item text is text ---------------------------------------------------------------


def _package(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_hostile_body_reaches_a_word_document_only_as_text(hostile: Path) -> None:
    path = hostile / "build/docx/2026" / f"直报-{HOSTILE}.docx"
    d = docx.Document(str(path))
    paragraphs = [(p.style.name if p.style is not None else "", p.text) for p in d.paragraphs]
    texts = [t for _, t in paragraphs]
    # raw OpenXML in the body is shown as its literal text (decision: shown, not dropped), never as a paragraph or run
    assert "INJECTED" not in texts
    assert any("<w:p><w:r><w:t>INJECTED</w:t></w:r></w:p>" in t for t in texts)
    assert any("<w:r><w:t>INLINE-INJECTED</w:t></w:r>" in t for t in texts)
    package = _package(path)
    document = package["word/document.xml"].decode("utf-8")
    assert "<w:t>INJECTED</w:t>" not in document
    assert "<w:t>INLINE-INJECTED</w:t>" not in document
    assert "<!--" not in document  # sqmy's own marks are gone too
    assert any("\\input{/etc/passwd}" in t for t in texts)  # raw TeX: text
    assert any(t.startswith("<script>window.sqmyPwned=3") for t in texts)  # HTML: text
    # sqmy's own layout is intact around the body (an unclosed fence or tag at its end takes nothing after it)
    shown_title = paragraphs[2][1].replace("\n", "")  # a title too long for a line is set on even lines (ooxml.balance)
    assert [*paragraphs[:2], (paragraphs[2][0], shown_title)] == [("版头小字", "社情民意信息（直报）"), ("编印行", "报送单位：样本县政协\t2026年3月5日"),
                                                                   ("信息标题", HOSTILE_TITLE)]
    assert paragraphs[-2:] == [("反映人", REPORTER), ("版记", f"信息编号：{HOSTILE}")]
    assert any("未闭合的代码块" in t for t in texts)
    # custom styles asked for by the body are not given; the metadata block is text, not the file's properties
    assert styled(d, "版头") == []
    assert styled(d, "版记") == [f"信息编号：{HOSTILE}"]
    assert "假版头文字" in "\n".join(texts)
    assert 'w:rStyle w:val="版记"' not in document
    assert d.core_properties.title != "伪造标题"
    assert "伪造作者" not in package["docProps/core.xml"].decode("utf-8")
    cells = [cell.text for table in d.tables for row in table.rows for cell in row.cells]
    assert "title: 伪造标题" in cells  # pandoc reads the lines between the rules as a table: text all the same
    # no image was read: not the secret file, not /etc/hostname, not the address; their descriptions are the text
    assert not [name for name in package if name.startswith("word/media/")]
    everything = b"".join(package.values())
    assert b"SQMY-SECRET-CONTENT-7f3a" not in everything
    assert b"example.invalid" not in everything
    hostname = Path("/etc/hostname").read_bytes().strip() if Path("/etc/hostname").is_file() else b""
    if len(hostname) >= 6:
        assert hostname not in everything
    assert "图片说明 秘密文件 远程图片 数据图片" in texts
    # the run's nonce is not left in the file's properties
    assert ooxml.NONCE.encode() not in everything
    assert b"sqmy-nonce" not in everything


def test_every_hostile_document_is_whole(hostile: Path) -> None:
    made = sorted((hostile / "build/docx/2026").glob("*.docx"))
    assert {p.name for p in made} == {f"直报-{HOSTILE}.docx", f"参阅件-{HOSTILE}.docx", f"转办函-{HOSTILE}-1.docx", f"直报-{PRIVATE}.docx",
                                      "社情民意信息-2026年第1期.docx", "通报-2026.docx"}
    for path in made:
        documents.check(path.name, path.read_bytes())  # every XML part parses, python-docx opens it
    journal = docx.Document(str(hostile / "build/docx/2026/社情民意信息-2026年第1期.docx"))
    assert one_line(styled(journal, "信息标题")) == [HOSTILE_TITLE, "关于老旧小区停车难的建议"]
    assert styled(journal, "版头") == ["社情民意信息"]
    assert journal.tables[-1].rows[0].cells[0].text.startswith("报：")  # the 版记 still closes the issue
    letter = docx.Document(str(hostile / f"build/docx/2026/转办函-{HOSTILE}-1.docx"))
    assert letter.tables[-1].cell(0, 1).text.replace("\n", "") == HOSTILE_TITLE
    assert one_line(styled(letter, "信息标题")) == [f"关于转办《{HOSTILE_TITLE}》的函", HOSTILE_TITLE, "社情民意信息办理情况反馈表"]


def test_titles_with_control_characters_and_fences_stay_in_their_paragraph(hostile: Path) -> None:
    loaded = load_all(Repo(hostile), DAY)
    item = next(i for i in loaded.items if i.id == PRIVATE)
    title = "关于\x01控制\x0b字符\r```{=openxml}\r<w:p/>\u2028```的建议"
    reviews = tuple(dataclasses.replace(r, digest=content_digest(title, item.body)) for r in item.reviews)
    item = dataclasses.replace(item, title=title, reviews=reviews)
    planner = documents.Planner(Repo(hostile), loaded.registry, [item], DAY)
    data = documents.convert(planner.direct(item.id), docxstyle.reference_doc(Repo(hostile)))
    d = docx.Document(io.BytesIO(data))
    assert styled(d, "信息标题") == ["关于控制字符\n```{=openxml}\n<w:p/>\n```的建议"]  # control characters gone, line breaks as breaks


def test_phone_and_id_numbers_are_masked_in_word_documents(hostile: Path) -> None:
    for name in (f"直报-{PRIVATE}.docx", "社情民意信息-2026年第1期.docx"):
        text = all_text(hostile / "build/docx/2026" / name)
        assert PHONE not in text, name
        assert ID_NUMBER not in text, name
        assert "电话 138****5678，身份证号 110***********1234" in text, name


def test_a_document_that_would_be_broken_is_not_written(office: Path, sqmy: Invoke) -> None:
    """A template error that makes pandoc write a broken file: refused, named, nothing written."""
    shutil.copytree(REPO / "templates" / "docx", office / "templates" / "docx")
    template = office / "templates/docx/item.md.j2"
    template.write_text(template.read_text("utf-8") + '{{ raw("<w:p><w:r><w:t>未闭合") }}\n', "utf-8")
    target = office / "out.docx"
    result = sqmy("docx", "item", "2025-0506-zhangwei-1", "-o", str(target))
    assert result.exit_code != 0
    assert "公文“直报-2025-0506-zhangwei-1.docx”生成后检查未通过（word/document.xml 不是完好的 XML" in result.stderr
    assert not target.exists()
    result = sqmy("docx", "all", "--year", "2025", "--kind", "item", "-o", str(office / "all"))
    assert result.exit_code == 1
    assert "1 份公文未能生成" in result.stderr
    assert not list((office / "all").rglob("*.docx"))


def test_check_refuses_a_broken_package(hostile: Path) -> None:
    with pytest.raises(documents.SqmyError, match=re.escape("公文“x.docx”生成后检查未通过（不是完好的 Word 文件")):
        documents.check("x.docx", b"PK\x03\x04 not a zip")
    good = _package(hostile / "build/docx/2026" / f"直报-{PRIVATE}.docx")
    for part in ("docProps/app.xml", "word/document.xml", "[Content_Types].xml"):  # one python-docx skips, two it reads
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            for name, content in good.items():
                z.writestr(name, content[:-20] if name == part else content)
        with pytest.raises(documents.SqmyError, match=re.escape(f"公文“y.docx”生成后检查未通过（{part} 不是完好的 XML")):
            documents.check("y.docx", buffer.getvalue())


def test_hostile_document_renders_in_libreoffice(hostile: Path, tmp_path: Path) -> None:
    (pdf,) = render_pdfs([hostile / "build/docx/2026" / f"直报-{HOSTILE}.docx"], tmp_path, resolution=60)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=False).stdout if shutil.which("pdftotext") else ""
    if text:
        assert "INJECTED" in text  # the raw block's text, shown
        assert "反映人：张<b" in text
    shots = Path("/tmp/sqmy-screenshots")
    shots.mkdir(exist_ok=True)
    for png in tmp_path.glob(f"直报-{HOSTILE}-*.png"):
        shutil.copy(png, shots / "hostile-docx.png")


# --- 3 (cont.): in a real browser ---------------------------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def servers(hostile: Path) -> Iterator[dict[str, str]]:
    """Both editions of the hostile office, each served over HTTP (Pagefind needs a server)."""
    running = {}
    for edition in ("site", "site-public"):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(hostile / edition)))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        running[edition] = httpd
    yield {edition: f"http://127.0.0.1:{httpd.server_address[1]}" for edition, httpd in running.items()}
    for httpd in running.values():
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
    from .test_browser import ARGS, CHROMIUM  # noqa: PLC0415 - importing it skips when playwright is missing

    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize("edition", ["site", "site-public"])
def test_no_script_from_an_item_runs_in_the_browser(chromium: Any, servers: dict[str, str], edition: str) -> None:
    server = servers[edition]
    shots = Path("/tmp/sqmy-screenshots")
    shots.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    dialogs: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def untouched(tab: Any) -> None:
        assert tab.evaluate("typeof window.sqmyPwned") == "undefined"  # no payload ran (nor did an element take the name)
        assert "PWNED" not in tab.title()
        assert dialogs == []

    context.route("**/*", guard)
    tab = context.new_page()
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.goto(f"{server}/items/2026/{HOSTILE}/")
    tab.wait_for_load_state("networkidle")
    untouched(tab)
    assert tab.inner_text("h1") == HOSTILE_TITLE  # the title, as text
    assert tab.title().startswith('关于<img src=x onerror="window.sqmyPwned=1">的建议')
    article = tab.inner_text("article")
    assert '<script>window.sqmyPwned=3;document.title="PWNED";alert(3)</script>' in article
    assert "<w:p><w:r><w:t>INJECTED</w:t></w:r></w:p>" in article
    assert tab.locator("article").is_visible()  # the body's <style> hid nothing
    tab.get_by_text("点我看看").click()  # an attribute list's onclick
    tab.locator("h2", has_text="小标题").hover()  # and onmouseover
    tab.get_by_text("危险链接二").click()  # a javascript: link (its address is gone)
    untouched(tab)
    assert tab.url == f"{server}/items/2026/{HOSTILE}/"
    tab.screenshot(path=str(shots / f"hostile-{edition}.png"), full_page=True)
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.reload()
    tab.wait_for_load_state("networkidle")
    untouched(tab)
    tab.screenshot(path=str(shots / f"hostile-{edition}-390.png"), full_page=True)
    # the search page shows the item's title and text as text too
    tab.set_viewport_size({"width": 1280, "height": 900})
    tab.goto(f"{server}/search/?q=普通的文字")
    hit = tab.locator(".sqmy-result a").first
    hit.wait_for(timeout=10_000)
    assert hit.inner_text() == HOSTILE_TITLE
    assert tab.locator(".sqmy-result img, .sqmy-result script").count() == 0
    assert tab.locator(".sqmy-result mark").count() > 0  # Pagefind's marks are the only elements inside a result's text
    assert not tab.locator("#sqmy-more").is_visible()  # one result: no "more" (the theme's button style once overrode hidden)
    untouched(tab)
    tab.screenshot(path=str(shots / f"hostile-search-{edition}.png"))
    assert outside == []
    context.close()
