"""Text into page Markdown and HTML, and links between pages: the helpers every page and template uses.

Item text is only ever shown as text: every title, name and summary put into a
page is escaped (`md_text` in Markdown, `html` in HTML), and a body's `<`
reaches Markdown as LT, which the plugin turns into `&lt;` after rendering, so
no tag in a body is read as HTML (an unclosed one would swallow the rest of the
page). The plugin then sanitizes every rendered page (plugin.py).
"""

from __future__ import annotations

import re
from html import escape

from ..items import Item
from .edition import Entry

LT = "\ue000"  # a body's "<" on its way through Markdown (a private-use character; the plugin writes it as &lt;)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")  # what Python-Markdown (with tables) lets a backslash escape


def md_text(text: object) -> str:
    """Text put into a page's Markdown that must show as itself, on one line: no Markdown, no HTML."""
    one_line = " ".join(str(text).splitlines())
    return _MD_SPECIAL.sub(r"\\\1", escape(one_line, quote=False))


def md_body(body: str) -> str:
    """An item body as page Markdown: Markdown stays Markdown, but no "<" opens an HTML tag or comment."""
    return body.replace(LT, "").replace("<", LT)


def html(text: object) -> str:
    """Text in HTML (a table cell, an attribute): quotes escaped too."""
    return escape(str(text))


def item_url(item: Item | Entry) -> str:
    return f"items/{item.id[:4]}/{item.id}.md"


def page_url(src: str) -> str:
    """Where MkDocs puts the page made from `src` (directory URLs)."""
    if src == "index.md":
        return ""
    return src.removesuffix("index.md") if src.endswith("/index.md") else src.removesuffix(".md") + "/"


def href(page: str, target: str) -> str:
    """A link from page `page` to page `target` (both source paths), as it will work in the built site.

    Every page is a folder, so the way back to the root is one "../" per level:
    no path arithmetic in the loop that writes 10,000 links per index."""
    url = page_url(target)
    if url == page_url(page):
        return "./"
    return "../" * page_url(page).count("/") + url if url else "../" * page_url(page).count("/") or "./"


def root(page: str) -> str:
    """The way from page `page` to the site's root, for files that are not pages (Word documents)."""
    return "../" * page_url(page).count("/")
