"""The home page, statistics and rankings of the demo office in a real headless Chromium, on a leader's phone
(390 px wide) and on a desk (1280 px): every chart's text inside its drawing, text big enough to read, no page
wider than the screen. Screenshots go to /tmp/sqmy-screenshots/ (home-390.png, stats-1280.png, …)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_browser import ARGS, SHOTS, _serving

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")

WIDTHS = (390, 1280)

# for each chart on the page: its drawn size, the smallest text as drawn (px), and every text that is not wholly
# inside the drawing (the SVG clips it there)
_MEASURE = """() => [...document.querySelectorAll('figure.sqmy-chart svg')].map(svg => {
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  const texts = [...svg.querySelectorAll('text')];
  const outside = texts.filter(t => {
    const r = t.getBoundingClientRect();
    return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
  }).map(t => t.textContent);
  const smallest = Math.min(...texts.map(t => parseFloat(t.getAttribute('font-size') || t.closest('[font-size]').getAttribute('font-size')) * scale));
  return {width: box.width, height: box.height, smallest, outside, label: svg.getAttribute('aria-label')};
})"""


@pytest.fixture(scope="module")
def site(built: Path) -> Iterator[str]:
    with _serving(built / "site") as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@contextlib.contextmanager
def _tab(chromium: Any, width: int) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("path", "name", "charts"), [("", "home", 1), ("stats/", "stats", 6), ("rankings/", "rankings", 2)])
def test_charts_read_well_on_a_phone_and_a_desk(chromium: Any, site: str, width: int, path: str, name: str, charts: int) -> None:
    with _tab(chromium, width) as tab:
        tab.goto(f"{site}/{path}")
        tab.wait_for_load_state("networkidle")
        found = tab.evaluate(_MEASURE)
        SHOTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert len(found) == charts
        for chart in found:
            assert chart["outside"] == [], chart["label"]  # no label or value cut off at the drawing's edge
            assert chart["smallest"] >= 9.5, chart["label"]  # ticks at 12 units: about 10 px on the phone
            assert chart["width"] <= min(width, 520) + 0.5
            assert chart["width"] >= min(width - 60, 520) - 0.5  # the column's width (less the theme's margins), up to 520 px
        # the page itself never scrolls sideways (wide tables scroll in their own box)
        assert tab.evaluate("document.documentElement.scrollWidth") <= width


def test_home_page_tables_open_and_bars_have_their_share(chromium: Any, site: str) -> None:
    """The table under a chart opens; each quota bar is as long as its share of its track (at most all of it)."""
    with _tab(chromium, 390) as tab:
        tab.goto(f"{site}/")
        summary = tab.locator("figure.sqmy-chart details summary").first
        table = tab.locator("figure.sqmy-chart details table").first
        assert not table.is_visible()
        summary.click()
        assert table.is_visible()
        assert table.locator("th").first.inner_text() == "环节"
        bars = tab.locator('[role="progressbar"]')
        assert bars.count() > 5
        for k in range(bars.count()):
            bar = bars.nth(k)
            share = min(int(bar.get_attribute("aria-valuenow")) / int(bar.get_attribute("aria-valuemax")), 1)
            track = bar.bounding_box()
            fill = bar.locator("div").bounding_box()
            assert abs(fill["width"] - track["width"] * share) <= 1.5
            assert track["width"] > 300  # the whole column on a phone
        SHOTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(SHOTS / "home-390-table.png"), full_page=True)
