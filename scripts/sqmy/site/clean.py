"""What a generated page may hold once rendered: sqmy's allowlist (nh3, ammonia), without MkDocs.

Every page pages.py makes is sanitized with it after Markdown has rendered it (plugin.py, and the tests'
rendering of golden pages): no script, style, frame, object, image or event handler, no link but to web, mail
or relative addresses, ids only as the table of contents makes them. Then the charts (inline SVG and the
quotas' progress bars, drawn from counts and registry names) are put back in place of their placeholders,
which no item can forge (edition.Edition.figure).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import nh3

from .markup import LT

# an id as Python-Markdown's toc makes them (ASCII); not the theme's own (__drawer, __search, …)
ID = re.compile(r"(?!__)[A-Za-z0-9_-]{1,100}")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_ADMONITIONS = {"admonition", "note", "abstract", "info", "tip", "success", "question", "warning", "failure", "danger", "bug", "example", "quote"}


def _attribute(tag: str, name: str, value: str) -> str | None:
    if name == "id":
        return value if ID.fullmatch(value) else None
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


def page(html: str, figures: Mapping[str, str]) -> str:
    """A generated page's HTML as Markdown rendered it, as the site shows it: a body's "<" (LT) as text,
    sanitized, then its charts put back."""
    clean = sanitize(html.replace(LT, "&lt;"))
    if "SQMYFIGURE" in clean:
        for placeholder, svg in figures.items():
            clean = clean.replace(placeholder, svg)
    return clean
