"""The archive's pages as plain data: {path in the site's docs: Markdown}.

Everything here is a plain function of the loaded repository, the audience
and the day; the MkDocs plugin only hands the result to MkDocs.  The public
edition sees only `audience: 公开` items whose 审定 still holds, and nothing
internal about them: no reviewer, no comment, no summary of instructions or
feedback, no overdue marker (督办), no statistics of internal items, and phone
or ID numbers masked.

Item text is only ever shown as text: every title, name and summary put into a
page is escaped (`md_text` in Markdown, `escape` in HTML), and a body's `<`
reaches Markdown as LT, which the plugin turns into `&lt;` after rendering, so
no tag in a body is read as HTML (an unclosed one would swallow the rest of the
page). The plugin then sanitizes every rendered page (mkdocs_plugin.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from .. import personal
from .. import score as score_mod
from .. import stats as stats_mod
from ..history import Step
from ..items import Item
from ..registry import Registry
from ..report import markdown
from ..status import ALL, APPROVED, OVERDUE, PRIORITY, TRANSFERRING, Status, derive, explain
from . import charts

INTERNAL, PUBLIC = "internal", "public"
AUDIENCES = (INTERNAL, PUBLIC)
LT = "\ue000"  # a body's "<" on its way through Markdown (a private-use character; the plugin writes it as &lt;)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")  # what Python-Markdown (with tables) lets a backslash escape


def md_text(text: object) -> str:
    """Text put into a page's Markdown that must show as itself, on one line: no Markdown, no HTML."""
    one_line = " ".join(str(text).splitlines())
    return _MD_SPECIAL.sub(r"\\\1", escape(one_line, quote=False))


def md_body(body: str) -> str:
    """An item body as page Markdown: Markdown stays Markdown, but no "<" opens an HTML tag or comment."""
    return body.replace(LT, "").replace("<", LT)


@dataclass(frozen=True)
class Edition:
    reg: Registry
    items: list[Item]  # the items this edition may show
    audience: str
    today: dt.date
    statuses: Mapping[str, Status]
    history: Mapping[str, list[Step]] = field(default_factory=dict)  # item -> its commits (internal edition)
    documents: Mapping[str, list[tuple[str, str]]] = field(default_factory=dict)  # item -> (label, site path) of its Word files
    # charts (inline SVG) by the placeholder paragraph that stands for them in the pages; filled as the pages
    # are made, put back by the plugin after it has sanitized the page (the placeholder carries a nonce)
    figures: dict[str, str] = field(default_factory=dict)
    nonce: str = field(default_factory=lambda: secrets.token_hex(12))

    @property
    def internal(self) -> bool:
        return self.audience == INTERNAL

    def shown(self, text: str) -> str:
        """Item text as this edition shows it: the public edition masks phone and ID numbers."""
        return text if self.internal else personal.mask(text)

    def figure(self, svg: str) -> str:
        """A paragraph of Markdown standing for `svg` (see `figures`)."""
        key = f"SQMYFIGURE{self.nonce}N{len(self.figures)}"
        self.figures[f"<p>{key}</p>"] = svg
        return key


def edition(
    reg: Registry, items: Iterable[Item], audience: str, today: dt.date, history: Mapping[str, list[Step]] | None = None,
    documents: Mapping[str, list[tuple[str, str]]] | None = None,
) -> Edition:
    if audience not in AUDIENCES:
        raise ValueError(audience)
    if audience == INTERNAL:
        statuses = {i.id: derive(i, today) for i in items}
        shown = list(items)
    else:  # only what passed 审定 and still holds (not changed since), with its public status
        candidates = {i.id: derive(i, today) for i in items if i.audience == "公开"}
        statuses = {k: public_status(st) for k, st in candidates.items() if APPROVED in st.statuses}
        shown = [i for i in items if i.id in statuses]
    shown.sort(key=lambda i: (i.submitted or dt.date.max, i.id), reverse=True)
    kept = dict(history or {}) if audience == INTERNAL else {}  # who committed what is internal
    # official documents carry distribution lists, letter numbers and reviewers' decisions: internal only
    docs = dict(documents or {}) if audience == INTERNAL else {}
    return Edition(reg, shown, audience, today, statuses, kept, docs)


def public_status(st: Status) -> Status:
    """The status the public sees: an overdue transfer is 转办中 (the overdue marker is internal 督办 information)."""
    if OVERDUE not in st.statuses:
        return st
    found = {TRANSFERRING if s == OVERDUE else s for s in st.statuses}
    ordered = tuple(s for s in PRIORITY if s in found)
    return dataclasses.replace(st, status=ordered[0], statuses=ordered, overdue_days=0)


def item_url(item: Item) -> str:
    return f"items/{item.id[:4]}/{item.id}.md"


def page_url(src: str) -> str:
    """Where MkDocs puts the page made from `src` (directory URLs)."""
    if src == "index.md":
        return ""
    return src.removesuffix("index.md") if src.endswith("/index.md") else src.removesuffix(".md") + "/"


def href(page: str, target: str) -> str:
    """A link from page `page` to page `target` (both source paths), as it will work in the built site.

    Every page is a folder, so the way back to the root is one "../" per level:
    no path arithmetic in the loop that writes 10,000 links per index."""
    url = page_url(target)
    if url == page_url(page):
        return "./"
    return "../" * page_url(page).count("/") + url if url else "../" * page_url(page).count("/") or "./"


def table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """An HTML table (cells already HTML): MkDocs passes it through without the Markdown
    inline pass, which is most of a large index page's build time."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"


def a(e: Edition, page: str, item: Item) -> str:
    return f'<a href="{href(page, item_url(item))}">{escape(e.shown(item.title))}</a>'


def _link(e: Edition, item: Item, base: str = "") -> str:
    return f"[{md_text(e.shown(item.title))}]({base}{item_url(item)})"


def _names(reg: Registry, ids: Iterable[str]) -> str:
    return "、".join(reg.people[i].name if i in reg.people else i for i in ids)


def _unit(reg: Registry, unit_id: str) -> str:
    return reg.units[unit_id].name if unit_id in reg.units else unit_id


def item_table(e: Edition, items: Iterable[Item], page: str) -> str:
    rows = [[str(i.submitted or "草稿"), a(e, page, i), escape(_unit(e.reg, i.unit)), escape(e.statuses[i.id].status)] for i in items]
    return table(["报送日期", "标题", "单位", "状态"], rows) if rows else "（暂无）\n"


# --- one item ----------------------------------------------------------------------


def item_page(e: Edition, item: Item) -> str:
    reg, st = e.reg, e.statuses[item.id]
    meta = [
        ("编号", item.id), ("反映人", _names(reg, item.authors)), ("单位", _unit(reg, item.unit)),
        ("报送日期", item.submitted or "草稿"), ("选题类别", item.category), ("选题重点", item.focus),
        ("信息来源", item.source), ("状态", "、".join(st.statuses)),
    ]
    if item.key_topic:
        year = item.submitted.year if item.submitted else item.year
        topic = reg.key_topics.get(year, {}).get(item.key_topic)
        meta.append(("年度重点选题", topic.title if topic else item.key_topic))
    if item.journal:
        meta.append(("编发", f"《{reg.office.journal_title}》{item.journal.year}年第{item.journal.issue}期"))
    if item.routes:
        meta.append(("转化渠道", "、".join(item.routes)))
    if e.internal:
        meta.append(("公开范围", item.audience))
    lines = [f"# {md_text(e.shown(item.title))}", "", table(["项目", "内容"], [[k, escape(str(v))] for k, v in meta])]
    if explain(st):  # e.g. changed after 审定: say what it means and who acts, above the text nobody approved
        lines += [f'!!! warning "{st.status}"', "", f"    {md_text(explain(st))}", ""]
    lines += [md_body(e.shown(item.body).strip()), ""]
    lines += _review_section(e, item)
    lines += _outcome_section(e, item)
    lines += _documents_section(e, item)
    lines += _history_section(e, item)
    if e.internal and reg.office.repository_url:
        url = escape(f"{reg.office.repository_url.rstrip('/')}/commits/main/{item.path}")
        lines += [f'<p><a href="{url}">查看这条信息在 Git 中的全部修改记录</a></p>', ""]
    return "\n".join(lines)


def _documents_section(e: Edition, item: Item) -> list[str]:
    docs = e.documents.get(item.id)
    if not docs:
        return []
    up = "../" * page_url(item_url(item)).count("/")
    links = [f'<li><a href="{up}{escape(path)}" download>{escape(label)}</a>（Word）</li>' for label, path in docs]
    return ["## 公文", "", f"<ul>{''.join(links)}</ul>", ""]


def _review_section(e: Edition, item: Item) -> list[str]:
    if not item.reviews:
        return []
    current = item.digest
    if e.internal:
        rows = []
        for r in item.reviews:
            imported = item.imported is not None and r.date <= item.imported.date
            text = ("一致（历史导入）" if imported else "一致") if r.digest == current else "<strong>已改动</strong>"
            decision = escape(r.decision) + (f"（专家：{escape(_names(e.reg, r.experts))}）" if r.experts else "")
            rows.append([str(r.date), escape(r.stage), escape(_names(e.reg, [r.by])), decision, text, escape(r.comment)])
        drawn = table(["日期", "环节", "审核人", "意见", "所审文本", "说明"], rows)
    else:
        drawn = table(["日期", "环节", "意见"], [[str(r.date), escape(r.stage), escape(r.decision)] for r in item.reviews])
    return ["## 审核过程", "", drawn]


def _history_section(e: Edition, item: Item) -> list[str]:
    steps = e.history.get(item.id)
    if not steps:
        return []
    url = (e.reg.office.repository_url or "").rstrip("/")
    rows = []
    for step in steps:
        sha = f'<a href="{escape(url)}/commit/{step.sha}"><code>{step.sha[:10]}</code></a>' if url else f"<code>{step.sha[:10]}</code>"
        note = escape(step.subject) + (f'（<a href="{escape(step.forge)}">转自论坛审核</a>）' if step.forge.startswith("http") else "")
        rows.append([escape(step.date), escape(step.author), sha, note])
    return ["## Git 记录", "", "每一步都是信息库中的一个提交，`sqmy audit` 可以逐条核验。", "", table(["日期", "提交人", "提交", "说明"], rows)]


def _outcome_section(e: Edition, item: Item) -> list[str]:
    reg, lines = e.reg, []

    def t_(text: str) -> str:  # item and registry text in a Markdown line
        return md_text(e.shown(text))

    for a in item.adoptions:
        lines.append(f"- {a.date} 被{t_(a.level)}采用（{t_(a.mode)}）" + (f"：{t_(a.ref)}" if a.ref else ""))
    for i in item.instructions:
        text = f"- {i.date} {t_(i.level + i.leader)}批示"
        if e.internal:
            text += (f"：{t_(i.summary.rstrip('。'))}" if i.summary else "")
            text += f"；交办 {t_('、'.join(_unit(reg, u) for u in i.assigned))}" if i.assigned else ""
            if i.feedback:
                text += f"；{i.feedback.date} 落实情况：{t_(i.feedback.result)}"
            elif i.overdue_days(e.today, reg.office.instruction_due_days):
                text += f"；**逾期 {i.overdue_days(e.today, reg.office.instruction_due_days)} 天未反馈**"
        lines.append(text)
    for t in item.transfers:
        text = f"- {t.date} 转办{t_(_unit(reg, t.to))}" + (f"（{t_(t.letter)}）" if t.letter and e.internal else "")
        if t.feedback:
            text += f"；{t.feedback.date} 反馈：{t_(t.feedback.result)}"
            text += f"，{t_(t.feedback.summary.rstrip('。'))}" if t.feedback.summary and e.internal else ""
        elif t.overdue_days(e.today):
            text += f"；**逾期 {t.overdue_days(e.today)} 天未反馈**" if e.internal else "；办理中"
        else:
            text += f"；办理中（期限 {t.due}）" if e.internal else "；办理中"
        lines.append(text)
    for s in item.solved:
        lines.append(f"- {s.date} 推动解决：{t_(s.summary)}")
    return ["## 转化和办理", "", *lines, ""] if lines else []


# --- indexes -----------------------------------------------------------------------------


def _index(e: Edition, folder: str, title: str, groups: Mapping[str, list[Item]], label: Callable[[str], str]) -> dict[str, str]:
    """An overview page of the groups and one page per group, items out of the menu."""
    pages = {}
    home = f"{folder}/index.md"
    rows = []
    for key, members in groups.items():
        page = f"{folder}/{key}.md"
        rows.append([f'<a href="{href(home, page)}">{escape(label(key))}</a>', str(len(members))])
        pages[page] = f"# {md_text(label(key))}\n\n共 {len(members)} 条。\n\n" + item_table(e, members, page)
    pages[home] = f"# {md_text(title)}\n\n" + table([escape(title.removeprefix("按")), "信息"], rows)
    return pages


def _group(items: Iterable[Item], key: Callable[[Item], Iterable[str]]) -> dict[str, list[Item]]:
    found: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        for k in key(item):
            found[k].append(item)
    return dict(sorted(found.items()))


def indexes(e: Edition) -> dict[str, str]:
    reg, items = e.reg, e.items
    pages: dict[str, str] = {}
    # group keys become page paths: ids, dates, statuses and names the schema or the registry allows, never free item text
    pages |= _index(e, "by/year", "按年份", _group(items, lambda i: [str(i.year)]), lambda k: f"{k}年")
    pages |= _index(e, "by/month", "按月份", _group(items, lambda i: [f"{i.submitted:%Y-%m}"] if i.submitted else []), lambda k: k)
    pages |= _index(e, "by/unit", "按单位", _group(items, lambda i: [i.unit]), lambda k: _unit(reg, k))
    pages |= _index(e, "by/category", "按选题类别", _group(items, lambda i: [i.category]), lambda k: k)
    pages |= _index(e, "by/focus", "按选题重点", _group(items, lambda i: [i.focus]), lambda k: k)
    topics = {t.id: t.title for year in reg.key_topics.values() for t in year.values()}
    pages |= _index(e, "by/key-topic", "按年度重点选题", _group(items, lambda i: [i.key_topic] if i.key_topic else []), lambda k: topics.get(k, k))
    order = {s: n for n, s in enumerate(ALL)}
    by_status = _group(items, lambda i: [e.statuses[i.id].status])
    pages |= _index(e, "by/status", "按状态", dict(sorted(by_status.items(), key=lambda kv: order.get(kv[0], 99))), lambda k: k)
    pages |= _index(e, "by/adoption", "按采用层级", _group(items, lambda i: sorted({a.level for a in i.adoptions})), lambda k: f"{k}采用")
    if e.internal:
        pages |= _index(e, "by/person", "按反映人", _group(items, lambda i: i.authors), lambda k: _names(reg, [k]))
    pages["by/instructions.md"] = _instructions(e)
    pages["by/transfers.md"] = _transfers(e)
    return pages


def _instructions(e: Edition) -> str:
    page, rows = "by/instructions.md", []
    entries = sorted(((i, item) for item in e.items for i in item.instructions), key=lambda x: x[0].date, reverse=True)
    for i, item in entries:
        late = e.internal and i.overdue_days(e.today, e.reg.office.instruction_due_days)
        state = escape(i.feedback.result) if i.feedback else ("<strong>逾期未反馈</strong>" if late else "—")
        rows.append([str(i.date), escape(f"{i.level}{i.leader}"), a(e, page, item), state])
    return "# 领导批示\n\n" + table(["日期", "批示", "信息", "落实情况"], rows)


def _transfers(e: Edition) -> str:
    page, rows = "by/transfers.md", []
    entries = sorted(((t, item) for item in e.items for t in item.transfers), key=lambda x: x[0].date, reverse=True)
    for t, item in entries:
        if t.feedback:
            state = f"{t.feedback.date} {escape(t.feedback.result)}"
        elif t.overdue_days(e.today):
            state = f"<strong>逾期 {t.overdue_days(e.today)} 天</strong>" if e.internal else "办理中"
        else:
            state = "办理中"
        rows.append([str(t.date), escape(_unit(e.reg, t.to)), a(e, page, item), str(t.due), state])
    return "# 转办和反馈\n\n" + table(["转办日期", "承办单位", "信息", "期限", "反馈"], rows)


def journal_pages(e: Edition) -> dict[str, str]:
    issues: dict[tuple[int, int], list[Item]] = defaultdict(list)
    for item in e.items:
        if item.journal:
            issues[(item.journal.year, item.journal.issue)].append(item)
    title = e.reg.office.journal_title
    rows, pages = [], {}
    for (year, number), members in sorted(issues.items(), reverse=True):
        page = f"journal/{year}-{number:03d}.md"
        rows.append([f'<a href="{href("journal/index.md", page)}">{year}年第{number}期</a>', str(len(members))])
        listed = "".join(f"<li>{a(e, page, item)}</li>" for item in sorted(members, key=lambda i: i.id))
        pages[page] = f"# 《{md_text(title)}》{year}年第{number}期\n\n<ol>{listed}</ol>\n"
    pages["journal/index.md"] = f"# 《{md_text(title)}》\n\n" + table(["期", "信息"], rows)
    return pages


# --- home, statistics, rules ------------------------------------------------------------------


def home(e: Edition) -> str:
    reg, year = e.reg, e.today.year
    result = stats_mod.compute(reg, e.items, stats_mod.period(year, None, None, None, e.today), e.today)
    counts = stats_mod.flat(result)
    shown = ("collected", "edited", "reported", "adopted_city", "instructed", "transferred", "feedback")
    headline = " · ".join(f"{stats_mod.COLUMNS[k]} **{counts[k]}**" for k in shown)
    lines = [f"# {md_text(reg.office.short_name)}社情民意信息", "", f"{year}年（截至 {e.today}）：{headline}", ""]
    if e.internal and result["quota"]:
        lines += ["## 任务完成", "", "| 单位 | 任务 | 采集 | 完成率 |", "|---|---|---|---|"]
        lines += [f"| {md_text(q['name'])} | {q['quota']} | {q['collected']} | {q['completion']:.0%} |" for q in result["quota"]]
        lines.append("")
    adoptions = sorted(((a, i) for i in e.items for a in i.adoptions), key=lambda x: x[0].date, reverse=True)[:8]
    if adoptions:
        lines += ["## 最新采用", "", *(f"- {a.date} {md_text(a.level)}：{_link(e, i)}" for a, i in adoptions), ""]
    instructions = sorted(((x, i) for i in e.items for x in i.instructions), key=lambda x: x[0].date, reverse=True)[:8]
    if instructions:
        lines += ["## 最新批示", "", *(f"- {x.date} {md_text(x.level + x.leader)}：{_link(e, i)}" for x, i in instructions), ""]
    if e.internal:
        late = [i for i in e.items if OVERDUE in e.statuses[i.id].statuses]
        lines += ["## 逾期未反馈", "", *(f"- {_link(e, i)}（{md_text(_unit(reg, i.unit))}）" for i in late), ""] if late else []
    lines += ["## 浏览", "", "[按年份](by/year/index.md) · [按单位](by/unit/index.md) · [按状态](by/status/index.md) · "
              "[期刊](journal/index.md) · [统计](stats.md)", ""]
    return "\n".join(lines)


def stats_page(e: Edition) -> str:
    parts = []
    years = sorted({i.submitted.year for i in e.items if i.submitted}, reverse=True)
    for year in years:
        result = stats_mod.compute(e.reg, e.items, stats_mod.period(year, None, None, None, e.today), e.today)
        tables = stats_mod.report_tables(result, e.reg, ["unit", "category", "focus", "month"])
        if not e.internal:
            tables = [t for t in tables if t.title != "任务完成"]
        drawn = "\n\n".join(e.figure(chart(result, year)) for chart in (charts.funnel, charts.months, charts.categories))
        parts.append(f"# {year}年\n\n{drawn}\n\n" + markdown(tables, md_text).replace("\n## ", "\n### ").replace("## ", "### ", 1))
    scope = "" if e.internal else "（公开版只统计公开的信息）"
    return f"# 统计{scope}\n\n" + "\n".join(parts)


def rankings_page(e: Edition) -> str:
    """晾晒比拼: this year's and last year's points and rankings under the office's rules (internal)."""
    if not e.reg.scoring:
        return "# 晾晒比拼\n\n本办公室尚未在 units/scoring.yml 中写明考评办法。\n"
    parts = [f"# 晾晒比拼\n\n按《{md_text(e.reg.scoring['name'])}》计算。\n"]
    for year in (e.today.year, e.today.year - 1):
        result = score_mod.compute(e.reg, e.items, e.reg.scoring, stats_mod.period(year, None, None, None, e.today), e.today)
        if not result["people"]:
            continue
        drawn = markdown(score_mod.report_tables(result), md_text).replace("## ", "### ")
        parts.append(f"## {year}年\n\n" + e.figure(charts.points(result, year)) + "\n\n" + drawn)
    return "\n".join(parts)


def rules_page(e: Edition) -> str:
    rules = e.reg.scoring
    if not rules:
        return "# 考评办法\n\n本办公室尚未在 units/scoring.yml 中写明考评办法。\n"
    names = {"submitted": "报送", "edited": "县政协采编", "reported": "直报市政协", "transferred": "转办", "feedback": "得到反馈",
             "implemented": "推动落实", "converted": "提案、视察报告、会议发言转化"}

    def value(v: Any) -> str:
        return f"第一反映人 {v['first']} 分，其他反映人各 {v['co']} 分" if isinstance(v, Mapping) else f"{v} 分"

    p = rules["points"]
    lines = [f"# {md_text(rules['name'])}", "", "## 计分", "", "| 事项 | 分值 |", "|---|---|"]
    lines += [f"| {names[k]} | {md_text(value(v))} |" for k, v in p.items() if k in names]
    lines += [f"| 被{md_text(level)}采用 | {md_text(value(v))} |" for level, v in (p.get("adopted") or {}).items()]
    lines += [f"| {md_text(str(level) + str(leader))}批示 | {md_text(value(v))} |"
              for level, leaders in (p.get("instructed") or {}).items() for leader, v in leaders.items()]
    modes = p.get("adoption_mode") or {}
    if modes:
        lines += ["", "采用方式系数：" + "，".join(f"{md_text(m)} × {f:g}" for m, f in modes.items()) + "。"]
    shares = rules.get("authors") or {}
    if shares:
        lines += [f"合写：第一反映人得 {shares.get('first', 1):g} 倍，其他反映人各得 {shares.get('co', 0):g} 倍。"]
    caps = {k: v for k, v in (rules.get("caps") or {}).items() if v is not None}
    if caps:
        labels = {"item": "每条信息", "person": "每人全年", "unit": "每个单位全年"}
        lines += ["上限：" + "，".join(f"{labels[k]} {v:g} 分" for k, v in caps.items()) + "。"]
    if rules.get("quota"):
        lines += [f"单位完成全年任务得 {rules['quota']['points']:g} 分，未完成按完成比例计。"]
    lines += ["", "## 等次", "", *(f"- {g['min']:g} 分及以上：{md_text(g['grade'])}" for g in sorted(rules["grades"], key=lambda g: -g["min"]))]
    minimum = (rules.get("ranking") or {}).get("min_items")
    if minimum:
        lines += ["", f"采用率等比率排名只包括采集 {minimum} 篇及以上的单位。"]
    return "\n".join(lines) + "\n"


def guide_examples(e: Edition) -> str:
    # what the public edition would show too: public, and 审定 still holding
    adopted = [i for i in e.items if i.adoptions and i.audience == "公开" and APPROVED in e.statuses[i.id].statuses][:12]
    lines = ["# 优秀信息示例", "", "以下是被上级政协采用的公开信息，可供撰写时参考选题、结构和建议的写法。", ""]
    lines += [f"- {_link(e, i, '../')}（{md_text(_unit(e.reg, i.unit))}，{md_text('、'.join(sorted({a.level for a in i.adoptions})))}采用）" for i in adopted]
    return "\n".join(lines) + "\n"


# --- all of it -------------------------------------------------------------------------------


def pages(e: Edition) -> dict[str, str]:
    """Every generated page of the edition."""
    found = {"index.md": home(e), "stats.md": stats_page(e), "rules.md": rules_page(e), "guide/examples.md": guide_examples(e)}
    if e.internal:
        found["rankings.md"] = rankings_page(e)
    found |= indexes(e)
    found |= journal_pages(e)
    found |= {item_url(item): item_page(e, item) for item in e.items}
    return found


SEARCH_PAGE = """# 搜索

<div class="sqmy-search">
<input id="sqmy-q" type="search" aria-label="搜索信息" placeholder="输入要查找的字词，如：老旧小区改造、养老服务" autocomplete="off" autofocus>
<p id="sqmy-count" aria-live="polite"></p>
<ol id="sqmy-results"></ol>
<button id="sqmy-more" class="md-button" type="button" hidden>更多结果</button>
</div>
<style>
.sqmy-search input { width: 100%; font-size: 1rem; padding: .5em .7em; border: 1px solid var(--md-default-fg-color--lighter); border-radius: .2em; }
.sqmy-search ol { list-style: none; padding: 0; margin-left: 0; }
.sqmy-result { margin: 0 0 1.2em; }
.sqmy-result a { font-size: 1.05em; font-weight: 600; }
.sqmy-result__facts { color: var(--md-default-fg-color--light); font-size: .85em; }
.sqmy-result p { margin: .2em 0 0; }
.sqmy-search [hidden] { display: none; }
</style>
<script src="../assets/sqmy-search.js"></script>
"""


def search_documents(e: Edition) -> Iterator[tuple[str, str]]:
    """(page URL, search document) of every item the edition shows (see searchindex)."""
    from . import searchindex  # noqa: PLC0415 - only builds with search need it

    for item in e.items:
        facts = " · ".join(str(x) for x in (_unit(e.reg, item.unit), item.submitted or "草稿", e.statuses[item.id].status))
        names = [*(e.reg.people[a].name for a in item.authors if a in e.reg.people), _unit(e.reg, item.unit)]
        yield page_url(item_url(item)), searchindex.document(e.shown(item.title), facts, e.shown(item.body), names)


NAV = [
    {"首页": "index.md"},
    {"信息": ["by/year/index.md", "by/month/index.md", "by/unit/index.md", "by/category/index.md", "by/focus/index.md",
              "by/key-topic/index.md", "by/status/index.md", "by/adoption/index.md", "by/instructions.md", "by/transfers.md"]},
    {"期刊": "journal/index.md"},
    {"统计": "stats.md"},
    {"写作指南": ["guide.md", "guide/examples.md"]},
    {"考评办法": "rules.md"},
]


def items_json(e: Edition, base_url: str = "") -> str:
    """A machine-readable index of the edition's items."""
    rows = []
    for item in e.items:
        st = e.statuses[item.id]
        row: dict[str, Any] = {
            "id": item.id, "title": e.shown(item.title), "unit": item.unit, "unit_name": _unit(e.reg, item.unit),
            "authors": [e.reg.people[a].name if a in e.reg.people else a for a in item.authors],
            "submitted": item.submitted.isoformat() if item.submitted else None, "category": item.category, "focus": item.focus,
            "source": item.source, "status": st.status, "statuses": list(st.statuses),
            "approved": APPROVED in st.statuses, "routes": list(item.routes),
            "journal": {"year": item.journal.year, "issue": item.journal.issue} if item.journal else None,
            "adoptions": [{"level": a.level, "date": a.date.isoformat(), "mode": a.mode} for a in item.adoptions],
            "instructions": [{"level": i.level, "leader": i.leader, "date": i.date.isoformat()} for i in item.instructions],
            "transfers": [{"to": t.to, "date": t.date.isoformat(), "feedback": t.feedback.result if t.feedback else None} for t in item.transfers],
            "url": f"{base_url}items/{item.id[:4]}/{item.id}/",
        }
        if e.internal:
            row["audience"] = item.audience
            row["author_ids"] = list(item.authors)
        rows.append(row)
    return json.dumps({"edition": e.audience, "generated": e.today.isoformat(), "items": rows}, ensure_ascii=False, indent=1)
