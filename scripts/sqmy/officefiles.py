"""The office's own files besides items and the registry, checked by `sqmy validate` before a command needs them.

mkdocs.yml (sqmy build), the office's overriding templates (templates/item.md.j2, templates/docx/*.md.j2,
templates/site/*.j2: parsed, never rendered) and the Word style definition (templates/docx/styles.yml, the
office's or sqmy's). A problem here is reported with its file and line, as an item's would be.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .errors import SqmyError
from .findings import Finding, error, warning
from .paths import Repo

CONFIG = "mkdocs.yml"
_PLUGIN = re.compile(r"^\s*-\s*sqmy\s*(?::|$)", re.MULTILINE)  # `- sqmy:` (or `- sqmy`) in the plugins list
_MAX_TEMPLATE = 1 << 20


def check(repo: Repo) -> list[Finding]:
    return [*_config(repo), *_templates(repo), *_styles(repo)]


def _config(repo: Repo) -> list[Finding]:
    path = repo.root / CONFIG
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return [warning(CONFIG, 1, "office-file", "缺少 mkdocs.yml：sqmy build 无法生成归档网站（sqmy init 新建的信息库自带一份）")]
    except OSError as exc:
        return [error(CONFIG, 1, "office-file", f"无法读取 mkdocs.yml：{exc.strerror or exc}")]
    if not stat.S_ISREG(mode) or os.path.getsize(path) > _MAX_TEMPLATE:
        return [error(CONFIG, 1, "office-file", "mkdocs.yml 不是普通文件，或大得不像一份网站设置")]
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return [error(CONFIG, 1, "office-file", "mkdocs.yml 无法按 UTF-8 读取；请用 UTF-8 保存")]
    if not _PLUGIN.search(text):
        return [warning(CONFIG, 1, "office-file", "mkdocs.yml 的 plugins 中没有 sqmy：生成的网站不会有信息、统计和搜索页面")]
    return []


def _templates(repo: Repo) -> list[Finding]:
    """Jinja syntax of every template the office overrides (a broken one would fail `new`, `docx` or `build`)."""
    import jinja2  # noqa: PLC0415 - only validate of the whole office parses templates

    env = jinja2.Environment(autoescape=False)
    root = repo.rules_root / "templates"
    found: list[Finding] = []
    for path in sorted(_template_files(root)):
        shown = repo.display(path)
        try:
            source = path.read_text("utf-8")
        except UnicodeDecodeError:
            found.append(error(shown, 1, "template", "模板不是 UTF-8 编码；请用 UTF-8 保存"))
            continue
        except OSError as exc:
            found.append(error(shown, 1, "template", f"无法读取模板：{exc.strerror or exc}"))
            continue
        try:
            env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            found.append(error(shown, exc.lineno or 1, "template", f"模板语法错误：{exc.message}"))
    return found


def _template_files(root: Path) -> list[Path]:
    """Regular *.j2 files under templates/ (links and anything else are not followed)."""
    files = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        for name in names:
            path = Path(folder) / name
            if name.endswith(".j2") and path.is_file() and not path.is_symlink() and path.stat().st_size <= _MAX_TEMPLATE:
                files.append(path)
    return files


def _styles(repo: Repo) -> list[Finding]:
    from .docx import reference  # noqa: PLC0415 - the Word styles, checked as `sqmy docx` reads them

    try:
        reference.load_definition(repo)
    except SqmyError as exc:
        lines = [line for line in exc.message.splitlines()[1:] if line] or [exc.message]
        found = []
        for line in lines:
            match = re.match(r"(.+?):(\d+): 错误：(.*)$", line)
            path, number, message = (match.group(1), int(match.group(2)), match.group(3)) if match else (
                "templates/docx/styles.yml", 1, line)
            found.append(error(path, number, "docx-styles", message))
        return found
    return []
