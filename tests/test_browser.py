"""The archive in a real headless Chromium: pages, the menu, Chinese search, and no request outside."""

from __future__ import annotations

import contextlib
import functools
import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from sqmy.cli import main

from .conftest import REPO, TODAY

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path("/tmp/sqmy-screenshots")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _serving(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server(built: Path) -> Iterator[str]:
    with _serving(built / "site") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@contextlib.contextmanager
def _tab(browser: object, *servers: str) -> Iterator[tuple[object, list[str], list[str]]]:
    """A browser tab that may load from `servers` only: what it asks elsewhere, and requests that failed, are listed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    outside: list[str] = []
    failed: list[str] = []

    def guard(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(servers):
            route.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", guard)
    tab = context.new_page()
    tab.on("requestfailed", lambda request: failed.append(request.url))
    try:
        yield tab, outside, failed
    finally:
        context.close()


@pytest.fixture
def page(browser: object, server: str) -> Iterator[tuple[object, list[str], list[str]]]:
    with _tab(browser, server) as tab:
        yield tab


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
        # jieba (index) and the browser's segmenter (query) cut these differently; character pairs do not care
        ("加装电梯", "关于加快推进老旧小区加装电梯和地下管网改造的建议"),
        ("小区加装", "关于加快推进老旧小区加装电梯和地下管网改造的建议"),
        ("老旧小区改造", "老旧小区改造后物业管理缺位、设施无人管护问题亟待重视"),
        ("养老服务", "关于破解社区嵌入式养老服务设施运营难题的建议"),
        ("撂荒　耕地", "关于破解山区撂荒耕地复垦复种难题的建议"),  # two words, a full-width space between
    ],
)
def test_chinese_search(page: tuple[object, list[str], list[str]], server: str, query: str, expected: str) -> None:
    tab, outside, failed = page
    tab.goto(server + "/search/")  # type: ignore[attr-defined]
    tab.fill("#sqmy-q", query)  # type: ignore[attr-defined]
    hit = tab.locator(".sqmy-result a", has_text=expected).first  # type: ignore[attr-defined]
    hit.wait_for(timeout=10_000)
    assert hit.inner_text() == expected
    assert tab.locator(".sqmy-result mark").count() > 0  # type: ignore[attr-defined]  # the query is marked in the excerpts
    assert "有关的信息" in tab.inner_text("#sqmy-count")  # type: ignore[attr-defined]
    assert tab.evaluate("document.documentElement.lang") == "zh"  # type: ignore[attr-defined]  # put back after Pagefind started
    assert outside == []
    assert failed == []
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"search-{query}.png"))  # type: ignore[attr-defined]


def test_search_finds_nothing_for_words_not_in_any_item(page: tuple[object, list[str], list[str]], server: str) -> None:
    tab, outside, _ = page
    tab.goto(server + "/search/?q=" + "量子纠缠")  # type: ignore[attr-defined]  # a query in the address fills the box
    tab.locator("#sqmy-count", has_text="没有找到").wait_for(timeout=10_000)  # type: ignore[attr-defined]
    assert tab.input_value("#sqmy-q") == "量子纠缠"  # type: ignore[attr-defined]
    assert tab.locator(".sqmy-result").count() == 0  # type: ignore[attr-defined]
    assert outside == []


def test_search_result_opens_the_item(page: tuple[object, list[str], list[str]], server: str) -> None:
    tab, _, failed = page
    tab.goto(server + "/search/?q=" + "下泄流量")  # type: ignore[attr-defined]
    link = tab.locator(".sqmy-result a").first  # type: ignore[attr-defined]
    link.wait_for(timeout=10_000)
    link.click()
    tab.wait_for_url("**/items/**")  # type: ignore[attr-defined]
    assert "下泄流量" in tab.inner_text("h1")  # type: ignore[attr-defined]
    assert failed == []


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


# --- an archive whose search index is made in parts ---------------------------------------------------------

PART = 20  # items a Pagefind run indexes in the archive built in parts: the demo's 65 items in four


@pytest.fixture(scope="module")
def parted(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo office's internal edition with its search index made in parts (search_part), served."""
    root = tmp_path_factory.mktemp("parted") / "office"
    for name in ("units", "items", "templates", "build"):
        shutil.copytree(built / name, root / name)
    config = (built / "mkdocs.yml").read_text("utf-8")
    assert "      search: pagefind" in config
    (root / "mkdocs.yml").write_text(config.replace("      search: pagefind", f"      search: pagefind\n      search_part: {PART}", 1), "utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SQMY_TODAY", TODAY)
        result = CliRunner().invoke(main, ["--root", str(root), "build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    index = root / "site" / "_pagefind"
    assert json.loads((index / "sqmy-parts.json").read_text("utf-8")) == {"parts": ["parts/1/", "parts/2/", "parts/3/"]}
    with _serving(root / "site") as url:
        yield url


def _found(tab: object, server: str, query: str) -> list[str]:
    """The titles the search page lists for `query`, every page of results."""
    tab.goto(f"{server}/search/?q={query}")  # type: ignore[attr-defined]
    tab.locator("#sqmy-count", has_text="信息").wait_for(timeout=10_000)  # type: ignore[attr-defined]
    said = re.match(r"找到 (\d+) 条", tab.inner_text("#sqmy-count"))  # type: ignore[attr-defined]
    total = int(said.group(1)) if said else 0
    while (shown := tab.locator(".sqmy-result").count()) < total:  # type: ignore[attr-defined]
        if shown % 10 == 0 and shown and tab.locator("#sqmy-more").is_visible():  # type: ignore[attr-defined]
            tab.click("#sqmy-more")  # type: ignore[attr-defined]
        tab.wait_for_function(f"document.querySelectorAll('.sqmy-result').length > {shown}")  # type: ignore[attr-defined]
    return sorted(tab.locator(".sqmy-result a").all_inner_texts())  # type: ignore[attr-defined]


@pytest.mark.parametrize("query", ["小区", "加装电梯", "建议", "撂荒　耕地", "量子纠缠"])
def test_search_over_an_index_in_parts_finds_what_one_index_finds(browser: object, server: str, parted: str, query: str) -> None:
    """An archive indexed in parts (one Pagefind run for every PART items) is searched as one: the same items are
    found as in the archive indexed whole, wherever they are, and every part is fetched from the site itself."""
    with _tab(browser, server, parted) as (tab, outside, failed):
        whole = _found(tab, server, query)
        in_parts = _found(tab, parted, query)
    assert in_parts == whole
    if query == "建议":
        assert len(whole) > PART  # more items than one part holds
    elif query != "量子纠缠":
        assert whole
    assert outside == []
    assert failed == []


def test_search_in_an_archive_without_items(browser: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new office (no item yet) has an archive too; Pagefind makes no index of nothing, and its search page says it
    found nothing, without a request that fails."""
    root = tmp_path / "office"
    (root / "items").mkdir(parents=True)
    for name in ("units", "templates"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root)
    monkeypatch.setenv("SQMY_TODAY", TODAY)
    result = CliRunner().invoke(main, ["--root", str(root), "build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with _serving(root / "site") as url, _tab(browser, url) as (tab, outside, failed):
        tab.goto(f"{url}/search/?q=加装电梯")  # type: ignore[attr-defined]
        tab.locator("#sqmy-count", has_text="没有找到与“加装电梯”有关的信息").wait_for(timeout=10_000)  # type: ignore[attr-defined]
        assert tab.locator(".sqmy-result").count() == 0  # type: ignore[attr-defined]
    assert outside == []
    assert failed == []
