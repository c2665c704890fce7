"""The archive in a real headless Chromium: pages, the menu, Chinese search, and no request outside."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path("/tmp/sqmy-screenshots")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(built: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(built / "site"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object, server: str) -> Iterator[tuple[object, list[str], list[str]]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    outside: list[str] = []
    failed: list[str] = []

    def guard(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(server):
            route.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", guard)
    tab = context.new_page()
    tab.on("requestfailed", lambda request: failed.append(request.url))
    yield tab, outside, failed
    context.close()


PAGES = ["", "by/year/", "by/year/2025/", "by/unit/", "by/status/", "by/transfers/", "by/instructions/", "journal/",
         "journal/2025-001/", "stats/", "rules/", "guide/", "guide/examples/", "search/", "items/2025/2025-0512-yangshufen-1/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_kind_of_page_loads_without_going_outside(page: tuple[object, list[str], list[str]], server: str, path: str) -> None:
    tab, outside, failed = page
    response = tab.goto(f"{server}/{path}")  # type: ignore[attr-defined]
    assert response.status == 200
    tab.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert outside == []
    assert failed == []
    assert tab.locator("h1").first.inner_text()  # type: ignore[attr-defined]


def test_the_menu_leads_to_the_journal_and_an_item(page: tuple[object, list[str], list[str]], server: str) -> None:
    tab, outside, _ = page
    tab.goto(server + "/")  # type: ignore[attr-defined]
    tab.get_by_role("link", name="期刊").first.click()  # type: ignore[attr-defined]
    assert tab.locator("h1").first.inner_text().startswith("《社情民意信息》")  # type: ignore[attr-defined]
    tab.get_by_role("link", name="2025年第4期").click()  # type: ignore[attr-defined]
    tab.get_by_role("link", name="关于破解社区老年助餐点运营难题的建议").click()  # type: ignore[attr-defined]
    tab.wait_for_url("**/items/2025/2025-0512-yangshufen-1/")  # type: ignore[attr-defined]
    assert tab.locator("h2", has_text="审核过程").count() == 1  # type: ignore[attr-defined]
    assert outside == []
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / "item.png"))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("助餐点", "关于破解社区老年助餐点运营难题的建议"),  # a word of a title
        ("撂荒", "关于破解山区撂荒耕地复垦复种难题的建议"),  # a word of a title
        ("下泄流量", "小水电站生态下泄流量不足致河段断流问题亟待重视"),  # a word of the body and title
        ("地下管网", "关于加快推进老旧小区加装电梯和地下管网改造的建议"),
        pytest.param(
            "加装电梯", "关于加快推进老旧小区加装电梯和地下管网改造的建议",
            marks=pytest.mark.xfail(strict=True, reason="known: Pagefind segments 小区加装电梯 unlike the query 加装 电梯 (issue 5 goes on)"),
        ),
    ],
)
def test_chinese_search(page: tuple[object, list[str], list[str]], server: str, query: str, expected: str) -> None:
    tab, outside, failed = page
    tab.goto(server + "/search/")  # type: ignore[attr-defined]
    tab.fill(".pagefind-ui__search-input", query)  # type: ignore[attr-defined]
    # the results are drawn again as the index arrives: wait for the one we expect, not for the first drawing
    hit = tab.locator(".pagefind-ui__result-link", has_text=expected).first  # type: ignore[attr-defined]
    hit.wait_for(timeout=10_000)
    assert hit.inner_text() == expected
    assert outside == []
    assert failed == []
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"search-{query}.png"))  # type: ignore[attr-defined]


def test_charts_are_drawn_with_chinese_labels(page: tuple[object, list[str], list[str]], server: str) -> None:
    tab, outside, failed = page
    tab.goto(server + "/stats/")  # type: ignore[attr-defined]
    charts = tab.locator("figure.sqmy-chart svg")  # type: ignore[attr-defined]
    assert charts.count() >= 3
    box = charts.first.bounding_box()
    assert box["width"] > 300
    assert box["height"] > 150
    labels = charts.first.locator("text").all_text_contents()
    assert "采集" in labels
    assert "市政协采用" in labels
    assert outside == []
    assert failed == []
    SHOTS.mkdir(exist_ok=True)
    charts.first.screenshot(path=str(SHOTS / "chart.png"))
