"""The archive's pages from Jinja templates: the package's own, or the office's in templates/site/.

Every page has a template in sqmy/site/templates/ (item.md.j2, home.md.j2,
rules.md.j2, search.md.j2, …). An office changes a page by putting a file of
the same name into its repository's templates/site/, which is read first. As
for the Word documents (docx/plan.py), that folder is under the repository's
rules root: with --rules-from, the trusted checkout's templates are used, never
those of the branch being built.

Pages are Markdown, so nothing is escaped automatically: templates escape item
text themselves with the filters `md` (a line of Markdown), `md_body` (an item
body) and `html` (HTML, e.g. a table cell). An undefined name is an error, not
an empty string (StrictUndefined). What a template writes is sanitized after
rendering like all generated pages (plugin.py), except the search page, which
is the only one with a script and a style.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ..errors import SqmyError
from . import markup

PACKAGE = Path(__file__).parent / "templates"
OFFICE = Path("templates") / "site"  # an office's own templates, under its rules root


@cache
def environment(office: Path | None) -> jinja2.Environment:
    """The templates of `office` (a folder, may be missing), then the package's; compiled once per build."""
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(office)] if office is not None else []
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([*loaders, jinja2.FileSystemLoader(PACKAGE)]), undefined=jinja2.StrictUndefined,
        autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters.update(md=markup.md_text, md_body=markup.md_body, html=markup.html)
    env.globals.update(href=markup.href, url=markup.item_url, root=markup.root)
    return env


def render(office: Path | None, name: str, /, **values: Any) -> str:
    """Page `name` made from `values`, with the templates of `office` first; a broken template is reported with its file and line."""
    try:
        return environment(office).get_template(name).render(**values)
    except jinja2.TemplateNotFound as exc:
        raise SqmyError(f"找不到网站模板 {exc.name}") from None
    except jinja2.TemplateError as exc:
        raise SqmyError(f"{_where(office, name, exc)}: 错误：网站模板有错误：{exc}") from None


class Memo:
    """Pages rendered before, taken over where a page's template and values are equal to what they were.

    `mkdocs serve` rebuilds the whole archive when one item changes; an edition made with a memo
    (edition.edition(memo=…)) renders only the pages whose values differ, such as the changed item's page
    and the indexes that list it. A page is a function of its template files and its values: the values are
    compared with ==, the templates (the office's and the package's) by name, size and modification time.
    Each `start` begins a new set of pages; only the previous set is kept.
    """

    def __init__(self) -> None:
        self._state: object = None
        self._old: dict[tuple[str, str], tuple[Any, str]] = {}
        self._new: dict[tuple[str, str], tuple[Any, str]] = {}
        self.rendered = self.kept = 0

    def start(self, office: Path | None) -> None:
        state = (office, _templates_state(office), _templates_state(PACKAGE))
        if state != self._state:  # a template added, removed or changed: compiled afresh (one added would not be seen)
            environment.cache_clear()
        self._old = self._new if state == self._state else {}
        self._state, self._new = state, {}
        self.rendered = self.kept = 0

    def render(self, office: Path | None, name: str, values: dict[str, Any]) -> str:
        key = (name, str(values.get("page", "")))
        old = self._old.get(key)
        if old is not None and old[0] == values:
            text = old[1]
            self.kept += 1
        else:
            text = render(office, name, **values)
            self.rendered += 1
        self._new[key] = (values, text)
        return text

    def keep(self, key: tuple[str, str], values: tuple[Any, ...], make: Callable[[], str]) -> str:
        """What `make` makes of `values` (text other than a template's, such as a row of items.json), made again only
        when they differ from the last time under `key`."""
        old = self._old.get(key)
        text = old[1] if old is not None and old[0] == values else make()
        self._new[key] = (values, text)
        return text


def _templates_state(folder: Path | None) -> tuple[tuple[str, int, int], ...]:
    if folder is None or not folder.is_dir():
        return ()
    found = []
    for entry in os.scandir(folder):
        if entry.is_file():
            st = entry.stat()
            found.append((entry.name, st.st_mtime_ns, st.st_size))
    return tuple(sorted(found))


def _where(office: Path | None, name: str, exc: jinja2.TemplateError) -> str:
    """file:line of the error, the file as the office knows it: syntax errors carry both, errors while
    rendering show them in the traceback jinja2 rewrites (a page's error may be in a template it imports)."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if filename is None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
        filename, line = (frames[-1].filename, frames[-1].lineno) if frames else (name, None)
    path = Path(filename)
    shown = (OFFICE / path.name).as_posix() if office is not None and path.parent == office else f"sqmy/site/templates/{path.name}"
    return f"{shown}:{line}" if line else shown
