"""The archive's pages as plain data: {path in the site's docs: Markdown}.

Everything here is a plain function of an Edition (edition.py: what the
edition shows, decided there) and the day; the MkDocs plugin only hands the
result to MkDocs. Each `_page_*` function gathers what one kind of page shows
and renders its template (render.py, templates/*.md.j2); item text reaches a
page only through the escaping filters of markup.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .. import journal, schema
from .. import overview as overview_mod
from .. import score as score_mod
from .. import stats as stats_mod
from ..report import markdown
from ..status import ALL, APPROVED, explain
from . import charts, render
from .edition import AUDIENCES, INTERNAL, PUBLIC, Edition, Entry, edition, is_public, public_status
from .markup import LT, href, item_url, md_body, md_text, page_url

__all__ = [  # with the names of edition and markup that the plugin, the benchmarks and the tests use through pages
    "AUDIENCES", "INTERNAL", "LT", "NAV", "OVERVIEW", "PUBLIC", "Edition", "edition", "href", "item_url", "items_json", "md_body", "md_text",
    "nav", "page_overview", "page_url", "pages", "public_status", "search_documents", "search_page", "search_records",
]


def _render(e: Edition, template: str, **values: Any) -> str:
    if e.memo is not None:  # an edition that takes over the pages rendered before (mkdocs serve)
        return e.memo.render(e.templates, template, values)
    return render.render(e.templates, template, **values)


# --- one item ----------------------------------------------------------------------


def _page_item(e: Edition, item: Entry) -> str:
    topic = None
    if item.key_topic:
        year = item.submitted.year if item.submitted else item.year
        found = e.reg.key_topics.get(year, {}).get(item.key_topic)
        topic = found.title if found else item.key_topic
    return _render(
        e, "item.md.j2", item=item, page=item_url(item), topic=topic, warning=explain(item.status),
        journal_title=e.reg.office.journal_title, journal_label=journal.label,
        repository=(e.reg.office.repository_url or "").rstrip("/"),
    )


# --- indexes -----------------------------------------------------------------------------


def _pages_index(e: Edition, folder: str, title: str, groups: Mapping[str, list[Entry]], label: Callable[[str], str]) -> dict[str, str]:
    """An overview page of the groups and one page per group, items out of the menu."""
    found = {}
    overview = []
    for key, members in groups.items():
        page = f"{folder}/{key}.md"
        overview.append({"label": label(key), "page": page, "count": len(members)})
        found[page] = _render(e, "group.md.j2", label=label(key), page=page, entries=members)
    found[f"{folder}/index.md"] = _render(e, "groups.md.j2", title=title, page=f"{folder}/index.md", groups=overview)
    return found


def _group(entries: Iterable[Entry], key: Callable[[Entry], Iterable[str]]) -> dict[str, list[Entry]]:
    found: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        for k in key(entry):
            found[k].append(entry)
    return dict(sorted(found.items()))


def _unit(e: Edition, unit_id: str) -> str:
    return e.reg.units[unit_id].name if unit_id in e.reg.units else unit_id


def _pages_indexes(e: Edition) -> dict[str, str]:
    reg, shown = e.reg, e.shown
    found: dict[str, str] = {}
    # group keys become page paths: ids, dates, statuses and names the schema or the registry allows, never free item text
    found |= _pages_index(e, "by/year", "按年份", _group(shown, lambda i: [str(i.year)]), lambda k: f"{k}年")
    found |= _pages_index(e, "by/month", "按月份", _group(shown, lambda i: [f"{i.submitted:%Y-%m}"] if i.submitted else []), lambda k: k)
    found |= _pages_index(e, "by/unit", "按单位", _group(shown, lambda i: [i.unit]), lambda k: _unit(e, k))
    found |= _pages_index(e, "by/category", "按选题类别", _group(shown, lambda i: [i.category]), lambda k: k)
    found |= _pages_index(e, "by/focus", "按选题重点", _group(shown, lambda i: [i.focus]), lambda k: k)
    topics = {t.id: t.title for year in reg.key_topics.values() for t in year.values()}
    found |= _pages_index(e, "by/key-topic", "按年度重点选题", _group(shown, lambda i: [i.key_topic] if i.key_topic else []),
                          lambda k: topics.get(k, k))
    order = {s: n for n, s in enumerate(ALL)}
    by_status = _group(shown, lambda i: [i.status.status])
    found |= _pages_index(e, "by/status", "按状态", dict(sorted(by_status.items(), key=lambda kv: order.get(kv[0], 99))), lambda k: k)
    found |= _pages_index(e, "by/adoption", "按采用层级", _group(shown, lambda i: sorted({a.level for a in i.adoptions})), lambda k: f"{k}采用")
    if e.shows.people_index:
        names = {p: name for i in shown for p, name in zip(i.author_ids, i.authors, strict=True)}
        found |= _pages_index(e, "by/person", "按反映人", _group(shown, lambda i: i.author_ids), lambda k: names[k])
    instructions = sorted(((i, item) for item in shown for i in item.instructions), key=lambda x: x[0].date, reverse=True)
    found["by/instructions.md"] = _render(e, "instructions.md.j2", page="by/instructions.md", instructions=instructions)
    transfers = sorted(((t, item) for item in shown for t in item.transfers), key=lambda x: x[0].date, reverse=True)
    found["by/transfers.md"] = _render(e, "transfers.md.j2", page="by/transfers.md", transfers=transfers)
    return found


def _pages_journal(e: Edition) -> dict[str, str]:
    title = e.reg.office.journal_title
    found, overview = {}, []
    for (year, number), members in sorted(journal.issues(e.items).items(), reverse=True):
        page = f"journal/{year}-{number:03d}.md"
        overview.append({"year": year, "number": number, "page": page, "count": len(members)})
        entries = [e.entries[item.id] for item in sorted(members, key=lambda i: i.id)]
        found[page] = _render(e, "issue.md.j2", title=title, year=year, number=number, page=page, entries=entries)
    found["journal/index.md"] = _render(e, "journal.md.j2", title=title, page="journal/index.md", issues=overview)
    return found


# --- home, statistics, rules ------------------------------------------------------------------


def _year(e: Edition, year: int) -> stats_mod.Period:
    return stats_mod.period(year, None, None, None, e.today)


def _funnel(e: Edition, when: stats_mod.Period) -> dict[str, int]:
    """The steps of the conversion chain over `when` (charts.FUNNEL); 采用: items adopted at any level, which
    stats.facts counts by level (an item adopted by 市政协 and 省政协 is one item adopted)."""
    adopted = sum(1 for i in e.items if i.adoptions and i.submitted in when)
    return charts.funnel_counts(e.stats(when), adopted)


def _same_day(day: dt.date, year: int) -> dt.date:
    """`day` in `year` (29 February: the 28th)."""
    return day.replace(year=year, day=min(day.day, 28)) if (day.month, day.day) == (2, 29) else day.replace(year=year)


def _page_home(e: Edition) -> str:
    """The office's daily questions at a glance: this year's conversion chain against the same days of last year,
    what is overdue, the units' quotas, the newest adoptions and instructions (each where the edition shows it)."""
    today, year = e.today, e.today.year
    now = _year(e, year)
    last_year = _year(e, year - 1)
    same_days = stats_mod.Period(f"{year - 1}年同期", last_year.start, _same_day(today, year - 1))
    counts, before, whole = _funnel(e, now), _funnel(e, same_days), _funnel(e, last_year)
    note = f"去年同期：{year - 1}年1月1日至{same_days.end.month}月{same_days.end.day}日"
    if e.shows.partial_stats:
        note += "；公开版只统计公开的信息"
    if whole["collected"]:
        figure = charts.funnel(f"{year}年信息转化：与去年同期比较", [(f"{year}年", counts), (f"{year - 1}年同期", before)],
                               [(f"{year - 1}年全年", whole)], note)
    else:  # no items last year: nothing to compare with
        figure = charts.funnel(f"{year}年信息转化", [(f"{year}年", counts)], note="公开版只统计公开的信息" if e.shows.partial_stats else "")
    quota = e.stats(now)["quota"] if e.shows.quota else []
    shown = e.shown
    # late follow-ups (督办) as the edition shows them: its entries carry the days overdue that items.Transfer and
    # items.Instruction count, and none in the public edition (edition._Projection)
    late = sorted([("转办", t.overdue_days, t, i) for i in shown for t in i.transfers if t.overdue_days]
                  + [("批示", x.overdue_days, x, i) for i in shown for x in i.instructions if x.overdue_days],
                  key=lambda row: (-row[1], row[3].id, row[0]))
    pace = ((today - now.start).days + 1) / ((now.end - now.start).days + 1)
    return _render(
        e, "home.md.j2", office=e.reg.office, year=year, today=today,
        steps=[(name, counts[key]) for key, name in charts.FUNNEL], funnel=e.figure(figure),
        quota=e.figure(charts.quotas(quota, pace)) if quota else "", quota_units=len(quota), pace=pace,
        quota_done=sum(q["collected"] >= q["quota"] for q in quota),
        adoptions=sorted(((a, i) for i in shown for a in i.adoptions), key=lambda x: x[0].date, reverse=True)[:6],
        instructions=sorted(((x, i) for i in shown for x in i.instructions), key=lambda x: x[0].date, reverse=True)[:6],
        late=late,
    )


def _page_stats(e: Edition) -> str:
    years = []
    for year in sorted({i.submitted.year for i in e.items if i.submitted}, reverse=True):
        when = _year(e, year)
        result = e.stats(when)
        tables = stats_mod.report_tables(result, e.reg, ["unit", "category", "focus", "month"])
        if not e.shows.quota:
            tables = [t for t in tables if t.title != "任务完成"]
        last_month = e.today.month if year == e.today.year else 12
        figures = [e.figure(charts.funnel(f"{year}年信息转化", [(f"{year}年", _funnel(e, when))])),
                   e.figure(charts.months(result, year, last_month)), e.figure(charts.categories(result, year))]
        drawn = markdown(tables, md_text).replace("\n## ", "\n### ").replace("## ", "### ", 1)
        years.append({"year": year, "figures": figures, "tables": drawn})
    return _render(e, "stats.md.j2", years=years, partial=e.shows.partial_stats)


def _page_rankings(e: Edition) -> str:
    """晾晒比拼: this year's and last year's points and rankings under the office's rules."""
    rules, years = e.reg.scoring, []
    short = {u.id: u.short for u in e.reg.units.values() if u.short}
    for year in (e.today.year, e.today.year - 1):
        if not rules:
            break
        result = score_mod.compute(e.reg, e.items, rules, _year(e, year), e.today)
        if result["people"]:
            drawn = markdown(score_mod.report_tables(result), md_text).replace("## ", "### ")
            years.append({"year": year, "figure": e.figure(charts.points(result, year, short)), "tables": drawn})
    return _render(e, "rankings.md.j2", rules=rules, years=years)


def scoring_labels() -> dict[str, dict[str, str]]:
    """The Chinese names of units/scoring.yml's keys, as its schema gives them: the points that are one value
    (the schema's shared `value`, not a table by level or mode), and the caps."""
    titles = schema.labels("scoring")
    properties = schema.schema("scoring")["properties"]
    points = properties["points"]["properties"]
    return {
        # "$ref" only: the fast validator rewrites the reference itself in place (to an absolute one)
        "points": {k: titles[("points", k)][0] for k, node in points.items() if "$ref" in node},
        "caps": {k: titles[("caps", k)][0] for k in properties["caps"]["properties"]},
    }


def _page_rules(e: Edition) -> str:
    return _render(e, "rules.md.j2", rules=e.reg.scoring, labels=scoring_labels())


def _page_examples(e: Edition) -> str:
    # what the public edition would show too: public, and 审定 still holding
    examples = [e.entries[i.id] for i in e.items if i.adoptions and is_public(i, e.entries[i.id].status)][:12]
    return _render(e, "examples.md.j2", examples=examples)


# --- the counties' overview (各县汇总) ----------------------------------------------------------------------------------

OVERVIEW = "overview.md"
OVERVIEW_EXPORTS = "overview/exports.md"
CHART_TOP = 20  # counties a chart of the overview draws: a province's 100 would make a chart no one reads on a phone


def overview_year(year: int) -> str:
    return f"overview/{year}.md"


def _overview_figures(e: Edition, ov: overview_mod.Overview, year: int) -> list[str]:
    """The charts of `year`: the funnel and the rates of the CHART_TOP counties that collected most, the CHART_TOP
    furthest behind their quotas (where the edition shows quotas), the 15 key topics with most reports."""
    funnel = sorted((r for r in ov.funnel if r["year"] == year), key=lambda r: (-r["collected"], r["name"]))
    top = f"（采集最多的 {CHART_TOP} 个，全部见表）" if len(funnel) > CHART_TOP else ""
    funnel = funnel[:CHART_TOP]
    figures = [e.figure(charts.counties(f"{year}年各县转化情况{top}", "单位", ["采集", "上报", "被采用"],
                                        [charts.Row(r["name"], (r["collected"], r["reported"], r["adopted"])) for r in funnel]))]
    figures.append(e.figure(charts.shares(f"{year}年各县采编率和采用率{top}", "单位", ["采编率", "采用率"],
                                          [(r["name"], (r["edited_of_collected"], r["adopted_of_reported"])) for r in funnel],
                                          "采编率：采编/采集；采用率：被采用/上报")))
    quota = sorted(([q for q in ov.quota if q["year"] == year] if e.shows.quota else []), key=lambda q: (q["completion"], q["name"]))
    if quota:
        pace = 1.0 if year < e.today.year else ((e.today - dt.date(year, 1, 1)).days + 1) / ((dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1)
        behind = f"（完成比例最低的 {CHART_TOP} 个，全部见表）" if len(quota) > CHART_TOP else ""
        figures += [f"**{year}年各县任务完成{behind}**（各县有任务的单位合计：采集/年度任务）", e.figure(charts.quotas(quota[:CHART_TOP], pace))]
    topics = [t for t in ov.topics if t["year"] == year][:15]
    if topics:
        figures.append(e.figure(charts.counties(f"{year}年年度重点选题" + ("（前 15 个）" if len(topics) == 15 else ""), "选题",
                                                ["信息", "采编", "被采用"],
                                                [charts.Row(t["title"], (t["items"], t["edited"], t["adopted"])) for t in topics])))
    return figures


def page_overview(e: Edition, ov: overview_mod.Overview) -> dict[str, str]:
    """各县汇总 (overview.md): the counties' exports (overview.py) of the audiences the edition counts (its
    Policy.exports; the caller reads only those). The page has the latest year's charts and tables; each earlier year
    has a page of its own (overview/YEAR.md), and the list of exports one too (overview/exports.md), so a province's
    hundred counties over ten years stay readable on a phone. Pages: file name -> Markdown."""
    strays = sorted({c.audience for c in ov.counties} - e.shows.exports)
    if strays:  # the caller's mistake: an export this edition must never show
        raise ValueError(f"{e.audience} edition given exports of {strays}")
    partial = e.shows.partial_stats
    out: dict[str, str] = {}
    years = []
    for n, year in enumerate(ov.years):
        tables = overview_mod.year_tables(ov, year, quota=e.shows.quota)
        drawn = markdown(tables, md_text).replace("\n## ", "\n### ").replace("## ", "### ", 1)
        years.append({"year": year, "figures": _overview_figures(e, ov, year), "tables": drawn,
                      "page": overview_year(year).removeprefix("overview/")})
        if n:
            out[overview_year(year)] = _render(e, "overview.md.j2", kind="year", years=years[-1:], partial=partial)
    exports = markdown([overview_mod.counties_table(ov)], md_text).replace("## ", "# ", 1)
    out[OVERVIEW_EXPORTS] = _render(e, "overview.md.j2", kind="exports", exports=exports, partial=partial)
    out[OVERVIEW] = _render(e, "overview.md.j2", kind="index", years=years, counties=len(ov.counties), partial=partial)
    return out


def nav(*, overview: bool = False) -> list[Any]:
    """The menu: NAV, with 各县汇总 after 统计 when the office has its counties' exports."""
    menu: list[Any] = list(NAV)
    if overview:
        menu.insert(next(n for n, entry in enumerate(menu) if "统计" in entry) + 1, {"各县汇总": OVERVIEW})
    return menu


# --- all of it -------------------------------------------------------------------------------


def pages(e: Edition) -> dict[str, str]:
    """Every generated page of the edition."""
    found = {"index.md": _page_home(e), "stats.md": _page_stats(e), "rules.md": _page_rules(e), "guide/examples.md": _page_examples(e)}
    if e.shows.rankings:
        found["rankings.md"] = _page_rankings(e)
    found |= _pages_indexes(e)
    found |= _pages_journal(e)
    found |= {item_url(item): _page_item(e, item) for item in e.shown}
    return found


def search_page(e: Edition) -> str:
    """The search page (assets/search.js does the searching): sqmy's own, without item text."""
    return _render(e, "search.md.j2")


def search_records(e: Edition) -> Iterator[tuple[str, str, str, str, list[str]]]:
    """(page URL, title, facts, body, other words) of every item the edition shows: what searchindex.document
    makes its search document of."""
    for item in e.shown:
        facts = " · ".join(str(x) for x in (item.unit_name, item.submitted, item.status.status) if x)  # a draft: no date yet
        yield page_url(item_url(item)), item.title, facts, item.body, [*item.authors, item.unit_name]


def search_documents(e: Edition) -> Iterator[tuple[str, str]]:
    """(page URL, search document) of every item the edition shows (see searchindex)."""
    from . import searchindex  # noqa: PLC0415 - only builds with search need it

    for url, title, facts, body, extra in search_records(e):
        yield url, searchindex.document(title, facts, body, extra)


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
    """A machine-readable index of the edition's items (as json.dumps(…, indent=1) writes it, a row at a time)."""
    head = json.dumps({"edition": e.audience, "generated": e.today.isoformat(), "items": []}, ensure_ascii=False, indent=1)
    rows = [_items_json_row(e, item, base_url) for item in e.shown]
    if not rows:
        return head
    return head.removesuffix("[]\n}") + "[\n" + ",\n".join(rows) + "\n ]\n}"


def _items_json_row(e: Edition, item: Entry, base_url: str) -> str:
    def make() -> str:  # an object two levels down: each line two spaces in
        return "  " + json.dumps(_item_row(e, item, base_url), ensure_ascii=False, indent=1).replace("\n", "\n  ")

    if e.memo is None:
        return make()
    return e.memo.keep(("items.json", item.id), (item, e.shows.people_index, base_url), make)


def _item_row(e: Edition, item: Entry, base_url: str) -> dict[str, Any]:
    st = item.status
    row: dict[str, Any] = {
        "id": item.id, "title": item.title, "unit": item.unit, "unit_name": item.unit_name, "authors": list(item.authors),
        "submitted": item.submitted.isoformat() if item.submitted else None, "category": item.category, "focus": item.focus,
        "source": item.source, "status": st.status, "statuses": list(st.statuses),
        "approved": APPROVED in st.statuses, "routes": list(item.routes),
        "journal": {"year": item.journal.year, "issue": item.journal.issue} if item.journal else None,
        "adoptions": [{"level": a.level, "date": a.date.isoformat(), "mode": a.mode} for a in item.adoptions],
        "instructions": [{"level": i.level, "leader": i.leader, "date": i.date.isoformat()} for i in item.instructions],
        "transfers": [{"to": t.unit, "date": t.date.isoformat(), "feedback": t.feedback.result if t.feedback else None}
                      for t in item.transfers],
        "url": f"{base_url}items/{item.id[:4]}/{item.id}/",
    }
    if item.audience:
        row["audience"] = item.audience
    if e.shows.people_index:
        row["author_ids"] = list(item.author_ids)
    return row
