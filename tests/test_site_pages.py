"""The archive's pages as plain data (sqmy.site.pages, no MkDocs), against golden copies.

Two offices, both editions each:

- `site/internal`, `site/public`: the sample office (tests/samples/office) as
  it is, the internal edition without a Git trail, so nothing depends on Git;
- `site/rich/internal`, `site/rich/public`: the same office with what the
  sample lacks, made here: scoring rules, a repository address, a quota for
  this year, a made-up Git trail and Word documents, an item with every kind
  of outcome (instructions followed up and overdue, an overdue transfer, a
  solved problem, a phone number in its text), one changed after 审定 and
  one still under review.

Every page `pages.pages` makes, `items.json`, the search page and the search
documents are compared with the golden copy of the same name, and the set of
pages must equal the set of golden files, so a page that disappears fails too.

`site/html/…` holds the same pages as HTML, as the site shows them (rendered
without MkDocs, tests/sitehtml.py; charts and progress bars put back in): every
page of the sample office, and the rich office's home, statistics and rankings.
A change of layout shows in review there.

The charts' placeholders carry a nonce drawn at random for every edition (so
that no item can forge one: pages.Edition.figure); it is written as NONCE.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from sqmy import schema, status
from sqmy.errors import SqmyError
from sqmy.history import Step
from sqmy.items import Adoption, Feedback, Instruction, Item, Review, Solved, Transfer, content_digest
from sqmy.load import Loaded, load_all
from sqmy.paths import Repo
from sqmy.registry import Registry
from sqmy.site import edition as edition_mod
from sqmy.site import pages, render

from . import golden, sitehtml
from .conftest import REPO, SAMPLES

DAY = dt.date(2026, 11, 28)
PHONE = "13812345678"
URL = "https://git.example.org/sample/sqmy"

# the demo office's rules (units/scoring.yml), kept here so that a change there does not move these pages
SCORING: dict[str, Any] = {
    "name": "样本县政协社情民意信息工作考评办法",
    "points": {
        "submitted": 2, "edited": 8, "reported": 2,
        "adopted": {"市政协": 20, "省政协": 30},
        "adoption_mode": {"单篇采用": 1, "综合采用": 0.5},
        "instructed": {"县委": {"主要领导": 15, "分管领导": 10}, "市政府": {"主要领导": 25}},
        "transferred": 1, "feedback": 1, "implemented": 5, "converted": {"first": 5, "co": 3},
    },
    "authors": {"first": 1, "co": 0.5},
    "caps": {"item": 60, "person": 150, "unit": None},
    "quota": {"points": 20},
    "grades": [{"min": 0, "grade": "不称职"}, {"min": 85, "grade": "优秀"}, {"min": 60, "grade": "称职"}],
    "ranking": {"min_items": 2},
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    root = tmp_path_factory.mktemp("pages") / "office"
    shutil.copytree(SAMPLES / "office", root)
    return load_all(Repo(root), DAY)


# --- the rich office ------------------------------------------------------------------------------


def _approved(item: Item, title: str, body: str, day: dt.date) -> tuple[Review, ...]:
    """The review chain of the sample's approved item, again, on `day` and the days after, bound to this text."""
    digest = content_digest(title, body)
    return tuple(dataclasses.replace(r, digest=digest, date=day + dt.timedelta(days=n)) for n, r in enumerate(item.reviews))


def rich_office(loaded: Loaded) -> tuple[Registry, list[Item], dict[str, list[Step]], dict[str, list[tuple[str, str]]]]:
    """The sample office with what its two items and registry lack (see the module's description)."""
    reg = loaded.registry
    unit = reg.units["chengguan-lianluozu"]
    reg = dataclasses.replace(
        reg, office=dataclasses.replace(reg.office, repository_url=URL), scoring=SCORING,
        units={**reg.units, unit.id: dataclasses.replace(unit, quota={**unit.quota, 2026: 4})},
    )
    base = next(i for i in loaded.items if i.id == "2025-0506-zhangwei-1")
    title = "关于规范*电动自行车*充电[试点]的建议（#1）"
    body = (base.body + f"\n\n居民反映可拨打 {PHONE} 咨询；小区 <b>充电桩</b> 不足 <!-- 注释\n\n"
            "| 小区 | 充电桩 |\n|---|---|\n| 东苑 | 4 |\n")
    full = dataclasses.replace(
        base, id="2026-0310-zhangwei-1", path="items/2026/2026-0310-zhangwei-1.md", title=title, body=body,
        authors=("zhang-wei", "li-chu"), submitted=dt.date(2026, 3, 10), imported=None, key_topic=None,
        reviews=_approved(base, title, body, dt.date(2026, 3, 11)), routes=("直报", "参阅", "转办"),
        journal=dataclasses.replace(base.journal, year=2026, issue=1) if base.journal else None,
        adoptions=(Adoption("市政协", dt.date(2026, 4, 2), "市政协《社情民意信息》第 3 期", "综合采用"),
                   Adoption("省政协", dt.date(2026, 5, 6))),
        instructions=(
            Instruction("县委", "主要领导", dt.date(2026, 4, 10), "请县住建局会同街道研究落实。", ("xian-zhujianju",),
                        Feedback(dt.date(2026, 5, 20), "正在落实", "已制定方案")),
            Instruction("县政府", "分管领导", dt.date(2026, 6, 1), "抓紧办理"),  # followed up, no result: overdue
            Instruction("市政府", "主要领导", dt.date(2026, 7, 1)),  # a higher leader's: an honour, not chased
        ),
        transfers=(
            Transfer("xian-zhujianju", dt.date(2026, 3, 20), dt.date(2026, 4, 19), "样政协转〔2026〕1号",
                     Feedback(dt.date(2026, 4, 15), "部分落实", "已在东苑试点")),
            Transfer("shefawei", dt.date(2026, 8, 1), dt.date(2026, 8, 31), "样政协转〔2026〕2号"),  # overdue
            Transfer("xian-zhujianju", dt.date(2026, 11, 20), dt.date(2026, 12, 20)),  # in time
        ),
        solved=(Solved(dt.date(2026, 6, 30), f"东苑新增充电桩 12 个，联系电话 {PHONE}。"),),
    )
    stale_body = base.body.replace("23 个", "24 个")
    stale = dataclasses.replace(  # approved, then its body changed: internal shows why; public leaves it out
        base, id="2026-0402-zhangwei-1", path="items/2026/2026-0402-zhangwei-1.md", submitted=dt.date(2026, 4, 2),
        title="关于老旧小区停车改造的建议", body=stale_body, imported=None, routes=(), journal=None, adoptions=(), transfers=(),
        reviews=_approved(base, "关于老旧小区停车改造的建议", base.body, dt.date(2026, 4, 3)),
    )
    pending_title = "关于增设公交站台遮阳棚的建议"
    pending = dataclasses.replace(  # public, but only 初审 so far
        base, id="2026-0901-zhangwei-1", path="items/2026/2026-0901-zhangwei-1.md", submitted=dt.date(2026, 9, 1),
        title=pending_title, imported=None, routes=(), journal=None, adoptions=(), transfers=(), category="城乡建设",
        reviews=(Review("初审", "zhao-fu", "通过", dt.date(2026, 9, 3), content_digest(pending_title, base.body), "同意上报"),),
    )
    items = [*loaded.items, full, stale, pending]
    history = {full.id: [
        Step("0123456789abcdef0123456789abcdef01234567", "2026-03-10", "张薇", f"新建信息：{title}", ""),
        Step("89abcdef0123456789abcdef0123456789abcdef", "2026-03-11", "李初", "初审 联合复核", f"{URL}/pulls/3"),
    ]}
    documents = {full.id: [("《社情民意信息》2026年第1期", "docx/2026/社情民意信息-2026-001.docx"),
                           ("转办函（样政协转〔2026〕1号）", "docx/2026/转办函-2026-0310-zhangwei-1-1.docx")]}
    return reg, items, history, documents


# --- the golden copies ----------------------------------------------------------------------------


def generated(e: pages.Edition) -> dict[str, str]:
    """Everything the edition makes, by golden file name, the nonce written as NONCE."""
    found = dict(pages.pages(e))
    found["items.json"] = pages.items_json(e)
    found["search.md"] = pages.search_page(e)
    found["search-documents.txt"] = "".join(f"== {url}\n{doc}\n" for url, doc in pages.search_documents(e))
    return {name: text.replace(e.nonce, "NONCE") for name, text in found.items()}


def _check_all(folder: str, e: pages.Edition) -> None:
    made = generated(e)
    for name, text in sorted(made.items()):
        golden.check(f"{folder}/{name}", text)
    if not golden.updating():
        assert set(made) == golden.names(folder)  # a page that is no longer made fails here


def html_pages(e: pages.Edition, only: tuple[str, ...] = ()) -> dict[str, str]:
    """The edition's pages (or those in `only`) as HTML, as the site shows them, by golden file name."""
    made = pages.pages(e)
    return {name.removesuffix(".md") + ".html": sitehtml.render(text, name, e.figures).replace(e.nonce, "NONCE") + "\n"
            for name, text in made.items() if not only or name in only}


def _check_html(folder: str, made: dict[str, str]) -> None:
    for name, text in sorted(made.items()):
        golden.check(f"{folder}/{name}", text)
    if not golden.updating():
        assert set(made) == golden.names(folder)


def _editions(reg: Registry, items: list[Item], history: Mapping[str, list[Step]] | None = None,
              documents: Mapping[str, list[tuple[str, str]]] | None = None) -> dict[str, pages.Edition]:
    return {audience: pages.edition(reg, items, audience, DAY, history, documents) for audience in pages.AUDIENCES}


@pytest.mark.parametrize("audience", pages.AUDIENCES)
def test_golden_pages_of_the_sample_office(sample: Loaded, audience: str) -> None:
    _check_all(f"site/{audience}", _editions(sample.registry, sample.items, {})[audience])


@pytest.mark.parametrize("audience", pages.AUDIENCES)
def test_golden_pages_of_the_rich_office(sample: Loaded, audience: str) -> None:
    _check_all(f"site/rich/{audience}", _editions(*rich_office(sample))[audience])


@pytest.mark.parametrize("audience", pages.AUDIENCES)
def test_golden_html_of_the_sample_office(sample: Loaded, audience: str) -> None:
    _check_html(f"site/html/{audience}", html_pages(_editions(sample.registry, sample.items, {})[audience]))


@pytest.mark.parametrize("audience", pages.AUDIENCES)
def test_golden_html_of_the_rich_office(sample: Loaded, audience: str) -> None:
    made = html_pages(_editions(*rich_office(sample))[audience], ("index.md", "stats.md", "rankings.md"))
    _check_html(f"site/html/rich/{audience}", made)


def test_the_rich_office_shows_what_it_was_made_for(sample: Loaded) -> None:
    """The made-up office really reaches the branches it is there for (else its golden pages prove little)."""
    editions = _editions(*rich_office(sample))
    internal, public = editions[pages.INTERNAL], editions[pages.PUBLIC]
    assert [i.id for i in public.items] == ["2026-0310-zhangwei-1", "2025-0506-zhangwei-1"]
    assert internal.entries["2026-0310-zhangwei-1"].status.status == status.OVERDUE
    # one transfer answered 已落实 (as statistics count it), the overdue one shown as 转办中
    assert public.entries["2026-0310-zhangwei-1"].status.status == status.IMPLEMENTED
    assert status.ANSWERED in public.entries["2026-0310-zhangwei-1"].status.statuses
    assert status.TRANSFERRING in public.entries["2026-0310-zhangwei-1"].status.statuses
    assert internal.entries["2026-0402-zhangwei-1"].status.status == status.STALE
    made = generated(internal)
    assert "逾期 89 天未反馈" in made["items/2026/2026-0310-zhangwei-1.md"]  # a transfer
    assert "逾期 150 天未反馈" in made["items/2026/2026-0310-zhangwei-1.md"]  # an instruction
    assert "## Git 记录" in made["items/2026/2026-0310-zhangwei-1.md"]
    assert "## 公文" in made["items/2026/2026-0310-zhangwei-1.md"]
    assert "## 任务完成" in made["index.md"]
    assert "NONCE" in made["stats.md"]
    assert PHONE in made["items/2026/2026-0310-zhangwei-1.md"]
    assert not [name for name, text in generated(public).items() if PHONE in text or "逾期" in text]


def _row(html: str, first: str) -> list[str]:
    """The other cells of the first table row whose first cell is `first`."""
    found = re.search(rf"<tr><td>{re.escape(first)}</td>(.*?)</tr>", html)
    assert found, first
    return re.findall(r"<td[^>]*>(.*?)</td>", found.group(1))


def test_home_page_answers_the_daily_questions(sample: Loaded) -> None:
    """This year's conversion chain against the same days of last year, what is overdue, the quotas: on the
    internal home page; on the public one only what the public edition shows, counted over its items."""
    reg, items, history, documents = rich_office(sample)
    internal, public = (html_pages(pages.edition(reg, items, audience, DAY, history, documents), ("index.md",))["index.html"]
                        for audience in pages.AUDIENCES)
    # the chart's table: 2026, 2025 to 28 November, the whole of 2025
    assert "2026年信息转化：与去年同期比较" in internal
    assert "去年同期：2025年1月1日至11月28日" in internal
    assert _row(internal, "采集") == ["3", "1", "1"]  # three items of 2026 (one under review, one changed after 审定)
    assert _row(internal, "采编") == ["1", "1", "1"]
    assert _row(internal, "采用") == ["1", "1", "1"]  # adopted by 市政协 and 省政协: one item adopted
    assert _row(internal, "批示") == ["1", "0", "0"]
    # overdue, longest first: the instruction followed up 150 days late, then the transfer
    late = internal[internal.index("逾期未反馈</h2>"):internal.index("任务完成</h2>")]
    assert late.index("逾期 150 天") < late.index("逾期 89 天")
    assert "县政府分管领导批示（2026-06-01）" in late
    assert "转办样本县政协社会和法制委员会（样政协转〔2026〕2号，期限 2026-08-31）" in late
    assert "逾期 18 天" not in late  # the transfer due 2026-12-20 is not late
    # quotas: 3 of 4 by 28 November is behind the year's pace
    assert 'aria-valuemax="4" aria-valuenow="3" aria-valuetext="采集 3 / 任务 4 篇（75%），落后于时间进度"' in internal
    assert "1 个单位有2026年信息任务，0 个已完成。按时间进度，到今天应完成全年任务的 91%" in internal
    # the public home page: the chain of the public items only, nothing the public edition hides
    assert _row(public, "采集") == ["1", "1", "1"]
    assert "公开版只统计公开的信息" in public
    for hidden in ("任务完成", "progressbar", "逾期", "督办", PHONE, "关于老旧小区停车改造的建议", "关于增设公交站台遮阳棚的建议",
                   "关于社区养老服务站运营的建议", "样政协转〔2026〕", "请县住建局会同街道研究落实"):
        assert hidden not in public, hidden
    assert "2026-07-01 市政府主要领导批示" in public  # the newest instructions and adoptions are shown to everybody
    assert "2026-05-06 省政协采用" in public


# --- the small functions --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "shown"), [
    ("普通文字", "普通文字"),
    ("a*b_c`d", "a\\*b\\_c\\`d"),
    ("[链接](javascript:x)", "\\[链接\\]\\(javascript:x\\)"),
    ("# 标题", "\\# 标题"),
    ("1. 条", "1\\. 条"),
    ("a|b", "a\\|b"),
    ("<b>粗</b> & {: onclick=x }", "&lt;b&gt;粗&lt;/b&gt; &amp; \\{: onclick=x \\}"),
    ("第一行\n第二行\r\n第三行", "第一行 第二行 第三行"),  # one line, whatever breaks it held
    ('"引号"', '"引号"'),  # Markdown text, not an attribute: quotes stay
    ("\\已转义", "\\\\已转义"),
    (2026, "2026"),
])
def test_md_text_shows_text_as_itself(text: object, shown: str) -> None:
    assert pages.md_text(text) == shown


def test_md_body_keeps_markdown_but_no_tag() -> None:
    assert pages.md_body("## 一、问题\n\n**加粗** <b>x</b> <!-- y") == f"## 一、问题\n\n**加粗** {pages.LT}b>x{pages.LT}/b> {pages.LT}!-- y"
    assert pages.md_body(f"伪造的{pages.LT}占位") == "伪造的占位"  # the marker itself cannot be smuggled in


@pytest.mark.parametrize(("src", "url"), [
    ("index.md", ""), ("stats.md", "stats/"), ("by/year/index.md", "by/year/"), ("by/year/2025.md", "by/year/2025/"),
    ("items/2025/2025-0506-zhangwei-1.md", "items/2025/2025-0506-zhangwei-1/"),
])
def test_page_url_is_where_mkdocs_puts_the_page(src: str, url: str) -> None:
    assert pages.page_url(src) == url


@pytest.mark.parametrize(("page", "target", "link"), [
    ("index.md", "stats.md", "stats/"),
    ("index.md", "index.md", "./"),
    ("stats.md", "index.md", "../"),
    ("by/year/index.md", "by/year/2025.md", "../../by/year/2025/"),
    ("by/year/2025.md", "by/year/index.md", "../../../by/year/"),
    ("by/year/2025.md", "by/year/2025.md", "./"),
    ("by/year/2025.md", "index.md", "../../../"),
    ("journal/2025-003.md", "items/2025/2025-0506-zhangwei-1.md", "../../items/2025/2025-0506-zhangwei-1/"),
])
def test_href_links_pages_as_the_built_site_has_them(page: str, target: str, link: str) -> None:
    assert pages.href(page, target) == link


def test_public_status_leaves_a_status_without_overdue_alone() -> None:
    st = status.Status(status.ANSWERED, (status.ANSWERED, status.APPROVED), None, ())
    assert pages.public_status(st) is st
    overdue = status.Status(status.OVERDUE, (status.OVERDUE, status.APPROVED), None, (), 40)
    assert pages.public_status(overdue) == status.Status(status.TRANSFERRING, (status.TRANSFERRING, status.APPROVED), None, (), 0)


def test_table_macro_writes_one_line_of_html() -> None:
    template = render.environment(None).from_string(
        '{% from "macros.j2" import table %}{% call(r) table(["甲", "乙"], rows) %}<td>{{ r[0] }}</td><td>{{ r[1]|html }}</td>{% endcall %}')
    assert template.render(rows=[("1", "<b>2</b>"), ("3", "4")]) == (
        "<table><thead><tr><th>甲</th><th>乙</th></tr></thead>"
        "<tbody><tr><td>1</td><td>&lt;b&gt;2&lt;/b&gt;</td></tr><tr><td>3</td><td>4</td></tr></tbody></table>\n")


def test_edition_refuses_an_unknown_audience(sample: Loaded) -> None:
    with pytest.raises(ValueError, match="everyone"):
        pages.edition(sample.registry, sample.items, "everyone", DAY)


def test_public_edition_drops_history_and_documents(sample: Loaded) -> None:
    reg, items, history, documents = rich_office(sample)
    e = pages.edition(reg, items, pages.PUBLIC, DAY, history, documents)
    assert [(x.history, x.documents, x.source_url) for x in e.entries.values()] == [((), (), None)] * 2


# --- the office's own templates ------------------------------------------------------------------


def _office_templates(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "templates" / "site"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / f"{name}.j2").write_text(text, "utf-8")
    return folder


def test_an_office_template_replaces_the_package_one(sample: Loaded, tmp_path: Path) -> None:
    folder = _office_templates(tmp_path, **{
        "examples.md": "# 本县优秀信息\n{% for i in examples %}\n- {{ i.title|md }}\n{% endfor %}\n",
        # an office's template may use the package's macros
        "journal.md": '{% from "macros.j2" import table %}\n# 各期\n\n{% call(i) table(["期"], issues) %}<td>{{ i.number }}</td>{% endcall %}',
    })
    own = generated(pages.edition(sample.registry, sample.items, pages.PUBLIC, DAY, templates=folder))
    package = generated(pages.edition(sample.registry, sample.items, pages.PUBLIC, DAY, templates=tmp_path / "none"))
    assert own["guide/examples.md"] == "# 本县优秀信息\n- 关于加快老旧小区加装电梯和管网改造的建议\n"
    assert own["journal/index.md"] == "# 各期\n\n<table><thead><tr><th>期</th></tr></thead><tbody><tr><td>3</td></tr></tbody></table>\n"
    changed = {name for name in own if own[name] != package[name]}
    assert changed == {"guide/examples.md", "journal/index.md"}  # every other page is the package's
    assert package["guide/examples.md"] == golden.GOLDEN.joinpath("site/public/guide/examples.md").read_text("utf-8")


@pytest.mark.parametrize(("text", "message"), [
    ("# 示例\n\n{{ nothing }}\n", "templates/site/examples.md.j2:3: 错误：网站模板有错误：'nothing' is undefined"),
    ("# 示例\n{% for i in examples %}\n", "templates/site/examples.md.j2:2: 错误：网站模板有错误：Unexpected end of template."),
    ("\n{{ examples[0].phone }}", "templates/site/examples.md.j2:2: 错误：网站模板有错误：'sqmy.site.edition.Entry object' has no attribute 'phone'"),
])
def test_a_broken_office_template_is_named_with_its_line(sample: Loaded, tmp_path: Path, text: str, message: str) -> None:
    folder = _office_templates(tmp_path, **{"examples.md": text})
    e = pages.edition(sample.registry, sample.items, pages.PUBLIC, DAY, templates=folder)
    with pytest.raises(SqmyError) as caught:
        pages.pages(e)
    assert caught.value.message.startswith(message)


def _rule_table(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("| 内容 | 内部版 | 公开版 |")
    return list(itertools.takewhile(lambda line: line.startswith("|"), lines[start:]))


def test_readme_states_the_rule_edition_py_follows() -> None:
    """The table of what each edition shows is written twice, for the office and beside the code: the same."""
    readme = (REPO / "README.md").read_text("utf-8")
    assert edition_mod.__doc__ is not None
    assert _rule_table(readme) == _rule_table(edition_mod.__doc__)
    assert len(_rule_table(readme)) > 10


def test_scoring_labels_are_the_schema_titles() -> None:
    schema.prepare("scoring")  # the fast validator rewrites the schema's references in place: the labels must not care
    labels = pages.scoring_labels()
    assert labels["points"] == {"submitted": "报送", "edited": "县政协采编", "reported": "直报市政协", "transferred": "转办",
                                "feedback": "得到反馈", "implemented": "推动落实", "converted": "提案、视察报告、会议发言转化"}
    assert labels["caps"] == {"item": "每条信息", "person": "每人全年", "unit": "每个单位全年"}


# --- a later edition of the same office (mkdocs serve) ------------------------------------------------------


def test_a_later_edition_renders_only_what_changed_and_the_same_pages(sample: Loaded) -> None:
    """An edition made with the previous one and a memo (mkdocs serve after one item changed) is the edition made
    afresh, page for page; only the changed item's page and the pages that list it are rendered again."""
    reg, items, history, documents = rich_office(sample)
    for audience in pages.AUDIENCES:
        memo = render.Memo()
        memo.start(None)
        first = pages.edition(reg, items, audience, DAY, history, documents, memo=memo)
        assert generated(first) == generated(pages.edition(reg, items, audience, DAY, history, documents))
        target = "2026-0310-zhangwei-1"  # in both editions
        solved = Solved(dt.date(2026, 11, 2), "补充一段：西苑新增充电桩 6 个。")  # an outcome: shown in both editions
        changed = [dataclasses.replace(i, solved=(*i.solved, solved)) if i.id == target else i for i in items]
        memo.start(None)
        later = pages.edition(reg, changed, audience, DAY, history, documents, previous=first, memo=memo)
        made = generated(later)
        assert made == generated(pages.edition(reg, changed, audience, DAY, history, documents))
        assert "补充一段" in made[f"items/2026/{target}.md"]
        assert 0 < memo.rendered < memo.kept  # the item's page, the indexes and issues that list it, home, statistics
        assert all(later.entries[i] is first.entries[i] for i in later.entries if i != target)  # taken over
        assert later.entries[target] is not first.entries[target]


def test_a_later_edition_takes_over_nothing_on_another_day_or_registry(sample: Loaded) -> None:
    reg, items, history, documents = rich_office(sample)
    first = pages.edition(reg, items, pages.INTERNAL, DAY, history, documents)
    for later in (pages.edition(reg, items, pages.INTERNAL, DAY + dt.timedelta(days=40), history, documents, previous=first),
                  pages.edition(dataclasses.replace(reg, office=dataclasses.replace(reg.office, repository_url=None)), items,
                                pages.INTERNAL, DAY, history, documents, previous=first)):
        assert not any(later.entries[i] is first.entries[i] for i in later.entries)
    overdue = pages.edition(reg, items, pages.INTERNAL, DAY + dt.timedelta(days=40), history, documents, previous=first)
    assert overdue.entries["2026-0310-zhangwei-1"].transfers[2].overdue_days == 18  # due 2026-12-20: overdue by then


def test_a_memo_renders_again_when_a_template_changes(sample: Loaded, tmp_path: Path) -> None:
    folder = _office_templates(tmp_path, **{"examples.md": "# 示例一\n"})
    memo = render.Memo()
    memo.start(folder)
    first = pages.pages(pages.edition(sample.registry, sample.items, pages.PUBLIC, DAY, templates=folder, memo=memo))
    assert first["guide/examples.md"] == "# 示例一\n"
    template = folder / "examples.md.j2"
    template.write_text("# 示例二\n", "utf-8")
    os.utime(template, ns=(template.stat().st_atime_ns, template.stat().st_mtime_ns + 10**9))
    memo.start(folder)
    later = pages.pages(pages.edition(sample.registry, sample.items, pages.PUBLIC, DAY, templates=folder, memo=memo))
    assert later["guide/examples.md"] == "# 示例二\n"
    assert memo.kept == 0


def test_items_json_of_an_edition_without_items_is_json_dumps(sample: Loaded) -> None:
    e = pages.edition(sample.registry, [], pages.PUBLIC, DAY)
    assert pages.items_json(e) == json.dumps({"edition": "public", "generated": DAY.isoformat(), "items": []}, ensure_ascii=False, indent=1)
    full = pages.edition(sample.registry, sample.items, pages.INTERNAL, DAY)
    assert json.loads(pages.items_json(full))["items"][0]["id"] == full.shown[0].id
