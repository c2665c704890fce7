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

import traceback
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
