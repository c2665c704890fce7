"""The archive's charts (sqmy.site.charts): labels never clipped, integer ticks, no label for nothing, a table
under every chart, and nothing but text from the names they show.

The drawing is checked as an SVG document (ElementTree): where each label starts, what each text says. That
real fonts draw it so is checked in a browser (test_charts_browser.py)."""

from __future__ import annotations

import re
from xml.etree import ElementTree as etree

import pytest

from sqmy.site import charts

SVG = "{http://www.w3.org/2000/svg}"
LONG = "县政协文化文史和学习委员会（文史资料征集编研中心）"


def _svg(figure: str) -> etree.Element:
    found = re.search(r"<svg\b.*</svg>", figure, re.DOTALL)
    assert found, figure
    return etree.fromstring(found.group(0))


def _texts(svg: etree.Element, **attributes: str) -> list[etree.Element]:
    return [t for t in svg.iter(f"{SVG}text") if all(t.get(k.replace("_", "-")) == v for k, v in attributes.items())]


def _table(figure: str) -> list[list[str]]:
    """The rows (header first) of the table in the figure's <details>."""
    details = figure[figure.index("<details"):figure.index("</details>")]
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", details)]


@pytest.mark.parametrize(("top", "expected"), [
    (0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (5, [0, 1, 2, 3, 4, 5]), (7, [0, 2, 4, 6, 8]), (12, [0, 5, 10, 15]),
    (37.5, [0, 10, 20, 30, 40]), (94, [0, 20, 40, 60, 80, 100]), (999, [0, 200, 400, 600, 800, 1000]), (1201, [0, 500, 1000, 1500]),
])
def test_ticks_are_whole_numbers_from_zero_past_the_top(top: float, expected: list[int]) -> None:
    assert charts.ticks(top) == expected


@pytest.mark.parametrize("text", [LONG, "城关委员联络组", "ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789", "社"])
def test_wrap_leaves_nothing_out_and_keeps_to_the_width(text: str) -> None:
    lines = charts.wrap(text, 14, charts.LABEL_MAX)
    assert "".join(lines) == text
    assert all(charts.text_width(line, 14) <= charts.LABEL_MAX for line in lines)
    assert charts.text_width("城关委员联络组", 14) == 7 * 14  # a Chinese character is one em wide


def test_long_names_wrap_and_start_inside_the_chart() -> None:
    result = {"units": [{"unit": "a", "name": LONG, "points": 37.5}, {"unit": "b", "name": "城关委员联络组", "points": 12},
                        {"unit": "c", "name": "样本县政协社会和法制委员会", "points": 3}]}
    figure = charts.points(result, 2026)  # no short names: the full names, wrapped
    svg = _svg(figure)
    labels = _texts(svg, text_anchor="end")
    assert ["".join(s.text or "" for s in label.iter(f"{SVG}tspan")) for label in labels] == [LONG, "城关委员联络组", "样本县政协社会和法制委员会"]
    assert len(list(labels[0].iter(f"{SVG}tspan"))) == 4  # 25 characters, seven a line
    for label in labels:
        for line in label.iter(f"{SVG}tspan"):
            assert float(line.get("x", "0")) - charts.text_width(line.text or "", charts.LABEL) >= 0  # not cut at the left edge
    width = float(svg.get("viewBox", "").split()[2])
    values = [t for t in _texts(svg, font_size=str(charts.SMALL)) if t.get("text-anchor") is None]
    assert [v.text for v in values] == ["37.50", "12.00", "3.00"]  # points with two decimals, as everywhere else
    assert all(float(v.get("x", "0")) + charts.text_width(v.text or "", charts.SMALL) <= width for v in values)  # nor at the right


def test_units_are_shown_by_short_name_with_the_full_name_in_tooltip_and_table() -> None:
    result = {"units": [{"unit": "wenshiwei", "name": "县政协文化文史和学习委员会", "points": 37.5},
                        {"unit": "lianluozu", "name": "城关委员联络组", "points": 12}, {"unit": "none", "name": "没有积分", "points": 0}]}
    figure = charts.points(result, 2026, {"wenshiwei": "文史委"})
    svg = _svg(figure)
    first = _texts(svg, text_anchor="end")[0]
    assert [s.text for s in first.iter(f"{SVG}tspan")] == ["文史委"]
    assert first.find(f"{SVG}title") is not None
    assert first.find(f"{SVG}title").text == "县政协文化文史和学习委员会"  # type: ignore[union-attr]
    assert _texts(svg, text_anchor="end")[1].find(f"{SVG}title") is None  # no short name: the name itself, no tooltip
    assert _table(figure) == [["单位", "积分"], ["县政协文化文史和学习委员会", "37.50"], ["城关委员联络组", "12.00"]]
    ticks = [t.text for t in _texts(svg, text_anchor="middle")]
    assert ticks == ["0", "10", "20", "30", "40"]  # whole numbers, though points are not


def test_months_of_this_year_end_now_and_empty_months_carry_no_number() -> None:
    result = {"by": {"month": {"2026-03": {"collected": 2, "edited": 1}, "2026-07": {"collected": 5, "edited": 0}}}}
    figure = charts.months(result, 2026, 11)
    svg = _svg(figure)
    months = [t.text for t in _texts(svg, text_anchor="middle", font_size=str(charts.SMALL))]
    assert months == [f"{m}月" for m in range(1, 12)]  # no December yet
    assert [t.text for t in _texts(svg, font_size="11")] == ["2", "1", "5"]  # over the bars: no 0 anywhere
    assert [t.text for t in _texts(svg, text_anchor="end")] == ["0", "1", "2", "3", "4", "5"]  # whole-number ticks
    assert _table(figure)[0] == ["月份", "采集", "采编"]
    assert _table(figure)[3] == ["3月", "2", "1"]
    assert len(_table(figure)) == 12
    assert len(_table(charts.months(result, 2025))) == 13  # a past year: every month


def test_the_funnel_compares_years_and_its_table_has_more() -> None:
    this = dict.fromkeys((key for key, _ in charts.FUNNEL), 0) | {"collected": 12, "edited": 7}
    last = dict.fromkeys((key for key, _ in charts.FUNNEL), 1)
    figure = charts.funnel("2026年信息转化", [("2026年", this), ("2025年同期", last)], [("2025年全年", last | {"collected": 30})], "说明")
    assert [label for _, label in charts.FUNNEL] == ["采集", "采编", "上报", "采用", "批示", "转办", "反馈", "落实"]
    svg = _svg(figure)
    assert [s.text for t in _texts(svg, text_anchor="end") for s in t.iter(f"{SVG}tspan")] == [label for _, label in charts.FUNNEL]
    assert len(list(svg.iter(f"{SVG}rect"))) == 2 + 8 * 2  # the legend's two squares, two bars a step
    assert _table(figure)[:3] == [["环节", "2026年", "2025年同期", "2025年全年"], ["采集", "12", "1", "30"], ["采编", "7", "1", "1"]]
    assert "<figcaption" in figure
    assert "说明" in figure[figure.index("<figcaption"):figure.index("</figcaption>")]


@pytest.mark.parametrize("figure", [
    charts.funnel("2026年信息转化", [("2026年", dict.fromkeys((k for k, _ in charts.FUNNEL), 3))]),
    charts.months({"by": {"month": {}}}, 2026, 11),
    charts.categories({"by": {"category": {"社区管理": {"collected": 2, "edited": 1}}}}, 2026),
    charts.points({"units": [{"unit": "a", "name": "城关委员联络组", "points": 3}]}, 2026),
])
def test_every_chart_fits_the_column_and_has_a_table(figure: str) -> None:
    svg = _svg(figure)
    assert svg.get("width") is None
    assert svg.get("height") is None  # no fixed size: the viewBox scales to the column (a phone's too)
    assert svg.get("viewBox", "").startswith(f"0 0 {charts.WIDTH} ")
    assert "width:100%" in svg.get("style", "")
    assert svg.get("role") == "img"
    assert svg.get("aria-label", "").endswith("（数据见图下的数据表）")
    assert "<details" in figure
    assert "<summary>数据表：" in figure
    assert len(_table(figure)) >= 2
    assert "<script" not in figure
    assert not re.search(r"\bid=", figure)  # nothing two charts on a page could both claim


def test_names_are_text_in_the_drawing_and_the_table() -> None:
    name = '联络组<script>alert(1)</script>"&'
    figure = charts.points({"units": [{"unit": "a", "name": name, "points": 3}]}, 2026, {"a": '<b onclick="x">'})
    assert "<script" not in figure
    assert "<b " not in figure
    svg = _svg(figure)  # well formed: every name is text in it
    assert "".join(s.text or "" for s in svg.iter(f"{SVG}tspan")) == '<b onclick="x">'
    assert svg.find(f".//{SVG}text/{SVG}title") is not None
    assert _table(figure)[1] == ["联络组&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;", "3.00"]


def test_quota_bars_put_the_furthest_behind_first_and_say_it_in_words() -> None:
    rows = [{"unit": "a", "name": "县政协社会和法制委员会", "quota": 8, "collected": 9},
            {"unit": "b", "name": "城关委员联络组", "quota": 4, "collected": 1},
            {"unit": "c", "name": "县政协提案委员会", "quota": 3, "collected": 2}]
    html = charts.quotas(rows, pace=0.5)
    bars = re.findall(r'<div role="progressbar" ([^>]*)>', html)
    assert [re.search(r'aria-label="([^"]*)"', b).group(1) for b in bars] == [  # type: ignore[union-attr]
        "城关委员联络组任务完成", "县政协提案委员会任务完成", "县政协社会和法制委员会任务完成"]
    assert 'aria-valuetext="采集 1 / 任务 4 篇（25%），落后于时间进度"' in bars[0]
    assert 'aria-valuetext="采集 2 / 任务 3 篇（67%），进度正常"' in bars[1]
    assert 'aria-valuemax="8" aria-valuenow="8" aria-valuetext="采集 9 / 任务 8 篇（112%），已完成"' in bars[2]  # more than the quota
    assert re.findall(r'<div style="width:(\d+)%', html) == ["25", "67", "100"]  # a bar never runs past its track
    shown = re.findall(r"<span>([^<]*)</span><span>(.*?)</span></div>", html)
    assert [(name, re.sub(r"<[^>]+>", "", said)) for name, said in shown] == [
        ("城关委员联络组", "1 / 4 篇 · 25% · 落后"), ("县政协提案委员会", "2 / 3 篇 · 67%"), ("县政协社会和法制委员会", "9 / 8 篇 · 112% · 完成")]


@pytest.mark.parametrize(("text", "lines"), [
    ("青山镇委员联络组", ["青山镇委", "员联络组"]), ("城关民生委员工作室", ["城关民生委", "员工作室"]), ("社法委", ["社法委"]),
    ("县政协文化文史和学习委员会", ["县政协文化文史", "和学习委员会"]),
])
def test_long_labels_wrap_into_even_lines(text: str, lines: list[str]) -> None:
    assert charts.wrap(text, charts.LABEL, charts.LABEL_MAX) == lines
