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
"""

from __future__ import annotations

import logging
import re
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

import nh3
from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

from ..dates import today
from ..docx.plan import OUTPUT, documents_of
from ..errors import SqmyError
from ..fsutil import write_text
from ..history import timelines
from ..load import load_all
from ..paths import Repo, find_repo
from ..validate import SOFT_RULES
from . import pages, render, searchindex
from .edition import AUDIENCES, INTERNAL, POLICIES

log = logging.getLogger("mkdocs.plugins.sqmy")

# an id as Python-Markdown's toc makes them (ASCII); not the theme's own (__drawer, __search, …)
_ID = re.compile(r"(?!__)[A-Za-z0-9_-]{1,100}")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_ADMONITIONS = {"admonition", "note", "abstract", "info", "tip", "success", "question", "warning", "failure", "danger", "bug", "example", "quote"}


def _attribute(tag: str, name: str, value: str) -> str | None:
    if name == "id":
        return value if _ID.fullmatch(value) else None
    return value


# what the generated pages are made of: Python-Markdown's output for the Markdown sqmy and items write, and sqmy's tables
CLEANER = nh3.Cleaner(
    tags={"p", "br", "hr", *_HEADINGS, "a", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "code", "pre",
          "strong", "em", "b", "i", "blockquote", "div", "sup", "sub", "del"},
    clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math", "textarea",
                        "select", "frame", "frameset", "noframes", "noembed", "applet", "title", "xmp"},
    attributes={"a": {"href", "title", "download"}, **{h: {"id"} for h in _HEADINGS}, "ol": {"start"}, "th": {"style"}, "td": {"style"}},
    attribute_filter=_attribute,
    url_schemes={"http", "https", "mailto"},
    allowed_classes={"div": _ADMONITIONS, "p": {"admonition-title"}},
    filter_style_properties={"text-align"},  # Python-Markdown's table alignment
    strip_comments=True,
)


def sanitize(html: str) -> str:
    """A rendered page with nothing live left but sqmy's allowlist."""
    return CLEANER.clean(html)


def text_only(html: str) -> str:
    """HTML reduced to its text, still escaped: what the theme may print as it is."""
    return nh3.clean(html, tags=set()).strip()


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


class _Options(Config):  # type: ignore[no-untyped-call]
    audience = config_options.Choice(AUDIENCES, default=INTERNAL)
    # pagefind: an index in chunks, fetched as a query needs it (fast at 10,000 items);
    # none: leave search to another plugin (e.g. mkdocs-material's `search`)
    search = config_options.Choice(("pagefind", "none"), default="pagefind")


class SqmyPlugin(BasePlugin[_Options]):  # type: ignore[no-untyped-call]
    edition: pages.Edition
    pages: dict[str, str]
    sanitized: set[str]  # the pages sanitized after rendering (see the module's description)
    # the office repository when the caller already knows it (`sqmy build`: its --root and --rules-from);
    # otherwise the one holding mkdocs.yml
    repo: Repo | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        audience = self.config.audience
        shows = POLICIES[audience]
        try:
            repo = self.repo or find_repo(Path(config.config_file_path).parent)
            day = today()
            loaded = load_all(repo, day)
        except SqmyError as exc:
            raise PluginError(exc.message) from None
        broken = {f.path for f in loaded.findings if f.severity == "error" and f.rule not in SOFT_RULES}
        if broken:
            log.warning("%d 个文件有错误，未收入归档；运行 sqmy validate 查看详情", len(broken))
        doubtful = {f.path for f in loaded.findings if f.rule in SOFT_RULES} - broken
        if doubtful:
            log.warning("%d 条信息审定后改动或期号重号：内部版按实际状态显示，公开版不收录审定后改动的信息；运行 sqmy validate 查看详情", len(doubtful))
        history = timelines(repo) if shows.git_trail else {}  # read from Git only for an edition that shows it
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
        self.edition = pages.edition(loaded.registry, loaded.items, audience, day, history, links, templates)
        try:
            self.pages = pages.pages(self.edition)
            self.sanitized = set(self.pages)  # the search page (below) is sqmy's own, without item text
            if self.config.search == "pagefind":
                self.pages["search.md"] = pages.search_page(self.edition)
        except SqmyError as exc:
            raise PluginError(exc.message) from None
        office = loaded.registry.office
        config.site_name = escape(f"{office.short_name}社情民意信息{shows.label}")  # the theme prints it as HTML
        if not config.nav:
            extra = [{"晾晒比拼": "rankings.md"}] if shows.rankings else []
            config.nav = pages.NAV + extra + ([{"搜索": "search.md"}] if self.config.search == "pagefind" else [])
        return config

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any, **_: Any) -> Any:
        """`mkdocs serve` rebuilds when an item or the registry changes, not only the docs folder."""
        root = Path(config.config_file_path).parent
        for folder in ("items", "units"):
            if (root / folder).is_dir():
                server.watch(str(root / folder))
        return server

    def on_files(self, files: Files, config: MkDocsConfig, **_: Any) -> Files:
        for template in [f for f in files if f.src_uri.endswith(".j2")]:  # the office's page templates are not pages
            files.remove(template)
        for path, content in self.pages.items():
            files.append(File.generated(config, path, content=content))
        if self.config.search == "pagefind":
            script = resources.files("sqmy.site").joinpath("assets", "search.js").read_text("utf-8")
            files.append(File.generated(config, "assets/sqmy-search.js", content=script))
        for path, source in self.documents.items():
            files.append(File.generated(config, path, abs_src_path=str(source)))
        return files

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files, **_: Any) -> str:
        if page.file.src_uri not in self.sanitized:
            return html
        clean = sanitize(html.replace(pages.LT, "&lt;"))
        if "SQMYFIGURE" in clean:
            for placeholder, svg in self.edition.figures.items():
                clean = clean.replace(placeholder, svg)
        page.toc = TableOfContents(safe_toc(list(page.toc)))
        # the theme prints the title unescaped (and base.html un-escapes it with striptags): text, escaped, in meta
        page.meta["title"] = text_only((page.title or "").replace(pages.LT, "&lt;"))
        return clean

    def on_post_build(self, config: MkDocsConfig, **_: Any) -> None:
        write_text(Path(config.site_dir) / "items.json", pages.items_json(self.edition))
        if self.config.search == "pagefind":
            try:
                searchindex.build(pages.search_documents(self.edition), Path(config.site_dir))
            except SqmyError as exc:
                raise PluginError(exc.message) from None
