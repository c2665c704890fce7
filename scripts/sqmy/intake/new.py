"""`sqmy new`: a new item from the item template, with an id nobody allocates.

The template is the office's templates/item.md.j2 when it has one, sqmy's own
(sqmy/defaults/item.md.j2) otherwise.

The id is `<year>-<MMDD>-<first author without dashes>-<4 random characters>`:
two people drafting on parallel branches cannot collide without a shared
counter (the number a reader cites, the 期号, is given at publication).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import defaults, load, yamlsrc
from ..errors import SqmyError
from ..fsutil import write_text
from ..paths import Repo
from ..registry import Registry

TEMPLATE = Path("templates") / "item.md.j2"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


@dataclass(frozen=True)
class NewItem:
    title: str
    authors: tuple[str, ...]
    unit: str
    category: str
    focus: str
    source: str
    audience: str
    key_topic: str | None
    draft: bool


def new_id(author: str, day: dt.date, taken: set[str]) -> str:
    slug = author.replace("-", "")
    for _ in range(100):
        suffix = "".join(secrets.choice(_ALPHABET) for _ in range(4))
        candidate = f"{day.year}-{day:%m%d}-{slug}-{suffix}"
        if candidate not in taken:
            return candidate
    raise SqmyError("无法生成不重复的编号，请重试")  # pragma: no cover - 31^4 choices


def yaml_scalar(value: object) -> str:
    """One YAML scalar, quoted only when needed."""
    if value is None:
        return "null"
    text: str = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
    return text.removesuffix("\n...\n").strip()


def check_choices(reg: Registry, spec: NewItem) -> None:
    """Refuse before writing anything when a value is not in the registry."""
    problems = []
    for author in spec.authors:
        if author not in reg.people:
            problems.append(f"反映人“{author}”不在人员名册中")
    if spec.unit not in reg.units:
        problems.append(f"单位“{spec.unit}”不在单位名册中")
    if reg.categories and spec.category not in reg.categories:
        problems.append(f"选题类别“{spec.category}”不在清单中：{'、'.join(reg.categories)}")
    if reg.focuses and spec.focus not in reg.focuses:
        problems.append(f"选题重点“{spec.focus}”不在清单中：{'、'.join(reg.focuses)}")
    if problems:
        raise SqmyError("；".join(problems))


def write(repo: Repo, reg: Registry, spec: NewItem, today: dt.date, body: str | None = None, item_id: str | None = None) -> Path:
    """Write the item and return its path; `body` (from `sqmy import`) replaces the template's body;
    `item_id` (from `sqmy intake`, rewriting its own item) replaces a new id."""
    check_choices(reg, spec)
    template_path, shown, _ = defaults.choose(repo.rules_root, TEMPLATE)
    try:
        source = template_path.read_text("utf-8")
    except FileNotFoundError:
        raise SqmyError(f"找不到信息模板 {shown}") from None
    except UnicodeDecodeError:
        raise SqmyError(f"信息模板 {shown} 不是 UTF-8 编码；请用 UTF-8 保存") from None
    except OSError as exc:  # a folder or an unreadable file where the template should be
        raise SqmyError(f"无法读取信息模板 {shown}：{exc.strerror or exc}") from None
    import jinja2  # noqa: PLC0415 - only `sqmy new` renders templates

    env = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["yaml"] = yaml_scalar
    year_dir = repo.items_dir / str(today.year)
    check_folders(repo, year_dir)
    taken = {p.stem for p in load.item_files(repo)}
    item_id = item_id or new_id(spec.authors[0], today, taken)
    try:
        text = env.from_string(source).render(
            id=item_id, title=spec.title, authors=list(spec.authors), unit=spec.unit,
            submitted=None if spec.draft else today.isoformat(), category=spec.category,
            focus=spec.focus, key_topic=spec.key_topic, source=spec.source, audience=spec.audience,
            body_max_chars=reg.office.body_max_chars,  # the office's own limit, which validate checks
        )
    except jinja2.TemplateError as exc:
        raise SqmyError(f"信息模板 {shown} 有错误：{exc}") from None
    if body is not None:
        text = _replace_body(text, body, shown)
    path = year_dir / f"{item_id}.md"
    try:
        write_text(path, text, exclusive=True)
    except OSError as exc:
        raise SqmyError(f"无法写入 {repo.display(path)}：{exc.strerror or exc}") from None
    return path


def check_folders(repo: Repo, year_dir: Path) -> None:
    """Refuse to write through a link: items/ and the year folder must not be symbolic links.
    (Anything else in the way makes the write itself fail, with its own message.)"""
    for folder in (repo.items_dir, year_dir):
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(mode):
            raise SqmyError(f"{repo.display(folder)} 是符号链接：sqmy 不通过链接写入信息；请改为普通文件夹")


def _replace_body(text: str, body: str, shown: str) -> str:
    """The rendered template's front matter with `body` after it: the front
    matter stays the template's, so `new` and `import` write the same fields."""
    split = yamlsrc.split_front_matter(text)
    if split.front is None:
        raise SqmyError(f"信息模板 {shown} 有错误：没有以“---”包围的元数据")
    head = "\n".join(text.split("\n")[: split.body_start])
    return f"{head}\n{body.strip()}\n"
