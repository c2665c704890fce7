"""A generated page's content rendered as the archive renders it, without MkDocs: for the golden HTML pages.

What MkDocs does with a page's Markdown, done here: Python-Markdown with MkDocs' own extensions (toc, tables,
fenced_code) and those of the office's mkdocs.yml, links to other pages' Markdown files made relative to the
page's address as MkDocs makes them (use_directory_urls); then what the sqmy plugin does after rendering
(sqmy.site.clean.page: sanitized, charts put back). test_properdocs.py checks the result against the content
of the same pages built by MkDocs, so a golden page is what the site shows.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from xml.etree import ElementTree as etree

import markdown
import yaml
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from sqmy.site import clean, markup

from .conftest import REPO

MKDOCS_BUILTINS = ["toc", "tables", "fenced_code"]  # mkdocs.config.defaults: always there


def extensions(config: Path = REPO / "mkdocs.yml") -> list[str]:
    """MkDocs' extensions and those mkdocs.yml names (by name only, as sqmy's mkdocs.yml writes them)."""
    named = yaml.safe_load(config.read_text("utf-8")).get("markdown_extensions") or []
    assert all(isinstance(n, str) for n in named), "extensions with options are not rendered here"
    return list(dict.fromkeys([*MKDOCS_BUILTINS, *named]))


def _parts(path: str) -> list[str]:
    path = posixpath.normpath("/" + path)[1:]
    return path.split("/") if path else []


def relative_url(url: str, other: str) -> str:
    """`url` relative to `other` (mkdocs.utils.get_relative_url)."""
    dirname, _, basename = other.rpartition("/")
    if "." in basename:
        other = dirname
    a, b = _parts(other), _parts(url)
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    rel = "/".join([".."] * (len(a) - common) + b[common:]) or "."
    return rel + "/" if url.endswith("/") else rel


class _Links(Treeprocessor):
    """Links to a page's Markdown file, as the page's address relative to this page's (what MkDocs' _RelativePathTreeprocessor
    does for files that exist: every link sqmy writes is to a page it makes)."""

    def __init__(self, md: markdown.Markdown, page: str) -> None:
        super().__init__(md)
        self.page = page

    def run(self, root: etree.Element) -> None:
        for a in root.iter("a"):
            url = a.get("href") or ""
            scheme, netloc, path, query, anchor = urlsplit(url)
            if scheme or netloc or url.startswith("/") or not path.endswith(".md"):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(self.page), path))
            a.set("href", urlunsplit(("", "", relative_url(markup.page_url(target) or "./", markup.page_url(self.page) or "./"), query, anchor)))


class _LinksExtension(Extension):
    def __init__(self, page: str, **kwargs: Any) -> None:
        self.page = page
        super().__init__(**kwargs)

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_Links(md, self.page), "sqmy_links", 0)


def render(text: str, page: str, figures: Mapping[str, str], names: list[str] | None = None) -> str:
    """The content of page `page` (its source path) made from `text` (its Markdown), as the site shows it."""
    md = markdown.Markdown(extensions=[_LinksExtension(page), *(names or extensions())])
    return clean.page(md.convert(text), figures)
