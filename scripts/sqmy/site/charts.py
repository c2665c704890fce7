"""Charts of the statistics as inline SVG, drawn here from counts and registry names: no script, no
font or file from outside, Chinese labels drawn with the reader's Chinese fonts.

Each chart is a <figure>: its title as a caption (HTML text, at the page's size), the SVG, and its numbers
as a table in a <details> under it (the chart's text alternative: for screen readers, and for whoever wants
the exact numbers). What makes them read well, on a leader's phone too:

- The SVG has a viewBox and no fixed size: it takes the column's width (at most MAX_WIDTH) and keeps its
  proportions. It is drawn WIDTH units wide, so that on a 390 px phone (a column of about 360 px) its
  labels are still more than 12 px high, and its ticks 10 px.
- Labels are measured as Chinese text is (a full-width character is one em wide) and a long one wraps onto
  more lines; nothing is cut off. A unit with a short name in the registry is labelled with it, its full
  name in the label's tooltip and in the table.
- Count axes have integer ticks (1, 2 or 5 times a power of ten); a bar with nothing has no value printed
  (an empty month shows no "0"); the months of the current year end at the current month.

pygal (which drew them before) estimates every character at 0.6 em, so Chinese labels overflowed the space it
kept for them and were clipped, it cuts long labels instead of wrapping them, and it writes random ids and a
style sheet into every chart; so these few kinds of chart are drawn directly.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from ..report import Points, Ratio, cell_text

FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif'
WIDTH = 400  # units of the viewBox: the width the chart is drawn for
MAX_WIDTH = 520  # px: no wider than this on a wide screen (its labels at most about 18 px)
LABEL = 14  # font size of the categories' labels
SMALL = 12  # of ticks and values
LABEL_MAX = 7 * LABEL  # a label wider than seven Chinese characters wraps
INK = "currentColor"  # text and axes in the page's text colour (light and dark themes)
THIS, LAST = "#3f51b5", "#9fa8da"  # this year, the year before
SERIES = ("#3f51b5", "#009688", "#ff9800")

# the steps of the conversion chain, in order, with what stats.compute counts for each (see funnel_counts)
FUNNEL = (("collected", "采集"), ("edited", "采编"), ("reported", "上报"), ("adopted", "采用"), ("instructed", "批示"),
          ("transferred", "转办"), ("feedback", "反馈"), ("implemented", "落实"))


@dataclass(frozen=True)
class Row:
    """One category of a chart: its label, its value in each series, and the full name where the label is short."""

    label: str
    values: tuple[float, ...]
    title: str = ""


# --- measuring -------------------------------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    """The width of `text` at font size `size`: a full-width (Chinese) character one em, others 0.6 em."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else 0.6 * size for c in text)


def _greedy(text: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for c in text:
        if line and text_width(line + c, size) > width:
            lines.append(line)
            line = c
        else:
            line += c
    return [*lines, line] if line or not lines else lines


def wrap(text: str, size: float, width: float) -> list[str]:
    """`text` in lines no wider than `width` (a character wider than that alone on its line), as even as they can
    be (青山镇委 / 员联络组, not 青山镇委员联络 / 组); nothing left out."""
    lines = _greedy(text, size, width)
    if len(lines) < 2:
        return lines
    narrow = max(text_width(text, size) / len(lines), *(text_width(c, size) for c in text))
    while narrow < width:  # the narrowest width that still takes no more lines
        even = _greedy(text, size, narrow + 0.01)
        if len(even) == len(lines):
            return even
        narrow += size / 2
    return lines


def ticks(top: float) -> list[int]:
    """Integer ticks from 0 to at least `top`: at most six, 1, 2 or 5 times a power of ten apart."""
    scale = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * scale
            if math.ceil(top / step) <= 5:
                return [k * step for k in range(max(1, math.ceil(top / step)) + 1)]
        scale *= 10


def number(value: float) -> str:
    """A count as a count (3, not 3.0); points with their two decimals, as every other output shows them (report.Points)."""
    if isinstance(value, Points):
        return cell_text(value)
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _f(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


# --- the pieces of a figure ------------------------------------------------------------------------------------------


def _svg(title: str, height: float, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_f(height)}" role="img" aria-label="{escape(title)}（数据见图下的数据表）"'
            f' font-family="{escape(FONTS)}" style="display:block;width:100%;max-width:{MAX_WIDTH}px;height:auto">\n'
            + "\n".join(body) + "\n</svg>")  # an element a line: a change shows as such in the golden pages' diff


def _legend(series: Sequence[str], colors: Sequence[str]) -> tuple[list[str], float]:
    """Coloured squares with the series' names, along the top; with its height (none for one series)."""
    if len(series) < 2:
        return [], 0
    out, x = [], 0.0
    for name, color in zip(series, colors, strict=False):
        out.append(f'<rect x="{_f(x)}" y="4" width="12" height="12" fill="{color}"/>'
                   f'<text x="{_f(x + 17)}" y="15" font-size="{SMALL}" fill="{INK}">{escape(name)}</text>')
        x += 17 + text_width(name, SMALL) + 16
    return out, 26


def _table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The chart's numbers: a table in a <details> under it (closed; its summary names the chart)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(
        f'<td style="text-align:right">{escape(number(c))}</td>' if isinstance(c, int | float) else f"<td>{escape(str(c))}</td>" for c in row)
        + "</tr>" for row in rows)
    return (f'<details class="abstract" style="margin:.6em 0 0"><summary>数据表：{escape(title)}</summary>'
            f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table></details>")


def _figure(title: str, svg: str, table: str, note: str = "") -> str:
    """The figure: the theme centres figures and fits them to their content; a chart takes the column's width."""
    caption = escape(title) + (f'<br><span style="font-weight:400">{escape(note)}</span>' if note else "")
    return (f'<figure class="sqmy-chart" style="display:block;width:100%;max-width:none;margin:1.2em 0;text-align:left">'
            f'<figcaption style="font-style:normal;font-weight:700;max-width:none;margin:0 0 .4em;text-align:left">{caption}</figcaption>'
            f"\n{svg}\n{table}</figure>")


# --- the kinds of chart ----------------------------------------------------------------------------------------------


def bars(title: str, series: Sequence[str], rows: Sequence[Row], colors: Sequence[str] = SERIES) -> str:
    """Horizontal bars, a group of one bar per series for each row: labels on the left, wrapped where long."""
    legend, y = _legend(series, colors)
    lines = [wrap(r.label, LABEL, LABEL_MAX) for r in rows]
    label_width = max((text_width(line, LABEL) for ls in lines for line in ls), default=0)
    values = [v for r in rows for v in r.values]
    grid = ticks(max(values, default=0))
    top = grid[-1]
    value_room = max((text_width(number(v), SMALL) for v in values), default=0) + 6
    x0 = math.ceil(label_width) + 8
    plot = WIDTH - x0 - value_room - 2
    n = len(series)
    bar = 16 if n == 1 else 12
    body: list[str] = []
    y += 6
    first = y
    for row, ls in zip(rows, lines, strict=True):
        block = n * bar + (n - 1) * 2
        text_height = len(ls) * (LABEL + 3) - 3
        height = max(block, text_height)
        label_y = y + (height - text_height) / 2 + LABEL * 0.85
        tspans = "".join(f'<tspan x="{x0 - 8}" y="{_f(label_y + k * (LABEL + 3))}">{escape(line)}</tspan>' for k, line in enumerate(ls))
        tip = f"<title>{escape(row.title)}</title>" if row.title and row.title != row.label else ""
        body.append(f'<text font-size="{LABEL}" text-anchor="end" fill="{INK}">{tip}{tspans}</text>')
        bar_y = y + (height - block) / 2
        for k, (name, value, color) in enumerate(zip(series, row.values, colors, strict=False)):
            w = plot * value / top if top else 0
            by = bar_y + k * (bar + 2)
            body.append(f'<rect x="{x0}" y="{_f(by)}" width="{_f(w)}" height="{bar}" fill="{color}">'
                        f"<title>{escape(row.title or row.label)} {escape(name)}：{number(value)}</title></rect>"
                        f'<text x="{_f(x0 + w + 4)}" y="{_f(by + bar / 2 + SMALL * 0.35)}" font-size="{SMALL}" fill="{INK}">{number(value)}</text>')
        y += height + 10
    last = y - 4
    guides = []
    for t in grid:
        x = x0 + plot * t / top
        guides.append(f'<line x1="{_f(x)}" y1="{_f(first - 3)}" x2="{_f(x)}" y2="{_f(last)}" stroke="{INK}" stroke-opacity="{0.45 if t == 0 else 0.15}"/>'
                    f'<text x="{_f(x)}" y="{_f(last + SMALL + 3)}" font-size="{SMALL}" text-anchor="middle" fill="{INK}" fill-opacity="0.75">{t}</text>')
    return _svg(title, last + SMALL + 8, [*legend, *guides, *body])


def columns(title: str, series: Sequence[str], labels: Sequence[str], values: Sequence[Sequence[float]],
            colors: Sequence[str] = SERIES) -> str:
    """Vertical bars, a group per label (months): integer ticks on the left; a value over its bar where it fits, none for 0."""
    legend, y = _legend(series, colors)
    everything = [v for group in values for v in group]
    grid = ticks(max(everything, default=0))
    top = grid[-1]
    x0 = math.ceil(text_width(str(top), SMALL)) + 8
    y0 = y + SMALL + 6  # room for a value over the highest bar
    height = 170
    base = y0 + height
    step = (WIDTH - x0 - 2) / max(len(labels), 1)
    n = len(series)
    bar = step * 0.76 / n
    body = [*legend]
    for t in grid:
        gy = base - height * t / top
        body.append(f'<line x1="{x0}" y1="{_f(gy)}" x2="{WIDTH - 2}" y2="{_f(gy)}" stroke="{INK}" stroke-opacity="{0.45 if t == 0 else 0.15}"/>'
                    f'<text x="{x0 - 5}" y="{_f(gy + SMALL * 0.35)}" font-size="{SMALL}" text-anchor="end" fill="{INK}" fill-opacity="0.75">{t}</text>')
    for i, (label, group) in enumerate(zip(labels, values, strict=True)):
        left = x0 + i * step + step * 0.12
        for k, (name, value, color) in enumerate(zip(series, group, colors, strict=False)):
            h = height * value / top if top else 0
            bx = left + k * bar
            body.append(f'<rect x="{_f(bx)}" y="{_f(base - h)}" width="{_f(bar - 1)}" height="{_f(h)}" fill="{color}">'
                        f"<title>{escape(label)} {escape(name)}：{number(value)}</title></rect>")
            shown = number(value)
            if value and text_width(shown, 11) <= bar + 3:
                body.append(f'<text x="{_f(bx + (bar - 1) / 2)}" y="{_f(base - h - 3)}" font-size="11" text-anchor="middle" fill="{INK}">{shown}</text>')
        body.append(f'<text x="{_f(x0 + (i + 0.5) * step)}" y="{_f(base + SMALL + 4)}" font-size="{SMALL}" text-anchor="middle"'
                    f' fill="{INK}">{escape(label)}</text>')
    return _svg(title, base + SMALL + 10, body)


# --- the archive's charts ---------------------------------------------------------------------------------------------


def funnel_counts(result: Mapping[str, Any], adopted: int) -> dict[str, int]:
    """The steps of FUNNEL from stats.compute's result; `adopted`: the items adopted at any level (the result
    counts them by level)."""
    return {"collected": result["collected"], "edited": result["edited"], "reported": result["reported"], "adopted": adopted,
            "instructed": result["instructed"]["total"], "transferred": result["transferred"], "feedback": result["feedback"],
            "implemented": result["implemented"]}


def funnel(title: str, series: Sequence[tuple[str, Mapping[str, int]]], more: Sequence[tuple[str, Mapping[str, int]]] = (),
           note: str = "") -> str:
    """The conversion chain 采集 → … → 落实, a bar per series for each step (this year against last, or one year);
    `more`: columns of the table only."""
    names = [name for name, _ in series]
    rows = [Row(label, tuple(counts[key] for _, counts in series)) for key, label in FUNNEL]
    colors = (THIS, LAST) if len(series) == 2 else SERIES
    table = _table(title, ["环节", *names, *(name for name, _ in more)],
                   [[label, *(counts[key] for _, counts in (*series, *more))] for key, label in FUNNEL])
    return _figure(title, bars(title, names, rows, colors), table, note)


def months(result: Mapping[str, Any], year: int, last: int = 12) -> str:
    """Items collected and edited each month of `year`, January to month `last` (the current one, for this year)."""
    title = f"{year}年各月采集和采编"
    by_month = result["by"]["month"]
    keys = [(m, f"{year}-{m:02d}") for m in range(1, last + 1)]
    values = [(by_month.get(k, {}).get("collected", 0), by_month.get(k, {}).get("edited", 0)) for _, k in keys]
    svg = columns(title, ["采集", "采编"], [f"{m}月" for m, _ in keys], values)
    return _figure(title, svg, _table(title, ["月份", "采集", "采编"], [[f"{m}月", *v] for (m, _), v in zip(keys, values, strict=True)]))


def categories(result: Mapping[str, Any], year: int) -> str:
    title = f"{year}年各类别信息"
    by = sorted(result["by"]["category"].items(), key=lambda kv: (-kv[1]["collected"], kv[0]))
    rows = [Row(name, (c["collected"], c["edited"])) for name, c in by]
    table = _table(title, ["选题类别", "采集", "采编"], [[r.label, *r.values] for r in rows])
    return _figure(title, bars(title, ["采集", "采编"], rows), table)


def points(result: Mapping[str, Any], year: int, short: Mapping[str, str] | None = None) -> str:
    """Units' points, best first (the top 15); `short`: units' short names by id, shown in place of the full name."""
    scored = [u for u in result["units"] if u["points"]]
    title = f"{year}年单位积分" + ("（前 15 名）" if len(scored) > 15 else "")
    units = scored[:15]
    short = short or {}
    rows = [Row(short.get(u.get("unit", ""), "") or u["name"], (Points(u["points"]),), u["name"]) for u in units]
    table = _table(title, ["单位", "积分"], [[u["name"], Points(u["points"])] for u in units])
    return _figure(title, bars(title, ["积分"], rows), table)


def quotas(rows: Sequence[Mapping[str, Any]], pace: float) -> str:
    """Units' yearly quotas as progress bars, furthest behind first: a unit behind the year's pace (`pace`, the
    share of the year gone) in orange and marked 落后, one that is done in green and marked 完成. HTML, so long
    names wrap as text does; each bar is a progressbar with its numbers and state in words (aria-valuetext)."""
    items = []
    for q in sorted(rows, key=lambda q: (q["collected"] / q["quota"], q["name"])):
        share = q["collected"] / q["quota"]
        done, behind = share >= 1, share < pace
        color = "#2e7d32" if done else "#ef6c00" if behind else THIS
        state, mark = ("已完成", "完成") if done else ("落后于时间进度", "落后") if behind else ("进度正常", "")
        said = f"采集 {q['collected']} / 任务 {q['quota']} 篇（{share:.0%}）"
        ink = "#2e7d32" if done else "#bf360c"  # the mark's colour: dark enough to read as text
        shown = f"{q['collected']} / {q['quota']} 篇 · {share:.0%}" + (f' · <strong style="color:{ink}">{mark}</strong>' if mark else "")
        items.append(
            f'<li style="margin:0 0 .7em;padding:0;list-style:none">'
            f'<div style="display:flex;flex-wrap:wrap;justify-content:space-between;column-gap:1em">'
            f"<span>{escape(q['name'])}</span><span>{shown}</span></div>"
            f'<div role="progressbar" aria-label="{escape(q["name"])}任务完成" aria-valuemin="0" aria-valuemax="{q["quota"]}"'
            f' aria-valuenow="{min(q["collected"], q["quota"])}" aria-valuetext="{said}，{state}"'
            f' style="height:.6em;margin-top:.2em;border-radius:.3em;background:rgba(127,127,127,.22);overflow:hidden">'
            f'<div style="width:{min(share, 1):.0%};height:100%;background:{color}"></div></div></li>')
    listed = "\n".join(items)
    return (f'<figure class="sqmy-quota" style="display:block;width:100%;max-width:{MAX_WIDTH}px;margin:1em 0;text-align:left">'
            f'<ul style="margin:0;padding:0">\n{listed}\n</ul></figure>')


# --- the overview of the counties (各县汇总) ---------------------------------------------------------------------------


def counties(title: str, label: str, series: Sequence[str], rows: Sequence[Row], note: str = "") -> str:
    """Counts of the counties (or of the key topics) as horizontal bars, a group per row, with its table; `label`: the
    first column's heading."""
    table = _table(title, [label, *series], [[r.title or r.label, *r.values] for r in rows])
    return _figure(title, bars(title, series, rows), table, note)


def shares(title: str, label: str, series: Sequence[str], rows: Sequence[tuple[str, Sequence[float | None]]], note: str = "") -> str:
    """Rates (shares of 0 to 1) of the counties as bars in per cent, a group per county; a rate with nothing to
    divide by (None) is drawn as no bar and is "—" in the table."""
    drawn = [Row(name, tuple(round(v * 100, 1) if v is not None else 0 for v in values)) for name, values in rows]
    table = _table(title, [label, *series], [[name, *(cell_text(Ratio(v) if v is not None else None) for v in values)] for name, values in rows])
    return _figure(title, bars(title, [f"{s}（%）" for s in series], drawn), table, note)
