"""`sqmy import`: a member's Word submission becomes an item.

Members write in Word or WPS, each in their own layout: a title (the Word
"Title" style, a heading, or a short centred or bold first paragraph), the body
with its 一、/（一） sections and lists, and somewhere a 反映人 / 单位 / 联系电话
line, under the title or at the end.  python-docx reads the paragraphs and
their formatting to find the title and those lines; they are removed from the
document, and pandoc converts what remains, so headings and lists survive.

Contact data never reaches the item: a phone number found in the file is
checked against the people registry (and added there when it has none), and
any phone or ID number left in the body is removed with a warning.

The stages are modules of their own: `word` reads the Word file (the title,
which paragraphs are 反映人 lines, the body through pandoc), `reporters` says
what such a line says, `matching` finds the registry's people, units and
category, `body` tidies the Markdown and removes phone and ID numbers, and
`roster` writes units/people.yml text.  This module imports one file with
them, and a list of files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import personal, schema, yamlsrc
from .. import registry as registry_mod
from ..errors import SqmyError
from ..findings import ERROR, has_errors
from ..fsutil import write_text
from ..items import normalize_text
from ..load import ItemTooLarge, NotRegularItem, check_item, item_files, read_item
from ..paths import Repo
from ..registry import Registry
from ..validate import Context
from . import new as newitem
from .body import clean_markdown, strip_personal
from .matching import OTHER_CATEGORY, Names, guess_category, match_unit, squeeze
from .roster import add_phone, proposal
from .word import Reporter, Submission, convert_body, read_submission

DEFAULT_SOURCE = "委员调研"
DEFAULT_FOCUS = "民之关切"
DEFAULT_AUDIENCE = schema.INTERNAL
PEOPLE_FILE = Path("units") / "people.yml"


@dataclass(frozen=True)
class Options:
    """What the command line may decide instead of the file."""

    authors: tuple[str, ...] = ()
    unit: str | None = None
    category: str | None = None
    focus: str | None = None
    source: str = DEFAULT_SOURCE
    audience: str = DEFAULT_AUDIENCE
    key_topic: str | None = None
    draft: bool = False


@dataclass
class Outcome:
    """What became of one file: the item written (or found already), what was
    guessed, warnings; or why nothing was written."""

    source: Path
    path: Path | None = None
    duplicate: bool = False
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def check_options(reg: Registry, options: Options) -> None:
    """Refuse bad options before any file is read (usage errors, exit code 2)."""
    problems = [f"反映人“{a}”不在人员名册中" for a in options.authors if a not in reg.people]
    if options.unit and options.unit not in reg.units:
        problems.append(f"单位“{options.unit}”不在单位名册中")
    if options.category and reg.categories and options.category not in reg.categories:
        problems.append(f"选题类别“{options.category}”不在清单中：{'、'.join(reg.categories)}")
    if options.focus and reg.focuses and options.focus not in reg.focuses:
        problems.append(f"选题重点“{options.focus}”不在清单中：{'、'.join(reg.focuses)}")
    if problems:
        raise SqmyError("；".join(problems))  # a SqmyError is a usage error (errors.exit_code)


@dataclass
class _People:
    authors: tuple[str, ...]
    unit: str
    phone_owner: str | None
    phone: str | None


def _resolve_people(reg: Registry, sub: Submission, options: Options, out: Outcome) -> _People:
    names = Names(reg)
    found: list[str] = []
    unknown: list[Reporter] = []
    ambiguous: list[tuple[Reporter, list[str]]] = []
    # the first reporter of each line that has one, None when not in the registry: a phone on that line is theirs
    by_paragraph: dict[int, str | None] = {}
    hinted_units = set(sub.unit_ids) | {u.id for text in sub.units for u in match_unit(reg, text)}
    for reporter in sub.reporters:
        ids = names.ids(reporter.name)
        if len(ids) > 1:
            narrowed = [i for i in ids if reg.people[i].unit in hinted_units]
            ids = narrowed if len(narrowed) == 1 else ids
        by_paragraph.setdefault(reporter.paragraph, ids[0] if len(ids) == 1 else None)
        if not ids:
            unknown.append(reporter)
        elif len(ids) > 1:
            ambiguous.append((reporter, ids))
        else:
            found.append(ids[0])
    phone = sub.phones[0][0] if sub.phones else None
    if len({personal.digits(p) for p, _ in sub.phones}) > 1:
        out.warnings.append(f"文件中有 {len(sub.phones)} 个电话号码，只核对第一个（{personal.mask_number(phone or '')}）")

    if options.authors:
        authors = options.authors
        written = "、".join(r.name for r in sub.reporters)
        if written and (unknown or ambiguous or list(dict.fromkeys(found)) != list(authors)):
            shown = "、".join(f"{reg.people[a].name}（{a}）" for a in authors)
            out.warnings.append(f"文件中写的反映人是“{written}”，已按 --author 记为 {shown}")
    else:
        if unknown:
            first = unknown[0]
            unit_guess = (match_unit(reg, sub.units[0]) if sub.units else []) or [reg.units[u] for u in sub.unit_ids if u in reg.units]
            owner_phone = next((p for p, i in sub.phones if i == first.paragraph or i is None), None)
            snippet = "\n".join(
                proposal(r.name, r.description, unit_guess[0].id if len(unit_guess) == 1 else None, owner_phone if r is first else None)
                for r in unknown
            )
            names_text = "、".join(f"“{r.name}”" for r in unknown)
            raise SqmyError(
                f"反映人{names_text}不在人员名册（units/people.yml）中，未导入。"
                f"如是新的反映人，请把下面的条目补全（编号、邮箱）后加入 units/people.yml，再重新导入；"
                f"如是名册中的人，请用 --author 指定其编号：\n{snippet}",
            )
        if ambiguous:
            reporter, ids = ambiguous[0]
            raise SqmyError(f"人员名册中有 {len(ids)} 位“{reporter.name}”（{'、'.join(ids)}），无法确定是哪一位；请用 --author 指定编号")
        if not found:
            raise SqmyError("文件中没有找到反映人：请在标题下或文末写明“反映人：姓名”，或用 --author 指定反映人编号")
        authors = tuple(dict.fromkeys(found))

    owner: str | None = None
    if phone is not None:
        paragraph = next(i for p, i in sub.phones if p == phone)
        if paragraph is not None:
            owner = by_paragraph.get(paragraph)
        elif sub.reporters:  # on a line of its own: the phone of the first reporter named
            owner = by_paragraph.get(sub.reporters[0].paragraph)
        else:
            owner = authors[0]
        if owner is None:
            out.warnings.append(f"文件中的电话（{personal.mask_number(phone)}）对应的反映人不在名册中，未登记")
    return _People(authors, _resolve_unit(reg, sub, options, authors, out), owner, phone)


def _resolve_unit(reg: Registry, sub: Submission, options: Options, authors: tuple[str, ...], out: Outcome) -> str:
    default = reg.people[authors[0]].unit
    if options.unit:
        return options.unit
    if sub.units:
        written = sub.units[0]
        matches = match_unit(reg, written)
        if len(matches) > 1:
            mine = [u for u in matches if u.id == default]
            matches = mine or matches
        if len(matches) == 1:
            unit = matches[0]
            if squeeze(written) not in (squeeze(unit.name), squeeze(unit.short), unit.id):
                out.notes.append(f"单位“{written}”按“{unit.name}”（{unit.id}）处理")
            return unit.id
        choices = "、".join(f"{u.name}（{u.id}）" for u in matches)
        why = f"可能是 {choices}" if matches else "不在单位名册（units/units.yml）中"
        out.warnings.append(f"文件中的单位“{written}”{why}；已记为第一反映人所在单位 {default}，如不对请用 --unit 指定")
        return default
    if sub.unit_ids:
        return sub.unit_ids[0]
    return default


def _register_phone(repo: Repo, reg: Registry, people: _People, out: Outcome) -> bool:
    """Compare the file's phone with the registry; fill it in when the registry has none. True when people.yml changed."""
    if people.phone is None or people.phone_owner is None:
        return False
    person = reg.people[people.phone_owner]
    if person.phone:
        if personal.digits(person.phone) != personal.digits(people.phone):
            out.warnings.append(
                f"文件中{person.name}的联系电话（{personal.mask_number(people.phone)}）与人员名册登记的（{personal.mask_number(person.phone)}）不同；"
                "名册未修改，如需更新请修改 units/people.yml"
            )
        return False
    path = repo.root / PEOPLE_FILE
    try:  # the registry's own rules: no links, no special files, no huge files
        raw = registry_mod.FolderSource(path.parent, repo.display).read(path.name)
    except (registry_mod.NotRegular, ValueError, OSError):
        raw = None
    if raw is None:
        out.warnings.append("units/people.yml 不是可以读取的普通文件，电话未登记")
        return False
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    try:
        new = add_phone(text, person.id, people.phone)
    except SqmyError as exc:
        out.warnings.append(exc.message)
        return False
    write_text(path, ("\ufeff" if bom else "") + new)
    out.notes.append(f"已把{person.name}的联系电话（{personal.mask_number(people.phone)}）登记到 units/people.yml"
                     "（名册的修改请由办公室单独提交，不要和信息放在同一个提交里）")
    return True


class KnownItems:
    """The items already in the repository, read once per run: importing twice must not make two items.

    An item is the same when it has the same title and authors, or the same body.
    Items written during the run are added, so one file given twice is caught too.
    """

    def __init__(self, repo: Repo) -> None:
        self._items: list[tuple[Path, str, frozenset[str], str]] = []
        for path in item_files(repo):
            try:
                split = yamlsrc.split_front_matter(yamlsrc.decode(read_item(path, repo.root)))
            except (OSError, NotRegularItem, ItemTooLarge, UnicodeDecodeError):
                continue  # validate reports it
            if split.front is None:
                continue
            data = yamlsrc.load(split.front).data
            if not isinstance(data, dict):
                continue
            self.add(path, str(data.get("title") or ""), data.get("authors") or [], split.body)

    def add(self, path: Path, title: str, authors: Sequence[str], body: str) -> None:
        self._items.append((path, squeeze(title), frozenset(str(a) for a in authors), _fingerprint(body)))

    def find(self, title: str, authors: Sequence[str], body: str) -> Path | None:
        wanted_title, wanted_authors, wanted_body = squeeze(title), frozenset(authors), _fingerprint(body)
        for path, known_title, known_authors, known_body in self._items:
            if (wanted_body and known_body == wanted_body) or (known_title == wanted_title and known_authors == wanted_authors):
                return path
        return None


def _fingerprint(body: str) -> str:
    return squeeze(normalize_text(body))


def import_file(repo: Repo, reg: Registry, known: KnownItems, source: Path, options: Options, today: dt.date) -> tuple[Outcome, bool]:
    """Import one Word file; (outcome, whether people.yml changed).  A SqmyError means nothing was written."""
    out = Outcome(source)
    sub = read_submission(source, reg)
    out.notes.extend(sub.notes)
    people = _resolve_people(reg, sub, options, out)
    markdown, warnings = clean_markdown(convert_body(sub))
    out.warnings.extend(warnings)
    body, removed = strip_personal(markdown)
    title, removed_title = strip_personal(sub.title)
    if removed or removed_title:
        out.warnings.append(f"已从正文中删除{'、'.join(removed_title + removed)}：联系方式只登记在人员名册中，请核对删除处")
    if sub.removed:
        out.warnings.append(f"文件中的{'、'.join(dict.fromkeys(sub.removed))}已略去，不写入信息")
    if not body.strip():
        raise SqmyError("除标题和反映人外没有正文内容")

    existing = known.find(title, people.authors, body)
    if existing is not None:  # what was guessed does not matter: nothing is written
        return Outcome(source, existing, duplicate=True), False

    category = options.category
    if not category:
        category = guess_category(reg.categories, title, body)
        if category:
            out.notes.append(f"选题类别按关键词推断为“{category}”")
        elif not reg.categories or OTHER_CATEGORY in reg.categories:
            category = OTHER_CATEGORY
            out.notes.append(f"没有推断出选题类别，记为“{OTHER_CATEGORY}”")
        else:
            raise SqmyError(f"无法推断选题类别，本信息库的清单中又没有“{OTHER_CATEGORY}”；请用 --category 指定：{'、'.join(reg.categories)}")
    focus = options.focus or DEFAULT_FOCUS
    if not options.focus:
        out.notes.append(f"选题重点默认为“{DEFAULT_FOCUS}”")

    unit = reg.units.get(people.unit)
    found = "、".join(f"{reg.people[a].name}（{a}）" for a in people.authors)
    out.notes.insert(0, f"标题“{title}”；反映人 {found}；单位 {unit.label if unit else ''}（{people.unit}）")

    spec = newitem.NewItem(title, people.authors, people.unit, category, focus, options.source, options.audience, options.key_topic, options.draft)
    path = newitem.write(repo, reg, spec, today, body)
    _, findings = check_item(Context(repo, reg, today), path)
    if has_errors(findings):
        path.unlink()
        with contextlib.suppress(OSError):  # a year folder made for this item only
            path.parent.rmdir()
        shown = "\n".join(f.text() for f in findings if f.severity == ERROR)
        raise SqmyError(f"生成的信息未通过检查，未写入：\n{shown}")
    out.warnings.extend(f.message for f in findings)
    out.path = path
    known.add(path, title, people.authors, body)
    return out, _register_phone(repo, reg, people, out)


def import_files(repo: Repo, sources: Sequence[Path], options: Options, today: dt.date) -> Iterator[Outcome]:
    """Import every file; one that fails gets an Outcome with `error`, and the others proceed."""
    reg, _ = registry_mod.load(repo)
    check_options(reg, options)
    known = KnownItems(repo)
    for source in sources:
        try:
            outcome, changed = import_file(repo, reg, known, source, options, today)
        except SqmyError as exc:
            yield Outcome(source, error=exc.message)
            continue
        if changed:  # the next file may be by the same person: read the phone just added
            reg, _ = registry_mod.load(repo)
        yield outcome
