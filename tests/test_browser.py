"""The archive in a real headless Chromium: pages, the menu, Chinese search, and no request outside."""

from __future__ import annotations

import contextlib
import functools
import json
import re
import shutil
import socket
import subprocess
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


class _Shared(_Quiet):
    """A site other origins may read (as a county's public archive must allow its city's search page)."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()


@contextlib.contextmanager
def _serving(site: Path, *, shared: bool = False) -> Iterator[str]:
    handler = functools.partial(_Shared if shared else _Quiet, directory=str(site))
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


PHONE = 390  # px: leaders read the archive on their phones
DESKTOP = 1280


@contextlib.contextmanager
def _tab(browser: object, *servers: str, width: int = DESKTOP) -> Iterator[tuple[object, list[str], list[str]]]:
    """A browser tab that may load from `servers` only: what it asks elsewhere, and requests that failed, are listed.
    At PHONE width it is a phone's (touch, the viewport as a phone reads the page's)."""
    phone = width == PHONE
    context = browser.new_context(viewport={"width": width, "height": 844 if phone else 900}, is_mobile=phone, has_touch=phone)  # type: ignore[attr-defined]
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
    assert "采用" in labels  # the conversion chain's steps: 采集 → 采编 → 上报 → 采用 → …
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


# --- the search box in the header of every page ---------------------------------------------------------------

HEADER = ".sqmy-header-search"
RESULTS = f"{HEADER} .md-search-result__item"
NOTHING = "没有找到与“{}”有关的信息，请换个字词或少用几个字再试"


@pytest.fixture(scope="module")
def public_server(built: Path) -> Iterator[str]:
    with _serving(built / "site-public") as url:
        yield url


def _type_in_the_header(tab: object, width: int, query: str) -> None:
    """`query` typed into the header's box as a reader does: on a phone behind the magnifier, on a desktop in the bar."""
    box = tab.locator(".md-search__input")  # type: ignore[attr-defined]
    if width == PHONE:
        panel = tab.locator(".md-search__inner").bounding_box()  # type: ignore[attr-defined]
        assert panel["width"] < 1  # the header has room for the magnifier only: the box is folded away
        tab.locator("label.md-header__button[for=__search]").tap()  # type: ignore[attr-defined]
    else:
        assert box.is_visible()
        box.click()
    tab.wait_for_function("document.activeElement && document.activeElement.classList.contains('md-search__input')")  # type: ignore[attr-defined]
    box.press_sequentially(query)


def _said(tab: object) -> str:
    count = tab.locator(f"{HEADER} .sqmy-count")  # type: ignore[attr-defined]
    count.locator("text=信息").wait_for(timeout=10_000)
    return str(count.inner_text())


def _within_the_screen(tab: object, locator: object) -> None:
    """`locator` lies within the screen's width once the theme's panel has opened (it widens from nothing)."""
    tab.wait_for_function("e => { const r = e.getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth + 1 && r.width > 100 }",  # type: ignore[attr-defined]
                          arg=locator.element_handle(), timeout=5_000)  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
@pytest.mark.parametrize("path", ["", "items/2025/2025-0512-yangshufen-1/", "by/year/2025/", "stats/"])
def test_the_header_box_finds_items_from_any_page(browser: object, server: str, width: int, path: str) -> None:
    """On every kind of page, the header's box drops the results down as one types (the theme's search panel, which
    covers a phone's screen); a result opens the item; nothing is fetched from elsewhere, no request fails."""
    with _tab(browser, server, width=width) as (tab, outside, failed):
        tab.goto(f"{server}/{path}")  # type: ignore[attr-defined]
        _type_in_the_header(tab, width, "加装电梯")
        hit = tab.locator(f"{RESULTS} h1", has_text="关于加快推进老旧小区加装电梯和地下管网改造的建议").first  # type: ignore[attr-defined]
        hit.wait_for(timeout=10_000)
        assert hit.is_visible()
        _within_the_screen(tab, hit)
        assert _said(tab).startswith("找到 ")
        assert tab.locator(f"{RESULTS} mark").count() > 0  # type: ignore[attr-defined]  # the query is marked
        assert tab.evaluate("document.documentElement.lang") == "zh"  # type: ignore[attr-defined]
        hit.click()
        tab.wait_for_url("**/items/**")  # type: ignore[attr-defined]
        assert tab.inner_text("h1") == "关于加快推进老旧小区加装电梯和地下管网改造的建议"  # type: ignore[attr-defined]
    assert outside == []
    assert failed == []


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_header_box_says_when_nothing_is_found(browser: object, server: str, width: int) -> None:
    with _tab(browser, server, width=width) as (tab, outside, failed):
        tab.goto(f"{server}/journal/")  # type: ignore[attr-defined]
        _type_in_the_header(tab, width, "量子纠缠")
        message = tab.locator(f"{HEADER} .sqmy-count", has_text="没有找到")  # type: ignore[attr-defined]
        message.wait_for(timeout=10_000)
        assert message.inner_text() == NOTHING.format("量子纠缠")
        assert message.is_visible()
        assert tab.locator(RESULTS).count() == 0  # type: ignore[attr-defined]
        assert not tab.locator(f"{HEADER} .sqmy-more").is_visible()  # type: ignore[attr-defined]
    assert outside == []
    assert failed == []


def _more_until_all(tab: object, items: str, more: str, total: int) -> None:
    """Every "更多结果" press shows up to 10 more; the button is there exactly while some are not shown."""
    expected = min(total, 10)
    while True:
        tab.wait_for_function(f"document.querySelectorAll({items!r}).length >= {expected}")  # type: ignore[attr-defined]
        assert tab.locator(items).count() == expected  # type: ignore[attr-defined]
        button = tab.locator(more)  # type: ignore[attr-defined]
        if expected == total:
            assert not button.is_visible()
            return
        assert button.is_visible()
        assert button.inner_text() == "更多结果"
        expected = min(total, expected + 10)
        button.click()


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
@pytest.mark.parametrize("where", ["header", "page"])
def test_more_results_only_while_there_are_more(browser: object, server: str, width: int, where: str) -> None:
    """建议 is in most items: ten at first and "更多结果" until all are shown, then no button; 撂荒 is in a few:
    no button at all. In the header's dropdown and on the search page alike."""
    items, more = (RESULTS, f"{HEADER} .sqmy-more") if where == "header" else (".sqmy-result", "#sqmy-more")
    with _tab(browser, server, width=width) as (tab, outside, failed):
        for query, many in (("建议", True), ("撂荒", False)):
            if where == "header":
                tab.goto(f"{server}/")  # type: ignore[attr-defined]
                _type_in_the_header(tab, width, query)
                said = _said(tab)
            else:
                tab.goto(f"{server}/search/?q={query}")  # type: ignore[attr-defined]
                tab.locator("#sqmy-count", has_text="信息").wait_for(timeout=10_000)  # type: ignore[attr-defined]
                said = tab.inner_text("#sqmy-count")  # type: ignore[attr-defined]
            found = re.fullmatch(rf"找到 (\d+) 条与“{query}”有关的信息", said)
            assert found, said
            total = int(found.group(1))
            assert (total > 20) if many else (0 < total <= 10), total
            _more_until_all(tab, items, more, total)
            titles = tab.locator(items).all_inner_texts()  # type: ignore[attr-defined]
            assert len(set(titles)) == total  # no item twice
    assert outside == []
    assert failed == []


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_enter_in_the_header_opens_the_search_page(browser: object, server: str, width: int) -> None:
    with _tab(browser, server, width=width) as (tab, outside, failed):
        tab.goto(f"{server}/items/2025/2025-0512-yangshufen-1/")  # type: ignore[attr-defined]
        _type_in_the_header(tab, width, "养老服务")
        assert _said(tab).startswith("找到 ")
        tab.locator(RESULTS).first.wait_for()  # type: ignore[attr-defined]  # (Enter before them would stop the index's pieces on their way)
        tab.keyboard.press("Enter")  # type: ignore[attr-defined]
        tab.wait_for_url("**/search/?q=*")  # type: ignore[attr-defined]
        assert tab.input_value("#sqmy-q") == "养老服务"  # type: ignore[attr-defined]
        tab.locator(".sqmy-result a", has_text="关于破解社区嵌入式养老服务设施运营难题的建议").wait_for(timeout=10_000)  # type: ignore[attr-defined]
    assert outside == []
    assert failed == []


def test_escape_and_the_overlay_close_the_header_box(page: tuple[object, list[str], list[str]], server: str) -> None:
    tab, _, _ = page
    tab.goto(f"{server}/stats/")  # type: ignore[attr-defined]
    _type_in_the_header(tab, DESKTOP, "撂荒")
    tab.locator(f"{RESULTS} h1").first.wait_for(timeout=10_000)  # type: ignore[attr-defined]
    tab.keyboard.press("Escape")  # type: ignore[attr-defined]
    assert tab.evaluate("document.getElementById('__search').checked") is False  # type: ignore[attr-defined]
    tab.wait_for_function("getComputedStyle(document.querySelector('.md-search__output')).opacity === '0'")  # type: ignore[attr-defined]
    tab.click(".md-search__input")  # type: ignore[attr-defined]  # the query and its results are still there
    assert tab.evaluate("document.getElementById('__search').checked") is True  # type: ignore[attr-defined]
    assert tab.locator(RESULTS).count() > 0  # type: ignore[attr-defined]
    tab.locator(f"{HEADER} .sqmy-clear").click()  # type: ignore[attr-defined]  # ×: the box is empty, ready for another query
    assert tab.input_value(".md-search__input") == ""  # type: ignore[attr-defined]
    assert tab.locator(RESULTS).count() == 0  # type: ignore[attr-defined]
    assert tab.inner_text(f"{HEADER} .sqmy-count") == "输入要查找的字词，如：老旧小区改造"  # type: ignore[attr-defined]
    tab.keyboard.press("Enter")  # type: ignore[attr-defined]  # nothing to look for: the page stays
    assert tab.url == f"{server}/stats/"  # type: ignore[attr-defined]
    tab.mouse.click(5, 600)  # type: ignore[attr-defined]  # the dimmed page around the box
    assert tab.evaluate("document.getElementById('__search').checked") is False  # type: ignore[attr-defined]


def test_the_public_header_box_finds_public_items_only(browser: object, built: Path, public_server: str) -> None:
    """The public edition's box searches the public index: every item it finds is in the public edition, and an
    internal item's title finds nothing."""
    public = {row["url"] for row in json.loads((built / "site-public" / "items.json").read_text("utf-8"))["items"]}
    internal = [row for row in json.loads((built / "site" / "items.json").read_text("utf-8"))["items"] if row["url"] not in public]
    assert internal
    with _tab(browser, public_server) as (tab, outside, failed):
        tab.goto(f"{public_server}/")  # type: ignore[attr-defined]
        _type_in_the_header(tab, DESKTOP, "建议")
        total = int(re.match(r"找到 (\d+) 条", _said(tab)).group(1))  # type: ignore[union-attr]
        _more_until_all(tab, RESULTS, f"{HEADER} .sqmy-more", total)
        links = tab.locator(f"{RESULTS} a").evaluate_all("links => links.map(a => new URL(a.href).pathname)")  # type: ignore[attr-defined]
        assert links
        assert {link.strip("/") + "/" for link in links} <= public
        tab.fill(".md-search__input", internal[0]["title"])  # type: ignore[attr-defined]
        tab.locator(f"{HEADER} .sqmy-count", has_text="没有找到").wait_for(timeout=10_000)  # type: ignore[attr-defined]
        assert tab.locator(RESULTS).count() == 0  # type: ignore[attr-defined]
    assert outside == []
    assert failed == []


# --- searching other offices' archives too (a city its counties') ---------------------------------------------------


@pytest.fixture(scope="module")
def city(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, Path]]:
    """(city, county, gone, the city's office): the demo's public edition served as a county's archive, and a city
    office (the demo office again, with a units/network.yml naming that county's site, a county's that cannot be
    reached and a higher office's) built and served."""
    root = tmp_path_factory.mktemp("city") / "office"
    for name in ("units", "items", "templates"):
        shutil.copytree(built / name, root / name)
    shutil.copy(built / "mkdocs.yml", root)
    key = root.parent / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = " ".join(key.with_name("key.pub").read_text("utf-8").split()[:2])
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        gone = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with _serving(built / "site-public", shared=True) as county:
        (root / "units" / "network.yml").write_text(
            f"id: shangluo-shi\nkey: {public}\noffices:\n"
            f"  - {{id: yangben-xian, name: 样本县政协, key: {public}, site: '{county}/'}}\n"
            f"  - {{id: gone-xian, name: 停用县政协, key: {public}, site: '{gone}/'}}\n"
            f"  - {{id: shangluo-sheng, name: 上级政协, key: {public}, level: 省政协, site: '{gone}/'}}\n", "utf-8")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SQMY_TODAY", TODAY)
            result = CliRunner().invoke(main, ["--root", str(root), "build", "--audience", "public"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        with _serving(root / "site-public") as url:
            yield url, county, gone, root


def _results(tab: object) -> list[tuple[str, str]]:
    """(link, facts) of every result the search page lists, all pages of them."""
    said = re.match(r"找到 (\d+) 条", tab.inner_text("#sqmy-count"))  # type: ignore[attr-defined]
    _more_until_all(tab, ".sqmy-result", "#sqmy-more", int(said.group(1)) if said else 0)
    return [tuple(row) for row in tab.locator(".sqmy-result").evaluate_all(  # type: ignore[attr-defined]
        "rows => rows.map(r => [r.querySelector('a').href, r.querySelector('.sqmy-result__facts').textContent])")]


def test_a_city_searches_its_counties_archives_with_its_own(browser: object, city: tuple[str, str, str, Path]) -> None:
    """The city's search page finds the county's public reports beside its own, each linking to where it is and
    labelled with its office; the 范围 menu keeps to one office; a county that cannot be reached is left out, and
    a higher office is never searched."""
    url, county, gone, _ = city
    with _tab(browser, url, county, gone) as (tab, outside, failed):
        alone = _found(tab, county, "建议")  # the county's own archive
        assert alone
        tab.goto(f"{url}/search/?q=建议")  # type: ignore[attr-defined]
        scope = tab.locator("#sqmy-scope")  # type: ignore[attr-defined]
        scope.wait_for(state="visible", timeout=10_000)
        assert scope.locator("option").all_inner_texts() == ["全部（本会和1个单位）", "示例县政协", "样本县政协"]
        tab.locator("#sqmy-count", has_text="信息").wait_for(timeout=10_000)  # type: ignore[attr-defined]
        everything = _results(tab)
        theirs = [(link, facts) for link, facts in everything if link.startswith(county + "/")]
        mine = [(link, facts) for link, facts in everything if link.startswith(url + "/")]
        assert len(theirs) == len(alone)
        assert len(mine) == len(alone)
        assert len(everything) == 2 * len(alone)
        assert all(facts.startswith("样本县政协 · ") for _, facts in theirs)
        assert not any(facts.startswith("样本县政协") for _, facts in mine)
        SHOTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(SHOTS / "search-offices.png"))  # type: ignore[attr-defined]
        scope.select_option("样本县政协")
        tab.wait_for_function("new URLSearchParams(location.search).get('in') === '样本县政协'")  # type: ignore[attr-defined]
        tab.locator("#sqmy-count", has_text="信息").wait_for(timeout=10_000)  # type: ignore[attr-defined]
        tab.wait_for_function(f"document.querySelectorAll('.sqmy-result').length === Math.min(10, {len(alone)})")  # type: ignore[attr-defined]
        assert sorted(_results(tab)) == sorted(theirs)
        # a link to one office's results
        tab.goto(f"{url}/search/?q=建议&in=示例县政协")  # type: ignore[attr-defined]
        tab.wait_for_function("document.getElementById('sqmy-scope').value === '示例县政协'")  # type: ignore[attr-defined]
        tab.wait_for_function(f"document.querySelectorAll('.sqmy-result').length === Math.min(10, {len(alone)})")  # type: ignore[attr-defined]
        assert sorted(_results(tab)) == sorted(mine)
    assert not [u for u in outside if not u.startswith(gone)]
    assert all(u.startswith(gone) for u in failed)
    with _tab(browser, url, county, gone, width=PHONE) as (tab, _, _):
        tab.goto(f"{url}/search/?q=建议")  # type: ignore[attr-defined]
        tab.locator("#sqmy-scope").wait_for(state="visible", timeout=10_000)  # type: ignore[attr-defined]
        tab.wait_for_function("document.querySelectorAll('.sqmy-result').length === 10")  # type: ignore[attr-defined]
        _within_the_screen(tab, tab.locator("#sqmy-scope"))  # type: ignore[attr-defined]
        tab.screenshot(path=str(SHOTS / "search-offices-phone.png"), full_page=True)  # type: ignore[attr-defined]


def test_an_archive_names_the_sites_it_searches_and_no_others(built: Path, city: tuple[str, str, str, Path]) -> None:
    """search/sites.json lists the lower offices with a site only (never a higher office); an office without a
    network lists none."""
    _, county, gone, root = city
    listed = json.loads((root / "site-public" / "search" / "sites.json").read_text("utf-8"))
    assert listed == {"self": "示例县政协", "sites": [{"name": "样本县政协", "url": f"{county}/"}, {"name": "停用县政协", "url": f"{gone}/"}]}
    for edition in ("site", "site-public"):
        assert json.loads((built / edition / "search" / "sites.json").read_text("utf-8")) == {"self": "示例县政协", "sites": []}


# --- one name, in Chinese, on every page ------------------------------------------------------------------------

SITES = {"site": "示例县政协社情民意信息", "site-public": "示例县政协社情民意信息（公开版）"}
# what mkdocs-material says in English where a reader sees or hears it (text, tooltips, labels of the screen reader)
THEME_ENGLISH = ["Search", "Type to start searching", "Initializing search", "Back to top", "Made with", "Material for MkDocs",
                 "Skip to content", "Table of contents", "Navigation", "Header", "Footer", "Previous", "Next", "Copy to clipboard",
                 "Share", "Clear", "No matching documents"]
_SEEN = """() => {
  const article = document.querySelector("article");
  const inside = (node) => article && article.contains(node);
  const chrome = [], said = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  for (let node = walk.currentNode; node; node = walk.nextNode()) {
    if (node.nodeType === Node.TEXT_NODE) {
      const parent = node.parentElement;
      if (!parent || parent.closest("script, style, svg") || inside(node)) continue;
      chrome.push(node.textContent);
    } else {
      for (const name of ["title", "aria-label", "placeholder", "alt"]) {
        if (node.hasAttribute(name)) (inside(node) ? said : chrome).push(node.getAttribute(name));
      }
    }
  }
  return {chrome: chrome.join(" "), said: said.join(" "), text: document.body.innerText, article: article ? article.textContent : ""};
}"""


def _pages_of(site: Path) -> list[str]:
    item = json.loads((site / "items.json").read_text("utf-8"))["items"][0]["url"]
    kinds = ["", "by/year/", "by/year/2025/", "by/unit/", "by/status/", "by/transfers/", "by/instructions/", "journal/", "journal/2025-001/",
             "stats/", "rankings/", "rules/", "guide/", "guide/examples/", "search/", item]
    return [path for path in kinds if (site / path / "index.html").is_file()]


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
@pytest.mark.parametrize("edition", list(SITES))
def test_every_page_names_itself_in_one_form_and_in_chinese(browser: object, built: Path, edition: str, width: int) -> None:
    """On every kind of page of both editions: the browser's title is "<the page> - <the archive>", the archive's
    name the one the header shows (and the logo's label), and nothing of the theme speaks English: not its text
    around the page (header, menu, table of contents, footer, the back-to-top button, the search box), nor its
    tooltips and labels, nor anything in the page itself."""
    site = built / edition
    pages = _pages_of(site)
    assert len(pages) >= (15 if edition == "site" else 10)
    name = SITES[edition]
    with _serving(site) as url, _tab(browser, url, width=width) as (tab, outside, failed):
        for path in pages:
            tab.goto(f"{url}/{path}")  # type: ignore[attr-defined]
            tab.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
            header = tab.locator(".md-header__topic").first.text_content().strip()  # type: ignore[attr-defined]
            topic = tab.locator(".md-header__topic[data-md-component=header-topic]").text_content().strip()  # type: ignore[attr-defined]
            assert header == name, path
            shown = tab.locator(".md-header__topic .md-ellipsis").first  # type: ignore[attr-defined]
            assert shown.evaluate("e => e.scrollWidth <= e.clientWidth"), path  # the whole name, （公开版） too, even on a phone
            assert tab.get_attribute(".md-logo", "aria-label") == name, path  # type: ignore[attr-defined]
            assert tab.title() == f"{topic} - {name}", path  # type: ignore[attr-defined]
            # the page's own heading, or for a page of the menu its entry there (期刊 for 《社情民意信息》)
            menu = tab.locator(".md-nav__link--active").all_text_contents()  # type: ignore[attr-defined]
            assert topic in {"首页" if path == "" else tab.locator("article h1").first.inner_text().strip(), *[m.strip() for m in menu]}, path  # type: ignore[attr-defined]
            seen = tab.evaluate(_SEEN)  # type: ignore[attr-defined]
            # Latin words around the page: none but the page's own (its table of contents repeats its headings, e.g. Git 记录)
            english = [word for word in re.findall(r"[A-Za-z]{2,}", seen["chrome"]) if word not in seen["article"]]
            assert english == [], (path, english)
            for words in THEME_ENGLISH:
                assert words not in seen["text"], (path, words)
                assert words not in seen["said"], (path, words)
            assert "中国人民政治协商会议示例县委员会 · 社情民意信息存档" in tab.inner_text("footer"), path  # type: ignore[attr-defined]
    assert outside == []
    assert failed == []
