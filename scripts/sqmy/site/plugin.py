"""The MkDocs plugin: a thin adapter that hands the generated pages (pages.py) to MkDocs.

Registered as the `sqmy` plugin (entry point in pyproject.toml), so that
`mkdocs build`, `mkdocs serve` and `sqmy build` all make the same archive.
The edition is the plugin option `audience` (internal | public): written in
mkdocs.yml, or set on the loaded configuration by `sqmy build --audience`.
What each edition shows is decided in edition.py; the plugin only asks it.

Every page pages.py makes (all but the search page, which holds no item text)
is sanitized after MkDocs renders it, with nh3 (ammonia) and an allowlist of
exactly what these pages are made of: no script, style, frame, object, image
or event handler, no link but to web, mail or relative addresses, ids only as
the table of contents makes them. The table of contents and the page title,
which the theme prints without escaping, are sanitized too. Charts (inline SVG
drawn from counts and registry names) are put back after sanitizing, in place
of placeholders no item can forge (pages.Edition.figure).

The internal edition's item pages list each item's similar reports (相似信息,
查重): similarity.py, which keeps them between builds and queries only what
changed (scikit-learn is loaded only then); the public edition has none.

With Pagefind search (the default), every page has the search box in the theme's header (`_theme`:
a theme template of sqmy's, overrides/partials/header.html, in place of mkdocs-material's search plugin's box):
results drop down as one types, Enter opens the search page with the query.

Speed:
- The search index is made by another process while MkDocs renders the pages
  (searchindex.Background): Pagefind runs on the second core.
- sqmy's tables are written as one line of HTML each (templates/macros.j2).
  Python-Markdown passes such a block through as it is, but MkDocs and
  Python-Markdown each read it with Python's HTML parser first, which is most
  of the Markdown time of a large page. The plugin hands Markdown a
  placeholder paragraph instead and puts the line back after rendering, before
  sanitizing: the page is the same, byte for byte (`_Tables`).
- `mkdocs serve` rebuilds everything when a file changes. The plugin stays
  loaded between builds (it has `on_startup`) and, while serving, takes over
  what has not changed (`_Previous`): the items' statuses and entries
  (edition.edition(previous=…)), the rendered Markdown of every page whose
  values are equal (render.Memo), the Git steps while HEAD is the same, and
  the built file of every page outside the menu whose Markdown, MkDocs
  configuration and menu are all what they were (MkDocs would write the same
  file again). The pages that show a changed item (its page, the indexes and
  issues that list it, the home page, statistics) are built as usual, and
  files of pages that are gone are removed. The search index is rebuilt in
  the background and replaces the previous one when it is done.
- Python's cycle collector is held back during a build (`_Collector`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import logging
import os
import posixpath
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.runtime import Context
from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

from .. import overview as overview_mod
from .. import tools
from ..dates import today
from ..docx.plan import OUTPUT, documents_of
from ..errors import SqmyError
from ..fsutil import write_bytes, write_text
from ..history import Step, timelines
from ..items import Item
from ..load import load_all
from ..paths import Repo, find_repo
from ..registry import Registry
from ..validate import SOFT_RULES
from . import pages, render, searchindex
from .clean import ID as _ID
from .clean import page as page_html
from .clean import sanitize, text_only  # noqa: F401 - sanitize: the allowlist, where tests have found it
from .edition import AUDIENCES, INTERNAL, POLICIES, SimilarShown

if TYPE_CHECKING:
    from . import similarity

log = logging.getLogger("mkdocs.plugins.sqmy")

def safe_toc(links: list[AnchorLink]) -> list[AnchorLink]:
    """The table of contents with titles as text and only anchors the page keeps (others give way to their children)."""
    kept: list[AnchorLink] = []
    for link in links:
        children = safe_toc(link.children)
        title = text_only(link.title.replace(pages.LT, "&lt;"))
        if not title or not _ID.fullmatch(link.id):
            kept += children
            continue
        link.title, link.children = title, children
        kept.append(link)
    return kept


# --- sqmy's one-line tables, past Markdown ------------------------------------------------------------

# a table as templates/macros.j2 writes it: one line, no id or name (MkDocs would collect those as anchors), nothing
# Markdown could read into it (no "<" of an item body: those are LT; no control character, which Markdown would
# take as a line break or its own marker); with an empty line (or the page's edge) on either side
_TABLE = re.compile(r"<table><thead><tr><th>[^\x00-\x1f\x7f\ue000]*</table>")
_ANCHORLIKE = re.compile(r"\s(?:id|name|markdown)\s*=", re.IGNORECASE)


class _Tables:
    """The one-line HTML tables of a page's Markdown, set aside while Markdown renders the page (see the module's description).

    Each becomes a paragraph of a placeholder (letters and digits, with a nonce no page can know), which Python-Markdown
    renders as <p>placeholder</p>, exactly where it would have passed the raw block through. `restore` puts the lines
    back; if a placeholder is not found as such a paragraph (Markdown read it in some other context), it says so, and
    the page is rendered again from its own Markdown."""

    def __init__(self, markdown: str, nonce: str) -> None:
        self.original = markdown
        self.lines: dict[str, str] = {}
        lines = markdown.split("\n")
        for n, line in enumerate(lines):
            if (line.startswith("<table>") and _TABLE.fullmatch(line) and not _ANCHORLIKE.search(line)
                    and (n == 0 or lines[n - 1] == "") and (n + 1 == len(lines) or lines[n + 1] == "")):
                key = f"SQMYTABLE{nonce}N{len(self.lines)}"
                self.lines[key] = line
                lines[n] = key
        self.markdown = "\n".join(lines) if self.lines else markdown

    def restore(self, html: str) -> str | None:
        """`html` with the tables back; None when a placeholder is not where a raw block would have been.

        Python-Markdown puts a raw block followed by a blank line back with that line's break, and strips the
        page at the end (a table last on the page keeps no break): so here too."""
        for key, line in self.lines.items():
            paragraph = f"<p>{key}</p>"
            if html.count(paragraph) != 1 or html.count(key) != 1:
                return None
            html = html.replace(paragraph, line + "\n")
        return html.strip()


# --- what a later build may take over (mkdocs serve) ------------------------------------------------------------


@dataclass
class _Built:
    """What MkDocs took from a page's rendering, for a page whose built file is kept."""

    title_from_render: str | None
    title: str  # the sanitized title the plugin put in page.meta
    anchors: set[str] | None


@dataclass
class _Previous:
    """The last build that finished, while serving: what the next build may take over."""

    key: tuple[Any, ...]  # the office, edition and search option it was made for
    config_key: str  # the MkDocs configuration (_config_key)
    nav_key: tuple[Any, ...]  # the menu, as built (_nav_key)
    edition: pages.Edition
    history: tuple[str | None, dict[str, list[Step]]]  # (HEAD, its timelines)
    markdown: dict[str, str]  # every generated page's Markdown
    built: dict[str, _Built]  # the pages outside the menu, as rendered
    dests: set[str]  # every file MkDocs wrote or copied
    pages_key: str  # the documentation pages there were (a Markdown link resolves against them)


@dataclass
class _Search:
    """The search index being made in the background while serving, and what it is made of."""

    job: searchindex.Background
    records: list[searchindex.Record]
    thread: threading.Thread | None = None
    started: float = field(default_factory=time.monotonic)


def _config_key(config: MkDocsConfig) -> str:
    """Everything of the MkDocs configuration a built page may depend on (with the theme's own templates, if any)."""
    parts = [repr((k, config[k])) for k in sorted(config.keys()) if k not in ("plugins", "hooks", "watch", "site_dir", "dev_addr")]
    path = Path(config.config_file_path) if config.config_file_path else None
    if path is not None and path.is_file():
        parts.append(path.read_bytes().hex())
    installed = {str(Path(p).resolve()) for p in (config.theme.dirs or [])[-2:]}  # the theme's package and MkDocs' own
    for folder in config.theme.dirs or []:
        if str(Path(folder).resolve()) not in installed:  # custom_dir: the office's own theme templates
            parts += sorted(f"{f}:{f.stat().st_mtime_ns}:{f.stat().st_size}" for f in Path(folder).rglob("*") if f.is_file())
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _nav_key(items: Any) -> tuple[Any, ...]:
    """The menu as every page prints it: titles, addresses and nesting."""
    return tuple((type(i).__name__, i.title, getattr(i, "url", None), _nav_key(i.children) if getattr(i, "children", None) else None)
                 for i in items)


def _head(repo: Repo) -> str | None:
    try:
        return tools.run("git", ["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=repo.root).decode().strip() or None
    except SqmyError:
        return None


class _Collector:
    """Python's cycle collector, held back while MkDocs renders the pages.

    A build keeps what on_config made (items, entries, every page's Markdown) to the end, and MkDocs makes some
    objects for every page: the collector would go through all of them again and again (seconds at 10,000
    items). So what exists once on_config is done, and again once the pages are rendered (on_env), is frozen
    (gc.freeze: left out of collections, still freed when no longer used) until the build ends. A build while
    serving that takes over the previous one makes few objects: the collector waits until it is done, and then
    collects as usual."""

    def __init__(self) -> None:
        self._held: str | None = None

    def hold(self, *, incremental: bool) -> None:
        self.release()  # (a build that turned out to take over nothing is frozen instead)
        if incremental and gc.isenabled():
            gc.disable()
            self._held = "disabled"
        elif not incremental:
            gc.freeze()
            self._held = "frozen"

    def settle(self) -> None:
        if self._held == "frozen":
            gc.freeze()

    def release(self) -> None:
        held, self._held = self._held, None
        if held == "disabled":
            gc.enable()
        elif held == "frozen":
            gc.unfreeze()


class _Menus:
    """mkdocs-material's menu and tabs (partials/nav.html, partials/tabs.html) for the pages outside the menu.

    The theme renders the whole menu into every page: for 10,000 item pages, most of the theme's time. A page
    outside the menu is not the current page of any entry in it, so the menu it prints depends only on what
    every page shares (the menu, the configuration) and on the links from the page to the menu's pages, which
    are the same for all pages in the same folder (items/2025/…/), unless a menu page lies inside the page's
    own folder. So the menu is rendered once for such a page and reused for the others in its folder with the
    same menu and configuration. As a check, the second page of each folder is rendered in full as well, and
    if it differs (a theme that prints something else of the page there), that folder is never reused. Pages in
    the menu are always rendered in full."""

    NAMES = ("partials/nav.html", "partials/tabs.html")

    def __init__(self, env: jinja2.Environment, nav: Navigation) -> None:
        self.in_nav = {p.file.src_uri for p in nav.pages}
        self.nav_urls = [p.url for p in nav.pages]
        for name in self.NAMES:
            try:
                template = env.get_template(name)
            except jinja2.TemplateNotFound:
                continue
            template.root_render_func = self._reusing(template.root_render_func)

    def _reusing(self, render: Callable[[Context], Iterator[str]]) -> Callable[[Context], Iterator[str]]:
        made: dict[tuple[Any, ...], str | None] = {}  # None: not to be reused
        checked: set[tuple[Any, ...]] = set()

        def reuse(context: Context) -> Iterator[str]:
            page = context.get("page")
            if (not isinstance(page, Page) or page.file.src_uri in self.in_nav or page.active is not True or not page.url
                    or any(url.startswith(page.url) for url in self.nav_urls)):
                yield from render(context)
                return
            key = (posixpath.dirname(page.url.rstrip("/")), id(context.get("nav")), id(context.get("config")))
            text = made.get(key, "")
            if text and key in checked:
                yield text
                return
            fresh = "".join(render(context))
            if key not in made:
                made[key] = fresh
            elif text is not None and key not in checked:
                checked.add(key)
                if fresh != text:
                    made[key] = None
            yield fresh

        return reuse


# --- the theme: the header's search box, the archive's style ------------------------------------------------

SEARCH_SCRIPT = "assets/sqmy-search.js"  # the search page's and the header box's (assets/search.js)
STYLE = "assets/sqmy.css"  # the archive's own style (assets/site.css): the header on a phone, the search box and page
OVERRIDES = Path(__file__).parent / "overrides"  # theme templates: the header with sqmy's search box


def _theme(config: MkDocsConfig, *, search: bool) -> None:
    """mkdocs-material as the archive needs it: sqmy's style on every page and, with Pagefind search, the search box
    in the header of every page (mkdocs-material's own box comes with its lunr search plugin, which sqmy's search
    replaces): sqmy's theme templates go before the theme's own, after an office's custom_dir (whose templates
    still win), and every page loads the search script, which starts Pagefind only when the box is used (the
    search page: when it is idle)."""
    if config.theme.name != "material":
        return
    if STYLE not in config.extra_css:
        config.extra_css.append(STYLE)
    if not search:
        return
    dirs = config.theme.dirs
    folder = str(OVERRIDES)
    if folder not in dirs:
        dirs.insert(1 if config.theme.custom_dir else 0, folder)
    if SEARCH_SCRIPT not in [str(script) for script in config.extra_javascript]:
        config.extra_javascript.append(SEARCH_SCRIPT)


class _Kept(Page):
    """A page whose file from the previous build stays (see the module's description): not rendered again.

    Its Markdown, the configuration and the menu were all equal in the previous build; it is taken out of the
    build before MkDocs writes pages (`on_env`). Should the menu turn out to differ, it is rendered after all."""

    built: _Built

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content = ""
        self.toc = TableOfContents([])
        self._title_from_render = self.built.title_from_render
        self.present_anchor_ids = self.built.anchors
        self.links_to_anchors = {}


class _Options(Config):  # type: ignore[no-untyped-call]
    audience = config_options.Choice(AUDIENCES, default=INTERNAL)
    # pagefind: an index in chunks, fetched as a query needs it (fast at 10,000 items);
    # none: leave search to another plugin (e.g. mkdocs-material's `search`)
    search = config_options.Choice(("pagefind", "none"), default="pagefind")
    # items one Pagefind run indexes (its memory grows with them); more are indexed in parts the search page merges
    search_part = config_options.Type(int, default=searchindex.PART)


class SqmyPlugin(BasePlugin[_Options]):  # type: ignore[no-untyped-call]
    edition: pages.Edition
    pages: dict[str, str]
    sanitized: set[str]  # the pages sanitized after rendering (see the module's description)
    # the office repository when the caller already knows it (`sqmy build`: its --root and --rules-from);
    # otherwise the one holding mkdocs.yml. Good for one build: MkDocs keeps this plugin between builds.
    repo: Repo | None = None
    command: str | None = None  # what MkDocs runs ("serve": keep what the next build may take over)
    similar_lists: similarity.Lists | None = None  # the last internal build's similarity.Lists (how many reports it queried: tests, benchmarks)

    def __init__(self) -> None:
        self._previous: _Previous | None = None
        self._memo = render.Memo()
        self._search: _Search | None = None  # the index being made in the background
        self._index_records: list[searchindex.Record] | None = None  # what the site's index is (or will be) made of, while serving
        self._search_lock = threading.Lock()  # the site's files, between a build and the index coming in
        self._tables: dict[str, _Tables] = {}
        self._built: dict[str, _Built] = {}
        self._kept: dict[str, _Built] = {}  # pages whose previous file may stay
        self._all_pages: list[File] | None = None
        self._collector = _Collector()
        self._sites: str | None = None  # search/sites.json: other archives searched with this one
        self._feed: tuple[bytes, bytes] | None = None  # feed/updates.json and its signature, for the internal edition

    @property
    def serving(self) -> bool:
        return self.command == "serve"

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command

    def on_shutdown(self) -> None:
        self._replace_search(None)
        self.command, self._previous, self._index_records = None, None, None

    # --- the pages --------------------------------------------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if self.serving and self._previous is not None:
            self._collector.hold(incremental=True)  # at once: loading the items makes many objects too
        if self.config.search_part < 1:
            raise PluginError(f"mkdocs.yml 中 sqmy 插件的 search_part（每次建立搜索索引的信息数）应为正整数，而不是 {self.config.search_part}")
        audience = self.config.audience
        shows = POLICIES[audience]
        self.similar_lists = None
        try:
            repo = self.repo or find_repo(Path(config.config_file_path).parent)
            day = today()
            loaded = load_all(repo, day)
        except SqmyError as exc:
            raise PluginError(exc.message) from None
        key = (repo.root, repo.rules_root, audience, self.config.search, config.config_file_path)
        previous = self._previous if self.serving and self._previous is not None and self._previous.key == key else None
        self._previous = None  # taken over by this build, or by none
        broken = {f.path for f in loaded.findings if f.severity == "error" and f.rule not in SOFT_RULES}
        if broken:
            log.warning("%d 个文件有错误，未收入归档；运行 sqmy validate 查看详情", len(broken))
        doubtful = {f.path for f in loaded.findings if f.rule in SOFT_RULES} - broken
        if doubtful:
            log.warning("%d 条信息审定后改动或期号重号：内部版按实际状态显示，公开版不收录审定后改动的信息；运行 sqmy validate 查看详情", len(doubtful))
        head = _head(repo) if shows.git_trail else None
        if not shows.git_trail:
            history: dict[str, list[Step]] = {}  # read from Git only for an edition that shows it
        elif previous is not None and previous.history[0] == head:
            history = previous.history[1]  # the same HEAD: the same steps
        else:
            history = timelines(repo)
        self._history = (head, history)
        self.documents: dict[str, Path] = {}
        links: dict[str, list[tuple[str, str]]] = {}
        if shows.documents:  # the Word files `sqmy docx all` made, copied into the site and linked
            found = documents_of(repo, loaded.items, loaded.registry.office.journal_title)
            for item_id, docs in found.items():
                for label, relative in docs:
                    site_path = f"docx/{relative.as_posix()}"
                    self.documents[site_path] = repo.root / OUTPUT / relative
                    links.setdefault(item_id, []).append((label, site_path))
        templates = repo.rules_root / render.OFFICE  # the office's own page templates, from its trusted rules
        memo = None
        if self.serving:
            if previous is None:
                self._memo = render.Memo()
            memo = self._memo
            memo.start(templates)
        similar = self._similar(repo, loaded.registry, loaded.items, day) if shows.similar else None
        self.edition = pages.edition(loaded.registry, loaded.items, audience, day, history, links, templates,
                                     previous=previous.edition if previous is not None else None, memo=memo, similar=similar)
        try:
            self.pages = pages.pages(self.edition)
            counties = self._overview(repo, loaded.registry, audience)
            if counties is not None:
                self.pages.update(pages.page_overview(self.edition, counties))
            self.sanitized = set(self.pages)  # the search page (below) is sqmy's own, without item text
            if self.config.search == "pagefind":
                self.pages["search.md"] = pages.search_page(self.edition)
        except SqmyError as exc:
            raise PluginError(exc.message) from None
        self._sites = searchindex.sites(loaded.registry) if self.config.search == "pagefind" else None
        self._feed = self._published_feed(repo, loaded.registry, loaded.items, day) if audience == INTERNAL else None
        office = loaded.registry.office
        config.site_name = escape(f"{office.short_name}社情民意信息{shows.label}")  # the theme prints it as HTML
        # the footer: the office's words in Chinese, instead of the theme's English credit (unless mkdocs.yml says otherwise)
        if not config.copyright:
            config.copyright = escape(f"{office.name} · 社情民意信息存档" + (shows.label or "（内部资料 注意保存）"))
        if "generator" not in config.extra:
            config.extra["generator"] = False
        _theme(config, search=self.config.search == "pagefind")
        if not config.nav:
            extra = [{"晾晒比拼": "rankings.md"}] if shows.rankings else []
            config.nav = pages.nav(overview=pages.OVERVIEW in self.pages) + extra + ([{"搜索": "search.md"}] if self.config.search == "pagefind" else [])
        self._key, self._config_key = key, _config_key(config) if self.serving else ""
        if previous is not None and previous.config_key != self._config_key:
            previous = None  # another configuration: every page is built again
        self._carried = previous
        self._tables, self._built, self._kept, self._all_pages = {}, {}, {}, None
        if previous is None:  # nothing is taken over: no index in the making either
            self._replace_search(None)
            self._index_records = None
        if self.config.search == "pagefind":
            self._start_search(list(pages.search_records(self.edition)), previous)
        if previous is None:
            self._collector.hold(incremental=False)
        return config

    @staticmethod
    def _published_feed(repo: Repo, reg: Registry, items: list[Item], day: dt.date) -> tuple[bytes, bytes] | None:
        """The office's signed update feed (feed/), for the internal edition's feed/ (never the public one: it has
        leaders' 批示 and the counties' report numbers)."""
        from .. import feed  # noqa: PLC0415 - only offices in a network publish one

        try:
            got = feed.published(repo, reg, items, day)
        except SqmyError as exc:
            log.warning("更新动态 feed/ 未发布：%s", exc.message)
            return None
        if got is None:
            return None
        data, signature, missing = got
        if missing:
            log.warning("更新动态 feed/%s 缺少 %d 条办理情况：请运行 sqmy feed --key 私钥 并提交", feed.FILE, missing)
        return data, signature

    def _overview(self, repo: Repo, reg: Registry, audience: str) -> overview_mod.Overview | None:
        """各县汇总: the overview of the counties' exports in exports/ that the edition counts (its Policy.exports:
        the public edition only public exports), if there is at least one; exports that fail their checks are left out, said."""
        folder = repo.root / overview_mod.EXPORTS
        if not folder.exists() and not folder.is_symlink():
            return None
        found = overview_mod.find(folder, reg.network, overview_mod.EXPORTS)
        for problem in found.problems:
            log.warning("sqmy：%s", problem.message)
        result = overview_mod.compute(found.only(POLICIES[audience].exports))
        return result if result.counties else None

    def _similar(self, repo: Repo, reg: Registry, items: list[Item], day: dt.date) -> dict[str, tuple[SimilarShown, ...]]:
        """Each item's similar reports (相似信息, internal edition only), queried only where something changed (similarity.py)."""
        from . import similarity  # noqa: PLC0415 - only the internal edition shows them

        started = time.monotonic()
        found = similarity.lists(repo, reg, items, day)
        self.similar_lists = found
        log.info("sqmy：相似信息：查询 %d 篇，%d 篇取自缓存（用时 %.1f 秒）", found.queried, found.kept, time.monotonic() - started)
        return similarity.shown(found, reg, items, day)

    def _start_search(self, records: list[searchindex.Record], previous: _Previous | None) -> None:
        """Index `records` in the background. While serving, the index in the site (or the one in the making)
        stays when it is made of the same records and the site's files are taken over."""
        if previous is not None and self._index_records == records:
            return
        try:
            search = _Search(searchindex.Background(records, self.config.search_part), records)
        except OSError as exc:
            raise PluginError(f"无法建立搜索索引：{exc}") from None
        self._replace_search(search)
        self._index_records = records if self.serving else None

    def wait_for_search(self) -> None:
        """While serving, wait until the index in the making (if any) is in the site (for tests and scripts)."""
        search = self._search
        if search is not None and search.thread is not None:
            search.thread.join()

    def _replace_search(self, search: _Search | None) -> None:
        """`search` becomes the index in the making; the one before is stopped."""
        with self._search_lock:
            old, self._search = self._search, search
        if old is not None:
            old.job.cancel()
            if old.thread is not None:
                old.thread.join()

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any, **_: Any) -> Any:
        """`mkdocs serve` rebuilds when an item or the registry changes, not only the docs folder."""
        root = Path(config.config_file_path).parent
        for folder in ("items", "units", str(overview_mod.EXPORTS)):
            if (root / folder).is_dir():
                server.watch(str(root / folder))
        return server

    def on_pre_build(self, config: MkDocsConfig, **_: Any) -> None:
        """While serving, set the previous build's files aside, where MkDocs' cleaning leaves them (a hidden folder)."""
        if not self.serving:
            return
        site = Path(config.site_dir)
        aside = site / _ASIDE
        with self._search_lock:
            if aside.exists():
                shutil.rmtree(aside)  # from a build that failed
            if self._carried is None or not site.is_dir():
                return
            aside.mkdir()
            for entry in os.scandir(site):
                if not entry.name.startswith("."):
                    os.rename(entry.path, aside / entry.name)

    def on_files(self, files: Files, config: MkDocsConfig, **_: Any) -> Files:
        for template in [f for f in files if f.src_uri.endswith(".j2")]:  # the office's page templates are not pages
            files.remove(template)
        for path, content in self.pages.items():
            files.append(File.generated(config, path, content=content))
        assets = resources.files("sqmy.site").joinpath("assets")
        if STYLE in config.extra_css:
            files.append(File.generated(config, STYLE, content=assets.joinpath("site.css").read_text("utf-8")))
        if self.config.search == "pagefind":
            files.append(File.generated(config, SEARCH_SCRIPT, content=assets.joinpath("search.js").read_text("utf-8")))
        for path, source in self.documents.items():
            files.append(File.generated(config, path, abs_src_path=str(source)))
        if self.serving:
            self._dests = {f.abs_dest_path for f in files}
            self._pages_key = hashlib.sha256("\n".join(sorted(f.src_uri for f in files.documentation_pages())).encode()).hexdigest()
            self._take_over(Path(config.site_dir))
        return files

    def _take_over(self, site: Path) -> None:
        """Put the previous build's files back (MkDocs writes over what it builds) and note the pages that may stay."""
        previous = self._carried
        aside = site / _ASIDE
        if previous is None or not aside.is_dir():
            return
        with self._search_lock:
            for entry in os.scandir(aside):
                os.rename(entry.path, site / entry.name)
            aside.rmdir()
        for gone in previous.dests - self._dests:  # files of pages (and copies) this build does not make
            path = Path(gone)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            with contextlib.suppress(OSError):  # and the folders that held nothing else
                for parent in path.parents:
                    if parent == site:
                        break
                    parent.rmdir()
        for src, markdown in self.pages.items():
            built = previous.built.get(src)
            if built is None or previous.markdown.get(src) != markdown:
                continue
            if ".md" in markdown and previous.pages_key != self._pages_key:
                continue  # it may link to a page by its Markdown file, which MkDocs resolves against the pages there are
            self._kept[src] = built

    def on_nav(self, nav: Navigation, config: MkDocsConfig, files: Files, **_: Any) -> Navigation:
        self._nav = nav
        self._in_nav = {p.file.src_uri for p in nav.pages}
        return nav

    def on_pre_page(self, page: Page, config: MkDocsConfig, files: Files, **_: Any) -> Page:
        built = self._kept.get(page.file.src_uri)
        if built is None or page.file.src_uri in self._in_nav:  # a page in the menu prints itself as the current one
            self._kept.pop(page.file.src_uri, None)
            return page
        page.__class__ = _Kept  # the page MkDocs made, rendered no more (a new Page would cost as much again)
        assert isinstance(page, _Kept)
        page.built = built
        return page

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files, **_: Any) -> str:
        if page.file.src_uri not in self.sanitized or isinstance(page, _Kept):
            return markdown
        tables = _Tables(markdown, self.edition.nonce)
        if tables.lines:
            self._tables[page.file.src_uri] = tables
        return tables.markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files, **_: Any) -> str:
        src = page.file.src_uri
        if src not in self.sanitized:
            return html
        if isinstance(page, _Kept):
            page.meta["title"] = page.built.title
            return html
        tables = self._tables.pop(src, None)
        if tables is not None:
            restored = tables.restore(html)
            if restored is None:  # Markdown read a table in some other context: the page as Markdown renders it
                page.markdown = tables.original
                page.render(config, files)
                assert page.content is not None
                restored = page.content
            html = restored
        clean = page_html(html, self.edition.figures)
        page.toc = TableOfContents(safe_toc(list(page.toc)))
        # the theme prints the title unescaped (and base.html un-escapes it with striptags): text, escaped, in meta
        page.meta["title"] = text_only((page.title or "").replace(pages.LT, "&lt;"))
        if self.serving and src not in self._in_nav:
            self._built[src] = _Built(page._title_from_render, page.meta["title"], page.present_anchor_ids)
        return clean

    def on_env(self, env: Any, config: MkDocsConfig, files: Files, **_: Any) -> Any:
        """While serving: the pages whose previous file stays are taken out of the build, if the menu is what it was."""
        self._collector.settle()
        _Menus(env, self._nav)
        if not self.serving:
            return env
        kept = [f for f in files.documentation_pages() if isinstance(f.page, _Kept)]
        previous = self._carried
        self._nav_key_now = _nav_key(self._nav)
        if not kept:
            return env
        if previous is not None and previous.nav_key == self._nav_key_now:
            self._all_pages = list(files.documentation_pages())  # for the sitemap, which lists them all
            for f in kept:
                files.remove(f)
            log.info("sqmy：重新生成 %d 页，沿用上次生成的 %d 页", len(self._all_pages) - len(kept), len(kept))
            return env
        self._kept = {}
        for f in kept:  # the menu changed: every page prints it, so these are rendered after all, as MkDocs does
            page = config.plugins.on_pre_page(Page(None, f, config), config=config, files=files)
            page.read_source(config)
            assert page.markdown is not None
            page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
            page.render(config, files)
            assert page.content is not None
            page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)
        return env

    def on_template_context(self, context: Any, template_name: str, config: MkDocsConfig, **_: Any) -> Any:
        if template_name == "sitemap.xml" and self._all_pages is not None:
            context["pages"] = self._all_pages  # with the pages whose files stay
        return context

    # --- after the pages ------------------------------------------------------------------------------------

    def on_post_build(self, config: MkDocsConfig, **_: Any) -> None:
        site = Path(config.site_dir)
        write_text(site / "items.json", pages.items_json(self.edition))
        if self._sites is not None:
            write_text(site / searchindex.SITES_FILE, self._sites)
        if self._feed is not None:
            write_bytes(site / "feed" / "updates.json", self._feed[0])
            write_bytes(site / "feed" / "updates.json.sig", self._feed[1])
        self._collector.release()
        self.repo = None  # `sqmy build` says it again for its next build
        if not self.serving:
            self._finish_search(site)
            return
        kept = {src: built for src, built in self._kept.items() if src not in self._built}
        first = self._carried is None
        self._previous = _Previous(self._key, self._config_key, self._nav_key_now, self.edition, self._history, self.pages,
                                   {**kept, **self._built}, self._dests, self._pages_key)
        self._carried = None
        if first:  # the first build of a serve (or of a new configuration): its index is waited for, as a build's
            self._finish_search(site)
        else:
            self._finish_search_later(site)

    def _finish_search(self, site: Path) -> None:
        with self._search_lock:
            search, self._search = self._search, None
        if search is None:
            return
        try:
            search.job.finish(site)
        except SqmyError as exc:
            self._index_records = None
            raise PluginError(exc.message) from None

    def _finish_search_later(self, site: Path) -> None:
        """While serving: the index replaces the previous one when it is done; the pages are served meanwhile."""
        search = self._search
        if search is None or search.thread is not None:
            return

        def wait() -> None:
            search.job.wait()
            with self._search_lock:
                if self._search is not search:
                    return  # stopped: a newer build makes its own
                self._search = None
                try:
                    search.job.finish(site)
                except SqmyError as exc:
                    self._index_records = None
                    log.error("搜索索引未更新：%s", exc.message)
                    return
            log.info("sqmy：搜索索引已更新（%d 条信息，用时 %.1f 秒）", len(search.records), time.monotonic() - search.started)

        search.thread = threading.Thread(target=wait, name="sqmy-search", daemon=True)
        search.thread.start()

    def on_build_error(self, error: Exception, **_: Any) -> None:
        self._collector.release()
        self.repo, self._previous, self._carried, self._index_records = None, None, None, None
        self._replace_search(None)


_ASIDE = ".sqmy-previous"  # the previous build's files while MkDocs cleans the site (hidden: MkDocs leaves it)
