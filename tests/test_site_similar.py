"""相似信息 on the internal archive's item pages (site/similarity.py), built for real with MkDocs.

A small office: the sample office with three items of its own, two of them a report and a light rewrite of it
(B, internal), the third unrelated; an upstream list and a sibling office's items.json beside them. The internal
edition shows each item's similar reports and the reviewers' 查重结论; the public one shows none of it, and no
title of an internal similar report reaches any of its files. The lists are kept between builds: a build in which
nothing changed queries nothing, and a change is seen on both sides of a pair.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from sqmy.items import content_digest
from sqmy.load import load_all
from sqmy.paths import Repo
from sqmy.site import pages, similarity
from sqmy.site.plugin import SqmyPlugin

from . import golden, sitehtml
from .conftest import REPO, SAMPLES, TODAY

DAY = dt.date.fromisoformat(TODAY)

A_ID, B_ID, C_ID = "2025-0601-zhangwei-1", "2025-0605-zhangwei-1", "2025-0610-zhangwei-1"
A_TITLE = "关于保障山区农村饮水安全的建议"
B_TITLE = "山区群众饮水安全问题亟待解决"
C_TITLE = "关于整治中小学校园周边交通秩序的建议"

A_BODY = """我县山区八个乡镇共有集中供水工程一百二十六处，覆盖农村人口约九万人。
近年来，随着人口外流和工程老化，部分供水工程运行困难，群众饮水安全保障水平有所下降。

## 一、存在的问题

（一）工程老化失修。不少供水工程建于二〇〇五年前后，管网锈蚀渗漏严重，漏损率普遍超过三成，旱季经常停水。

（二）水源保护不到位。部分水源地周边有养殖场和耕地，雨季水质浑浊，消毒设施形同虚设，水质检测频次达不到规定要求。

（三）管护责任不落实。村级管水员多为兼职，报酬低、年龄大，缺乏专业技能，小故障拖成大问题，群众意见较大。

（四）水费收缴困难。水价长期偏低，收费率不足六成，工程维修资金没有来源，只能依靠上级补助勉强维持。

## 二、意见建议

1. 由县水利局牵头，对山区供水工程开展一次全面排查，分类制定改造计划，优先实施管网更新和联网并网工程。
2. 划定并公示水源保护区，清理保护区内的养殖场，配齐消毒设备，每季度开展一次水质抽检并向群众公开结果。
3. 推行县级统管、乡镇监管、村级协管的管护模式，通过政府购买服务聘用专业队伍，落实管水员报酬。
4. 完善水价形成机制，推行计量收费，建立县级农村供水工程维修养护基金，保障工程长效运行。
"""

B_BODY = """全县山区八个乡镇现有集中供水工程一百二十六处，覆盖农村人口约九万人。
近几年，由于人口外流和工程老化，一些供水工程运行困难，群众饮水安全保障水平有所下降。

## 一、存在的问题

（一）工程老化失修。很多供水工程建于二〇〇五年前后，管网锈蚀渗漏严重，漏损率普遍超过三成，每到旱季经常停水。

（二）水源保护不到位。部分水源地周边有养殖场和耕地，雨季水质浑浊，消毒设施形同虚设，水质检测次数达不到规定要求。

（三）管护责任没有落实。村级管水员多数为兼职，报酬低、年龄大，缺少专业技能，小故障拖成大问题，群众意见很大。

（四）水费收缴困难。水价长期偏低，收费率不到六成，工程维修资金没有来源，只能依靠上级补助勉强维持。

## 二、意见建议

1. 建议县水利局牵头，对山区供水工程开展一次全面排查，分类制定改造计划，优先实施管网更新和联网并网工程。
2. 划定并公示水源保护区，清理保护区内的养殖场，配齐消毒设备，每季度开展一次水质抽检并向群众公开结果。
3. 推行县级统管、乡镇监管、村级协管的管护模式，通过政府购买服务聘请专业队伍，落实管水员报酬。
4. 完善水价形成机制，推行计量收费，建立县级农村供水工程维修养护基金，保证工程长效运行。
"""

C_BODY = """每天上下学时段，县城第一小学、实验中学等学校门口车辆拥堵，接送家长的电动车、私家车随意停放，学生横穿马路的情况时有发生，存在较大安全隐患。

## 一、存在的问题

（一）停车设施不足。学校周边道路狭窄，没有规划接送车辆临时停靠区域，家长只能占道停车。

（二）交通设施不完善。部分路口没有信号灯和减速带，斑马线标线磨损，警示标志被树木遮挡。

（三）管理力量薄弱。高峰时段仅靠学校保安和少数志愿者维持秩序，交警巡查不够经常。

## 二、意见建议

1. 由县公安局交警大队会同教育局，对城区学校周边道路逐校制定交通组织方案，施划临时停车泊位。
2. 在学校门口路段增设信号灯、减速带和护栏，重新施划斑马线，清理遮挡标志的树枝。
3. 建立交警、学校、家长志愿者共同参与的护学岗制度，上下学高峰时段固定人员值守。
4. 倡导错峰放学和步行上学，引导家长文明接送。
"""

# the rewrite after a second edit: still B, now a report on something else altogether
B_OTHER = """县城老旧菜市场设施陈旧，地面积水、排污不畅，夏季蚊蝇滋生，周边占道经营现象突出，群众买菜不便。

## 意见建议

建议县市场监管局会同住建部门制定菜市场提升改造计划，分批实施标准化改造，规范周边摊点，落实长效保洁。
"""

SIBLING_URL = "https://sibling.example.org/archive/items/2025/2025-0301-wangwu-1/"


def _reviews(title: str, body: str, duplicate: str = "") -> str:
    digest = content_digest(title, body)
    extra = f", duplicate: {duplicate}, comment: 与已采用的信息角度不同" if duplicate else ""
    return (
        "reviews:\n"
        f'  - {{stage: 初审, by: li-chu, decision: 通过, date: 2025-06-12, digest: "{digest}"{extra}}}\n'
        f'  - {{stage: 复审, by: wang-fu, decision: 通过, date: 2025-06-13, digest: "{digest}"}}\n'
        f'  - {{stage: 审定, by: chen-shen, decision: 通过, date: 2025-06-14, digest: "{digest}"}}\n'
    )


def _item(root: Path, item_id: str, title: str, body: str, audience: str, reviews: str = "") -> Path:
    path = root / "items" / item_id[:4] / f"{item_id}.md"
    submitted = f"{item_id[:4]}-{item_id[5:7]}-{item_id[7:9]}"
    path.write_text(
        f"---\nid: {item_id}\ntitle: {title}\nauthors: [zhang-wei]\nunit: chengguan-lianluozu\nsubmitted: {submitted}\n"
        f"category: 社区管理\nfocus: 民之关切\nsource: 群众反映\naudience: {audience}\n{reviews}---\n{body}", "utf-8")
    return path


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """The sample office with the three items, an upstream list (C's text, adopted by the city) and a sibling's
    items.json (a copy of A's opening, with the web address of its page)."""
    root = tmp_path / "office"
    shutil.copytree(SAMPLES / "office", root)
    shutil.copy(REPO / "mkdocs.yml", root)
    shutil.copytree(REPO / "templates" / "site", root / "templates" / "site")
    _item(root, A_ID, A_TITLE, A_BODY, "公开", _reviews(A_TITLE, A_BODY, "非重复"))
    _item(root, B_ID, B_TITLE, B_BODY, "内部")
    _item(root, C_ID, C_TITLE, C_BODY, "公开", _reviews(C_TITLE, C_BODY))
    (root / "upstream").mkdir()
    (root / "upstream" / "市政协-2025.yml").write_text(
        "name: 市政协2025年采用的社情民意信息\nlevel: 市政协\nyear: 2025\nitems:\n"
        "  - title: 关于加强城区学校周边交通安全管理的建议\n    date: 2025-08-01\n    origin: 某某县政协\n"
        "    ref: 《社情民意信息》第12期\n    body: " + json.dumps(C_BODY, ensure_ascii=False) + "\n", "utf-8")
    sibling = root / "siblings" / "邻县政协"
    sibling.mkdir(parents=True)
    row = {"id": "2025-0301-wangwu-1", "title": "关于山区农村供水工程管护的建议", "unit_name": "邻县水利局", "submitted": "2025-03-01",
           "url": SIBLING_URL, "body": A_BODY.split("## 二、", maxsplit=1)[0]}
    (sibling / "items.json").write_text(json.dumps({"edition": "public", "generated": "2025-12-01", "items": [row]}, ensure_ascii=False), "utf-8")
    return root


def _build(root: Path, audience: str, out: Path) -> SqmyPlugin:
    """`sqmy build` as the command runs it, returning the plugin (what it queried)."""
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(out))
    plugin = next(p for p in config.plugins.values() if isinstance(p, SqmyPlugin))
    plugin.config.audience = audience
    plugin.repo = Repo(root)
    mkdocs_build(config)
    return plugin


def _lists(root: Path, out: Path) -> similarity.Lists:
    """An internal build's lists, with what it queried."""
    found = _build(root, "internal", out).similar_lists
    assert found is not None
    return found


def _section(site: Path, item_id: str) -> str:
    """The 相似信息 section of an item's page ("" when it has none)."""
    page = (site / "items" / item_id[:4] / item_id / "index.html").read_text("utf-8")
    if "相似信息</h2>" not in page:
        return ""
    section = page[page.index("相似信息</h2>"):]
    return section[: section.index("</ul>")]


def _entries(section: str) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", section)


def test_internal_item_pages_show_their_similar_reports(office: Path, tmp_path: Path) -> None:
    plugin = _build(office, "internal", tmp_path / "site")
    site = tmp_path / "site"
    a = _entries(_section(site, A_ID))
    # B, a light rewrite: 疑似重复, marked, linked to its page; then the sibling's copy of A's first half
    assert a[0].startswith("<strong>【疑似重复】</strong>")
    assert f'<a href="../../../items/2025/{B_ID}/" rel="noopener noreferrer">{B_TITLE}</a>' in a[0]
    assert re.search(rf"<br>得分 0\.(8|9)\d · 题目相近度 \d+<br>本会信息 {B_ID} · 城关委员联络组 · 张薇 · 2025-06-05 · 待初审$", a[0]), a[0]
    assert a[1].startswith("【相似】")
    assert f'<a href="{SIBLING_URL}" rel="noopener noreferrer">关于山区农村供水工程管护的建议</a>' in a[1]
    assert "<br>得分 0." in a[1]
    assert a[1].endswith("<br>兄弟单位 邻县政协 2025-0301-wangwu-1 · 邻县水利局 · 2025-03-01")  # the address is the link, not repeated
    assert len(a) == 2
    b = _entries(_section(site, B_ID))
    assert f'<a href="../../../items/2025/{A_ID}/" rel="noopener noreferrer">{A_TITLE}</a>' in b[0]
    assert b[0].startswith("<strong>【疑似重复】</strong>")
    # C: the city's list holds its text, unlinked (a list entry has no page), its issue in the facts
    c = _entries(_section(site, C_ID))
    assert len(c) == 1
    assert re.fullmatch("<strong>【疑似重复】</strong>关于加强城区学校周边交通安全管理的建议<br>得分 1.00 · 题目相近度 \\d+"
                        "<br>上级已采用 市政协2025年采用的社情民意信息 第1条 · 某某县政协 · 2025-08-01 · 《社情民意信息》第12期", c[0]), c[0]
    # the sample office's own items are like none of these
    assert _section(site, "2025-0506-zhangwei-1") == ""
    assert plugin.similar_lists is not None
    assert plugin.similar_lists.queried == 5  # every item: a cold build


def test_the_review_chain_shows_the_duplicate_conclusion_internally(office: Path, tmp_path: Path) -> None:
    _build(office, "internal", tmp_path / "site")
    _build(office, "public", tmp_path / "public")
    internal = (tmp_path / "site" / "items" / "2025" / A_ID / "index.html").read_text("utf-8")
    assert "<td>初审</td><td>李初</td><td>通过（非重复）</td>" in internal
    assert "<td>复审</td><td>王复</td><td>通过</td>" in internal
    public = (tmp_path / "public" / "items" / "2025" / A_ID / "index.html").read_text("utf-8")
    assert "<td>初审</td><td>通过</td>" in public
    assert "非重复" not in public


def test_the_public_edition_shows_none_of_it(office: Path, tmp_path: Path) -> None:
    """Neither the section, nor items.json, nor the search index of the public edition: the internal B's title, the
    sibling's and the city's titles appear in no file of it, though A and C, which list them, are public."""
    _build(office, "internal", tmp_path / "site")
    assert B_TITLE in _section(tmp_path / "site", A_ID)
    plugin = _build(office, "public", tmp_path / "public")
    site = tmp_path / "public"
    assert {row["id"] for row in json.loads((site / "items.json").read_text("utf-8"))["items"]} == {A_ID, C_ID, "2025-0506-zhangwei-1"}
    assert plugin.similar_lists is None  # nothing was even looked up
    secrets = [B_TITLE, B_ID, "相似信息", "疑似重复", "关于山区农村供水工程管护的建议", "关于加强城区学校周边交通安全管理的建议", "邻县政协",
               "得分", SIBLING_URL]
    files = [p for p in site.rglob("*") if p.is_file()]
    assert any(p.parent.name == "fragment" for p in files)  # the search index is read too
    leaks = []
    for path in files:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        text = data.decode("utf-8", "replace").replace("\u200b", "")
        leaks += [(path.relative_to(site).as_posix(), s) for s in secrets if s in text]
    assert leaks == []


def test_a_build_queries_only_what_changed(office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    assert _lists(office, site).queried == 5
    again = _lists(office, site)
    assert (again.queried, again.kept) == (0, 5)
    first = _section(site, A_ID)
    # B edited lightly: B is queried, and put back into A's list (the pair's new score)
    b = office / "items" / "2025" / f"{B_ID}.md"
    b.write_text(b.read_text("utf-8").replace("保证工程长效运行", "保证工程长效运行，让山区群众喝上放心水"), "utf-8")
    edited = _lists(office, site)
    assert (edited.queried, edited.kept) == (1, 4)
    assert B_TITLE in _section(site, A_ID)
    assert _section(site, A_ID) != first  # the score moved
    # B now about something else: gone from A's list, and A from B's
    b.write_text(b.read_text("utf-8").split("---\n", 2)[0] + "---\n" + b.read_text("utf-8").split("---\n", 2)[1] + "---\n" + B_OTHER, "utf-8")
    other = _lists(office, site)
    assert other.queried == 1
    assert B_TITLE not in _section(site, A_ID)
    assert A_TITLE not in _section(site, B_ID)
    assert "邻县政协" in _section(site, A_ID)
    # what the kept lists say is what querying everything says
    monkeypatch.setenv("SQMY_NO_CACHE", "1")
    cold = _lists(office, tmp_path / "cold")
    assert (cold.queried, cold.kept) == (5, 0)
    # (the same reports with the same verdicts; a score may differ a little: the weights of the n-grams are the
    # archive's as it was when either report of the pair last changed)
    assert {i: [(r[0], r[4]) for r in rows] for i, rows in cold.rows.items()} == {i: [(r[0], r[4]) for r in rows] for i, rows in other.rows.items()}
    assert all(abs((x[2] or 0) - (y[2] or 0)) < 0.05 for i in cold.rows for x, y in zip(cold.rows[i], other.rows[i], strict=True))


def test_a_changed_reference_is_offered_to_the_items_it_is_like(office: Path, tmp_path: Path) -> None:
    """A new entry of an upstream list is queried (against the office's items) and put into their lists; the
    items are not queried again."""
    site = tmp_path / "site"
    _build(office, "internal", site)
    listing = office / "upstream" / "市政协-2025.yml"
    listing.write_text(listing.read_text("utf-8") + "  - title: 关于保障山区农村饮水安全的意见建议\n    ref: 第20期\n", "utf-8")
    found = _lists(office, site)
    assert found.queried == 1
    a = _entries(_section(site, A_ID))
    assert [e for e in a if "第2条" in e] == ["【题目相近】关于保障山区农村饮水安全的意见建议<br>得分 — · 题目相近度 100"
                                              "<br>上级已采用 市政协2025年采用的社情民意信息 第2条 · 第20期"]
    listing.write_text(listing.read_text("utf-8").split("  - title: 关于保障山区农村饮水安全的意见建议")[0], "utf-8")
    removed = _lists(office, site)
    assert removed.queried == 0
    assert "第2条" not in _section(site, A_ID)


def test_the_lists_name_sources_and_facts_as_likeness_does(office: Path) -> None:
    """similarity.py writes what likeness would (it does not load likeness when nothing is queried)."""
    from sqmy import likeness, similar  # noqa: PLC0415 - loads scikit-learn

    assert similarity.SOURCE_NAMES == likeness.SOURCE_NAMES
    assert similarity.ARCHIVE == likeness.ARCHIVE
    assert similarity.DUPLICATE_VERDICT == similar.DUPLICATE_VERDICT
    assert {similar.DUPLICATE_VERDICT, similar.SIMILAR_VERDICT} == similarity.TEXT_VERDICTS
    repo = Repo(office)
    loaded = load_all(repo, DAY)
    corpus = likeness.build(repo, loaded.registry, loaded.items, DAY)
    for item in loaded.items:
        assert similarity.item_facts(loaded.registry, item, DAY) == corpus.facts(item.id)
    for key, ref in corpus.references.items():
        line = " · ".join(x for x in (ref.origin, ref.date.isoformat() if ref.date else "", ref.ref) if x)
        assert line == corpus.facts(key)


def test_golden_page_with_similar_reports(office: Path) -> None:
    """A's internal page as the site shows it, with its 相似信息 (tests/golden/site/html/similar/)."""
    repo = Repo(office)
    loaded = load_all(repo, DAY)
    shown = similarity.shown(similarity.lists(repo, loaded.registry, loaded.items, DAY), loaded.registry, loaded.items, DAY)
    e = pages.edition(loaded.registry, loaded.items, pages.INTERNAL, DAY, similar=shown)
    name = f"items/2025/{A_ID}.md"
    golden.check(f"site/html/similar/{A_ID}.html", sitehtml.render(pages.pages(e)[name], name, e.figures).replace(e.nonce, "NONCE") + "\n")
    public = pages.edition(loaded.registry, loaded.items, pages.PUBLIC, DAY, similar=shown)
    assert all(not entry.similar for entry in public.shown)


def test_an_edited_report_is_scored_again_with_the_lists_that_held_it(office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A list that held the edited report and that its query did not reach (here: it reaches nobody, WIDE 0) keeps it
    with the pair's new score, without a query; once the report is about something else, it leaves that list."""
    site = tmp_path / "site"
    _lists(office, site)
    before = _section(site, A_ID)
    assert B_TITLE in before
    kept_as = similarity.version()
    monkeypatch.setattr(similarity, "version", lambda: kept_as)  # (WIDE is part of it: the kept lists stay in use)
    monkeypatch.setattr(similarity, "WIDE", 0)
    b = office / "items" / "2025" / f"{B_ID}.md"
    b.write_text(b.read_text("utf-8").replace("保证工程长效运行", "保证工程长效运行，让山区群众喝上放心水"), "utf-8")
    edited = _lists(office, site)
    assert edited.queried == 1  # B alone
    assert B_TITLE in _section(site, A_ID)
    assert _section(site, A_ID) != before  # the pair's new score
    b.write_text(b.read_text("utf-8").split("---\n", 2)[0] + "---\n" + b.read_text("utf-8").split("---\n", 2)[1] + "---\n" + B_OTHER, "utf-8")
    moved = _lists(office, site)
    assert B_TITLE not in _section(site, A_ID)
    assert moved.queried == 1  # no list here is full: none is queried again
