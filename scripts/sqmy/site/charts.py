"""Charts of the statistics as inline SVG (pygal): no script or font from outside,
Chinese labels drawn with the reader's Chinese fonts."""

from __future__ import annotations

import re
from typing import Any

import pygal
from pygal.style import Style

FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif'
STYLE = Style(
    font_family=FONTS, label_font_family=FONTS, major_label_font_family=FONTS, value_font_family=FONTS,
    value_label_font_family=FONTS, tooltip_font_family=FONTS, title_font_family=FONTS, legend_font_family=FONTS,
    background="transparent", plot_background="transparent", colors=("#3f51b5", "#009688", "#ff9800", "#e91e63", "#795548"),
    title_font_size=16, label_font_size=12, major_label_font_size=12, legend_font_size=12, value_font_size=11,
)
OPTIONS: dict[str, Any] = {
    "style": STYLE, "js": [], "disable_xml_declaration": True, "width": 760, "height": 340, "print_values": True,
    "legend_at_bottom": True, "explicit_size": True, "margin_left": 24,
}


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)  # in pygal's own output, whose text is XML-escaped


def _svg(chart: Any) -> str:
    svg: str = chart.render(is_unicode=True)
    # pygal always writes its configuration (labels included) into a <script>; with no pygal script to read
    # it (js=[]), it is dead weight, and the archive's pages keep no script but the theme's and the search page's
    svg = _SCRIPT.sub("", svg)
    return f'<figure class="sqmy-chart" style="width: 100%; margin: 1em 0">{svg}</figure>'


def funnel(result: dict[str, Any], year: int) -> str:
    chart = pygal.HorizontalBar(title=f"{year}年信息转化", show_legend=False, **OPTIONS)
    steps = [("采集", result["collected"]), ("采编", result["edited"]), ("上报", result["reported"]),
             ("市政协采用", result["adopted"]["市政协"]), ("转办", result["transferred"]), ("落实", result["implemented"])]
    chart.x_labels = [name for name, _ in reversed(steps)]
    chart.add("信息", [value for _, value in reversed(steps)])
    return _svg(chart)


def months(result: dict[str, Any], year: int) -> str:
    chart = pygal.Bar(title=f"{year}年各月采集和采编", **OPTIONS)
    by_month = result["by"]["month"]
    keys = [f"{year}-{m:02d}" for m in range(1, 13)]
    chart.x_labels = [f"{m}月" for m in range(1, 13)]
    chart.add("采集", [by_month.get(k, {}).get("collected", 0) for k in keys])
    chart.add("采编", [by_month.get(k, {}).get("edited", 0) for k in keys])
    return _svg(chart)


def points(result: dict[str, Any], year: int) -> str:
    """Units' points, best first (the top 15)."""
    units = [u for u in result["units"] if u["points"]][:15]
    chart = pygal.HorizontalBar(title=f"{year}年单位积分", show_legend=False, truncate_label=10, **OPTIONS)
    chart.x_labels = [u["name"] for u in reversed(units)]
    chart.add("积分", [u["points"] for u in reversed(units)])
    return _svg(chart)


def categories(result: dict[str, Any], year: int) -> str:
    by = sorted(result["by"]["category"].items(), key=lambda kv: -kv[1]["collected"])
    chart = pygal.HorizontalBar(title=f"{year}年各类别信息", **OPTIONS)
    chart.x_labels = [name for name, _ in reversed(by)]
    chart.add("采集", [c["collected"] for _, c in reversed(by)])
    chart.add("采编", [c["edited"] for _, c in reversed(by)])
    return _svg(chart)
