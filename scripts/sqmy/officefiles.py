"""The office's own files besides items and the registry, checked by `sqmy validate` before a command needs them.

mkdocs.yml (sqmy build), the office's overriding templates (templates/item.md.j2, templates/docx/*.md.j2,
templates/site/*.j2: parsed, never rendered) and the Word style definition (templates/docx/styles.yml, the
office's or sqmy's). A problem here is reported with its file and line, as an item's would be.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import stat
from pathlib import Path

from . import __version__, cache
from .errors import SqmyError
from .findings import Finding, error, warning
from .fsutil import write_text
from .paths import Repo

CONFIG = "mkdocs.yml"
_PLUGIN = re.compile(r"^\s*-\s*sqmy\s*(?::|$)", re.MULTILINE)  # `- sqmy:` (or `- sqmy`) in the plugins list
_MAX_TEMPLATE = 1 << 20


def check(repo: Repo) -> list[Finding]:
    """What is wrong in these files; the last answer is kept in the user's cache folder, keyed by every byte the
    checks read (and the code that made it), so that a `validate` of an unchanged office does not parse them again."""
    key = _key(repo)
    kept = _kept(repo, key)
    if kept is not None:
        return kept
    found = [*_config(repo), *_templates(repo), *_styles(repo)]
    if key is not None and cache.enabled():
        with contextlib.suppress(OSError, RuntimeError):  # nowhere to keep it: checked again next time
            write_text(_file(repo), json.dumps({"key": key, "findings": [dataclasses.asdict(f) for f in found]}, ensure_ascii=False))
    return found


def _key(repo: Repo) -> str | None:
    """A digest of everything the checks read and of how their findings name files; None when a file is unreadable."""
    from . import defaults  # noqa: PLC0415
    from .docx import reference  # noqa: PLC0415

    digest = hashlib.sha256(f"{__version__}|{repo.root}|{repo.rules_root}|{os.getcwd()}".encode())
    try:
        for path in [*_CODE, repo.root / CONFIG, *sorted(_template_files(repo.rules_root / "templates")),
                     defaults.choose(repo.rules_root, reference.DEFINITION).path]:
            digest.update(str(path).encode() + b"\0")
            digest.update(path.read_bytes() if os.path.lexists(path) else b"(absent)")
            digest.update(b"\0")
    except OSError:
        return None
    return digest.hexdigest()


# the code whose findings are kept: a change to any of it checks the files again
_PACKAGE = Path(__file__).parent
_CODE = (Path(__file__), _PACKAGE / "docx" / "reference.py", _PACKAGE / "yamlsrc.py", _PACKAGE / "schema.py", _PACKAGE / "findings.py",
         _PACKAGE / "schemas" / "docx-styles.schema.json")


def _file(repo: Repo) -> Path:
    where = hashlib.sha256(str(repo.root.resolve()).encode()).hexdigest()[:24]
    return cache.user_folder() / "office-files" / f"{where}.json"


def _kept(repo: Repo, key: str | None) -> list[Finding] | None:
    if key is None or not cache.enabled():
        return None
    try:
        path = _file(repo)
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 1 << 20:
            return None
        data = json.loads(path.read_text("utf-8"))
        if data.get("key") != key:
            return None
        return [Finding(**f) for f in data["findings"]]
    except (OSError, ValueError, TypeError, KeyError, RuntimeError):
        return None


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
        return reference.check_definition(repo)[2]
    except SqmyError as exc:  # not readable at all
        return [error(reference.DEFINITION.as_posix(), 1, "docx-styles", exc.message)]
