"""`sqmy init`: a new office repository that every command works in, made in one step and committed by the office.

The answers (a small YAML file, options, or questions asked in a terminal) become the registry (units/), the
archive's configuration, the workflows, the pull request template, a README and the files `sqmy generate`
makes. Everything is written into a new folder beside DIR, checked the way `sqmy validate` checks a registry,
committed with the office clerk as author and committer, and only then renamed to DIR: a run that fails leaves
nothing behind, and a second run finds DIR no longer empty and refuses, changing nothing.

The files come from sqmy/defaults/office/: names ending in .j2 are Jinja templates of the answers, the
workflows are copied as they are (GitHub's `${{ }}` is not Jinja's). Which files, and in which folder, depends on
the forge the answers name (`forge`, recorded in units/office.yml): GitHub's own from github/ into .github/, or
for Gitea (.gitea/) and Forgejo (.forgejo/) their version derived from them, a file under gitea/ overriding
(forgefiles.py). The office's CI installs sqmy as <folder>/sqmy-requirements.txt says (a required answer).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, defaults, forgefiles, generate, registry, schema, yamlsrc
from .errors import SqmyError
from .fsutil import write_text
from .gitio import Git
from .paths import Repo

SKELETON = defaults.FOLDER / "office"
REQUIRED_ROLES = (schema.OFFICE, schema.FIRST, schema.SECOND, schema.FINAL)
ROLES = (*REQUIRED_ROLES, schema.EXPERT)
PERSON_FIELDS = ("id", "name", "email", "title", "unit", "kind", "github", "gitea", "phone")
UNIT_FIELDS = ("id", "name", "short", "kind", "quota")
MAX_ANSWERS_BYTES = 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# a pip requirement (sqmy==0.1.0, sqmy @ git+https://…@v0.1.0, sqmy>=0.1,<0.2): no option, comment or shell quoting
_REQUIREMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._+\-@:/=<>!~,\[\]%?&]*")
_LEVELS = {"县": "xian", "区": "qu", "市": "shi", "旗": "qi"}  # a county's own word for itself, and its id prefix


# --- the answers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """An answer nobody gave yet: asked in a terminal, named in the error otherwise."""

    path: tuple[str, ...]
    label: str  # the question as a terminal asks it
    name: str  # what is missing, briefly, in the error when there is no terminal
    required: bool = True  # an optional answer is asked in a terminal (and may be left empty), never demanded


@dataclass
class Raw:
    """The answers as given: the answers file first, then the command's options (which win)."""

    values: dict[str, Any] = field(default_factory=dict)
    doc: yamlsrc.Document | None = None  # the answers file, for line numbers
    shown: str = ""  # its name as the user gave it
    options: dict[tuple[str | int, ...], str] = field(default_factory=dict)  # answer path -> the option that gave it

    def set(self, path: Sequence[str], value: Any, option: str) -> None:
        """Give the answer at `path` (an option or a reply to a question)."""
        node = self.values
        for step in path[:-1]:
            child = node.get(step)
            if not isinstance(child, dict):
                child = node[step] = {}
            node = child
        node[path[-1]] = value
        self.options[tuple(path)] = option

    def get(self, path: Sequence[str | int]) -> Any:
        node: Any = self.values
        for step in path:
            if isinstance(step, int):
                node = node[step] if isinstance(node, list) and step < len(node) else None
            else:
                node = node.get(step) if isinstance(node, dict) else None
        return node

    def line(self, path: Sequence[str | int]) -> int:
        """The line the answer at `path` is on in the answers file; 0 when an option or a reply gave it."""
        steps = tuple(path)
        if self.doc is None or any(steps[:end] in self.options for end in range(len(steps), 0, -1)):
            return 0
        return self.doc.line_of(list(path)) + 1

    def where(self, path: Sequence[str | int]) -> str:
        """Where the answer at `path` was given: `answers.yml:LINE`, or the option's name."""
        steps = tuple(path)
        for end in range(len(steps), 0, -1):
            if steps[:end] in self.options:
                return self.options[steps[:end]]
        if self.doc is not None:
            return f"{self.shown}:{self.doc.line_of(list(path)) + 1}"
        return "答案"


def read_answers(path: Path) -> Raw:
    """The answers file: YAML read as the registry is (no aliases, no tags), every problem with its line."""
    shown = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_ANSWERS_BYTES + 1)
    except FileNotFoundError:
        raise SqmyError(f"找不到答案文件 {shown}") from None
    except OSError as exc:
        raise SqmyError(f"无法读取答案文件 {shown}：{exc.strerror or exc}") from None
    if len(raw) > MAX_ANSWERS_BYTES:
        raise SqmyError(f"答案文件 {shown} 超过 1 MB，不予读取")
    try:
        text = yamlsrc.decode(raw)
    except UnicodeDecodeError:
        raise SqmyError(f"{shown}:1: 错误：文件不是 UTF-8 编码；请用 UTF-8 保存") from None
    doc = yamlsrc.load(text)
    problems = [f"{shown}:{e.line + 1}: 错误：{e.message}" for e in doc.errors]
    if not problems and doc.data is not None and not isinstance(doc.data, dict):
        problems.append(f"{shown}:1: 错误：答案文件应为“键: 值”的形式（如 county: 商南县）")
    if problems:
        raise SqmyError("答案文件有错误，未做任何改动：\n" + "\n".join(problems))
    return Raw(dict(doc.data or {}), doc, shown)


PERSON_OPTION = ("id", "name", "email", "login")  # the last may be left out: an office may review without the forge


def login_key(forge: str) -> str:
    """The people.yml field of a person's account on `forge`: github, or gitea (Gitea and Forgejo)."""
    return "github" if forge == "github" else "gitea"


def person_option(text: str, option: str, forge: str = "github") -> dict[str, str]:
    """`编号,姓名,邮箱[,账号]` (commas half- or full-width) as a person's answers; the account is on `forge`."""
    parts = [p.strip() for p in re.split(r"[,，]", text)]
    if len(parts) not in (len(PERSON_OPTION) - 1, len(PERSON_OPTION)) or not all(parts):
        raise SqmyError(f"{option} 的值“{text}”应写作“编号,姓名,邮箱[,{generate.FORGE_NAMES[forge]}账号]”，如 li-ming,李明,li.ming@example.org,liming")
    keys = [*PERSON_OPTION[:-1], login_key(forge)]
    return dict(zip(keys, parts, strict=False))


def chosen_forge(raw: Raw) -> str:
    """The forge the answers name (github when they name none or something else, which complete() reports)."""
    forge = raw.get(["forge"])
    return forge if isinstance(forge, str) and forge in generate.FORGES else "github"


def questions(raw: Raw) -> list[Question]:
    """The answers still missing, in the order a terminal asks them: the required ones, and the GitHub account of
    a person the terminal is asked for (optional: an office may review without GitHub)."""
    missing = []
    login = login_key(chosen_forge(raw))
    site = generate.FORGE_NAMES[chosen_forge(raw)]
    if not _given(raw.get(["county"])):
        missing.append(Question(("county",), "县（区、市）名，如“商南县”", "县名"))
    people = raw.get(["people"])
    for role in REQUIRED_ROLES:
        entry = people.get(role) if isinstance(people, dict) else None
        if isinstance(entry, list):
            continue  # several people for the role: each is checked in full later
        what = _ROLE_WORDS[role]
        for key, label, name in (("id", "编号（小写拼音，如 li-ming）", "编号"), ("name", "姓名", "姓名"),
                                 ("email", "邮箱（与 Git 提交用的邮箱一致）", "邮箱"),
                                 (login, f" {site} 账号（不在 {site} 上审核可留空）", f" {site} 账号")):
            asked = [q for q in missing if q.path[:2] == ("people", role)]
            if key == login and asked and not (isinstance(entry, dict) and _given(entry.get(key))):  # with the rest of a person asked for
                missing.append(Question(("people", role, key), f"{what}的{label}", f"{what}的{name}", required=False))
            elif key != login and (not isinstance(entry, dict) or not _given(entry.get(key))):
                missing.append(Question(("people", role, key), f"{what}的{label}", f"{what}的{name}"))
    if not _given(raw.get(["sqmy_package"])):
        missing.append(Question(("sqmy_package",), "工作流从哪里安装 sqmy（pip 依赖说明，如 sqmy @ git+https://…@版本标签，"
                                                   "或单位内网的安装包地址）", "sqmy 的安装来源"))
    return missing


_ROLE_WORDS = {schema.OFFICE: "办公室人员", schema.FIRST: "初审人", schema.SECOND: "复审人", schema.FINAL: "审定人", schema.EXPERT: "专家"}


def _given(value: Any) -> bool:
    return value is not None and value != ""


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    kind: str
    unit: str
    title: str = ""
    github: str | None = None
    phone: str | None = None
    roles: tuple[str, ...] = ()
    gitea: str | None = None  # the account on Gitea or Forgejo


@dataclass(frozen=True)
class Answers:
    """Everything the new office's files are made of."""

    county: str
    name: str
    short_name: str
    journal_title: str
    journal_editor: str
    year: int
    start: dt.date
    body_max_chars: int
    transfer_due_days: int
    instruction_due_days: int
    letter_prefix: str
    print_count: int | None
    repository_url: str | None
    sqmy_package: str
    people: tuple[Person, ...]
    units: tuple[Mapping[str, Any], ...]
    key_topics: tuple[Mapping[str, str], ...]
    custom_units: bool
    forge: str = "github"  # where the office's repository is hosted: github, gitea or forgejo

    @property
    def forge_name(self) -> str:
        return generate.FORGE_NAMES[self.forge]

    @property
    def forge_dir(self) -> str:
        """.github, .gitea or .forgejo: where the forge reads workflows, templates and CODEOWNERS."""
        return generate.FOLDERS[self.forge]

    @property
    def mirrored_actions(self) -> list[str]:
        """The actions the office's workflows use (what an intranet Gitea or Forgejo must mirror)."""
        return forgefiles.mirrored_actions(self.forge)

    @property
    def level(self) -> str:
        """县, 区, 市 or 旗: how the county names itself (县委, 区政协…)."""
        return self.county[-1] if self.county[-1] in _LEVELS else "县"

    @property
    def clerk(self) -> Person:
        return next(p for p in self.people if schema.OFFICE in p.roles)


ANSWER_KEYS = (
    "county", "name", "short_name", "journal_title", "journal_editor", "year", "start", "body_max_chars", "transfer_due_days",
    "instruction_due_days", "letter_prefix", "print_count", "repository_url", "sqmy_package", "people", "units", "key_topics",
    "forge",
)


def complete(raw: Raw, today: dt.date) -> Answers:
    """The answers with every default filled in; every problem, each where it was given, in one error."""
    c = _Checker(raw)
    for key in raw.values:
        if key not in ANSWER_KEYS:
            hint = schema.did_you_mean(str(key), ANSWER_KEYS)
            c.problem([key], f"未知的答案“{key}”" + (f"，{hint}" if hint else "") + f"（可以回答的有：{'、'.join(ANSWER_KEYS)}）")
    county = c.text(["county"], None)
    if county is None:
        c.problem(["county"], "缺少县（区、市）名 county")
        county = "某县"  # to check the other answers all the same
    level = county[-1] if county[-1] in _LEVELS else "县"
    short_name = c.text(["short_name"], f"{county}政协") or county
    name = c.text(["name"], f"中国人民政治协商会议{county}委员会") or county
    year = c.integer(["year"], today.year, 2000, 2100)
    start = c.date(["start"], today)
    if start > today:
        c.problem(["start"], f"角色起始日期 {start} 晚于今天：第一次提交由办公室人员作出，那天他必须已经在任")
    units, custom = c.units(year, county, short_name, level)
    answers = Answers(
        county=county, name=name, short_name=short_name,
        journal_title=c.text(["journal_title"], "社情民意信息") or "社情民意信息",
        journal_editor=c.text(["journal_editor"], f"{short_name}社会和法制委员会") or short_name,
        year=year, start=start,
        body_max_chars=c.integer(["body_max_chars"], 1500, 100, 100_000),
        transfer_due_days=c.integer(["transfer_due_days"], 30, 1, 365),
        instruction_due_days=c.integer(["instruction_due_days"], 30, 1, 365),
        letter_prefix=c.text(["letter_prefix"], f"{county[0]}政协转") or "",
        print_count=c.integer(["print_count"], None, 1, 100_000) if raw.get(["print_count"]) is not None else None,
        repository_url=c.text(["repository_url"], None),
        sqmy_package=c.requirement(),
        people=c.people(level, {str(u.get("id")) for u in units}),
        units=units, key_topics=c.key_topics(year), custom_units=custom, forge=c.forge(),
    )
    if c.problems:
        raise SqmyError("答案有错误，未做任何改动：\n" + "\n".join(c.problems))
    return answers


class _Checker:
    """Reads the answers, collecting every problem with where it was given."""

    def __init__(self, raw: Raw) -> None:
        self.raw = raw
        self._found: list[tuple[int, str]] = []

    def problem(self, path: Sequence[str | int], message: str) -> None:
        self._found.append((self.raw.line(path), f"{self.raw.where(path)}: 错误：{message}"))

    @property
    def problems(self) -> list[str]:
        """In the order of the answers file (options and terminal replies first)."""
        return [text for _, text in sorted(self._found, key=lambda found: found[0])]

    def text(self, path: Sequence[str | int], default: str | None, what: str | None = None) -> str | None:
        value = self.raw.get(path)
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        label = what or str(path[-1])
        if not isinstance(value, str):
            self.problem(path, f"{label} 应为文字，现在是“{value}”；如果是数字，请加引号")
            return default
        if _CONTROL.search(value):
            self.problem(path, f"{label} 中有换行或控制字符")
            return default
        return value.strip()

    def forge(self) -> str:
        value = self.raw.get(["forge"])
        if value is None or value == "":
            return "github"
        if value not in generate.FORGES:
            self.problem(["forge"], f"forge 应为 {'、'.join(generate.FORGES)} 之一（代码托管平台：GitHub，或单位内网的 Gitea、Forgejo），"
                                    f"现在是“{value}”")
            return "github"
        return str(value)

    def integer(self, path: Sequence[str], default: Any, low: int, high: int) -> Any:
        value = self.raw.get(path)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, f"{path[-1]} 应为整数，现在是“{value}”")
            return default
        if not low <= value <= high:
            self.problem(path, f"{path[-1]} 的值 {value} 超出范围（{low}–{high}）")
            return default
        return value

    def date(self, path: Sequence[str], default: dt.date) -> dt.date:
        value = self.raw.get(path)
        if value is None or value == "":
            return default
        if not schema.is_date(value):
            self.problem(path, f"{path[-1]} 的日期“{value}”无效：应写作 YYYY-MM-DD（如 2026-01-01）")
            return default
        return dt.date.fromisoformat(value)

    def requirement(self) -> str:
        """How the office's CI installs sqmy: one line of a pip requirements file, nothing pip reads as an option.

        There is no default: a bare `sqmy==version` would install whatever a public index holds under that name,
        in a workflow that holds the office's write token. The office names its source."""
        value = self.text(["sqmy_package"], None, "sqmy_package") or ""
        if not value:
            self.problem(["sqmy_package"], "缺少 sqmy_package：工作流从哪里安装 sqmy，如 sqmy @ git+https://…@版本标签，"
                                           "或单位内网的安装包地址（公共软件源上同名的包不一定是本软件）")
            return ""
        if not _REQUIREMENT.fullmatch(value):
            self.problem(["sqmy_package"], f"sqmy_package 应为一条 pip 依赖说明，如 sqmy=={__version__} 或 sqmy @ git+https://…，现在是“{value}”")
        return value

    def people(self, level: str, unit_ids: set[str]) -> tuple[Person, ...]:
        given = self.raw.get(["people"])
        if given is None:
            self.problem(["people"], f"缺少 people：办公室人员和初审、复审、审定人员（{'、'.join(REQUIRED_ROLES)}）")
            return ()
        if not isinstance(given, dict):
            self.problem(["people"], "people 应为“角色: 人员”的形式，如 办公室: {id: li-ming, name: 李明, email: …}")
            return ()
        for role in given:
            if role not in ROLES:
                hint = schema.did_you_mean(str(role), ROLES)
                self.problem(["people", role], f"未知的角色“{role}”" + (f"，{hint}" if hint else "") + f"（应为：{'、'.join(ROLES)}）")
        merged: dict[str, Person] = {}
        chain_role: dict[str, str] = {}
        for role in ROLES:
            entries = given.get(role)
            if entries is None:
                if role in REQUIRED_ROLES:
                    self.problem(["people"], f"缺少{_ROLE_WORDS[role]}（people 下的“{role}”）")
                continue
            for path, entry in self._entries(["people", role], entries):
                person = self._person(path, entry, role, level, unit_ids)
                if person is None:
                    continue
                if person.id in merged:
                    before = merged[person.id]
                    if (before.name, before.email.lower()) != (person.name, person.email.lower()):
                        self.problem([*path, "id"], f"编号“{person.id}”已用于另一位人员（{before.name}，{before.email}）")
                        continue
                    person = dataclasses.replace(before, roles=(*before.roles, role))
                if role in schema.CHAIN_STAGES:
                    if person.id in chain_role and chain_role[person.id] != role:
                        self.problem([*path, "id"], f"{person.name}（{person.id}）已是{chain_role[person.id]}人：初审、复审、审定须由三个不同的人担任"
                                                    "（同一人不能签署同一轮审核的两个环节）")
                        continue
                    chain_role[person.id] = role
                merged[person.id] = person
        emails: dict[str, str] = {}
        for person in merged.values():
            other = emails.setdefault(person.email.lower(), person.id)
            if other != person.id:
                self.problem(["people"], f"{person.name}（{person.id}）与 {other} 的邮箱相同（{person.email}）：邮箱用来认出提交人，每人一个")
        return tuple(merged.values())

    def _entries(self, path: list[str | int], value: Any) -> Iterator[tuple[list[str | int], Any]]:
        if isinstance(value, list):
            if not value:
                self.problem(path, "至少要有一位人员")
            for index, entry in enumerate(value):
                yield [*path, index], entry
        else:
            yield path, value

    def _person(self, path: list[str | int], entry: Any, role: str, level: str, unit_ids: set[str]) -> Person | None:
        if not isinstance(entry, dict):
            self.problem(path, f"{_ROLE_WORDS[role]}应写作 {{id: 编号, name: 姓名, email: 邮箱, github: GitHub 账号}}（内网 Gitea、Forgejo 的账号写 gitea）")
            return None
        ok = True
        for key in entry:
            if key not in PERSON_FIELDS:
                hint = schema.did_you_mean(str(key), PERSON_FIELDS)
                self.problem([*path, key], f"未知字段 {key}" + (f"，{hint}" if hint else "") + f"（允许的字段：{'、'.join(PERSON_FIELDS)}）")
                ok = False
        kind, unit, title = _ROLE_DEFAULTS[role]
        record = {
            "id": entry.get("id"), "name": entry.get("name"), "kind": entry.get("kind", kind), "unit": entry.get("unit", unit),
            "email": entry.get("email"), "title": entry.get("title", title.replace("县", level)),
            "github": entry.get("github"), "gitea": entry.get("gitea"), "phone": entry.get("phone"),
        }
        record = {k: v for k, v in record.items() if v not in (None, "")}
        for key, label in (("id", "编号"), ("name", "姓名"), ("email", "邮箱")):
            if key not in record:  # everyone with a role commits (the GitHub account only those who review there)
                self.problem(path, f"{_ROLE_WORDS[role]}缺少{label}（{key}）")
                ok = False
        for problem in schema.check("people", [record]):
            if problem.rule != "required":
                self.problem([*path, *problem.path[1:]], problem.message.replace("第 1 项的", "", 1))
                ok = False
        if ok and record["unit"] not in unit_ids:
            where = [*path, "unit"] if "unit" in entry else path
            self.problem(where, f"{_ROLE_WORDS[role]}的所在单位“{record['unit']}”不在单位名册中；请用 unit 写明单位编号"
                                f"（可用的有：{'、'.join(sorted(unit_ids))}）")
            ok = False
        if not ok:
            return None
        return Person(record["id"], record["name"], record["email"], record["kind"], record["unit"], record.get("title", ""),
                      record.get("github"), record.get("phone"), (role,), record.get("gitea"))

    def units(self, year: int, county: str, short_name: str, level: str) -> tuple[tuple[Mapping[str, Any], ...], bool]:
        given = self.raw.get(["units"])
        if given is None:
            return default_units(year, county, short_name, level), False
        if not isinstance(given, list) or not given:
            self.problem(["units"], "units 应为单位的列表，每项如 {id: shefawei, name: …, kind: 机关委办, quota: {2026: 30}}（不写则用常见的设置）")
            return (), True
        entries = [e for e in given if isinstance(e, dict)]
        for problem in schema.check("units", given):
            self.problem(["units", *problem.path], problem.message)
        seen: set[Any] = set()
        for index, entry in enumerate(given):
            if not isinstance(entry, dict):
                continue
            allowed = set(schema.schema("units")["items"]["properties"])  # the rest the schema check reports
            for key in sorted(set(entry) & allowed - set(UNIT_FIELDS)):  # added to units.yml after init, not here
                self.problem(["units", index, key], f"sqmy init 的单位只写 {'、'.join(UNIT_FIELDS)}；“{key}”请在建库后写进 units/units.yml")
            if entry.get("id") in seen:
                self.problem(["units", index, "id"], f"单位编号“{entry.get('id')}”重复")
            seen.add(entry.get("id"))
        units = tuple({**e, "quota": {int(y): n for y, n in (e.get("quota") or {}).items() if str(y).isdigit()}} for e in entries)
        return units, True

    def key_topics(self, year: int) -> tuple[Mapping[str, str], ...]:
        given = self.raw.get(["key_topics"])
        if given is None:
            return DEFAULT_KEY_TOPICS
        if not isinstance(given, list):
            self.problem(["key_topics"], "key_topics 应为列表，每项如 {id: laojiu-xiaoqu, title: 加快老旧小区改造}")
            return ()
        pattern = re.compile(schema.schema("topics")["properties"]["key_topics"]["additionalProperties"]["items"]["properties"]["id"]["pattern"])
        for index, topic in enumerate(given):
            path: list[str | int] = ["key_topics", index]
            if not isinstance(topic, dict) or set(topic) != {"id", "title"}:
                self.problem(path, "每项重点选题应写作 {id: 编号, title: 名称}，如 {id: laojiu-xiaoqu, title: 加快老旧小区改造}")
            elif not isinstance(topic["id"], str) or not pattern.match(topic["id"]):
                self.problem([*path, "id"], f"重点选题编号“{topic['id']}”格式不对：只能用小写英文字母、数字和“-”")
            elif not isinstance(topic["title"], str) or not topic["title"].strip() or _CONTROL.search(topic["title"]):
                self.problem([*path, "title"], "重点选题的名称应为一行文字")
        ids = [t.get("id") for t in given if isinstance(t, dict)]
        for index, topic_id in enumerate(ids):
            if topic_id in ids[:index]:
                self.problem(["key_topics", index, "id"], f"重点选题编号“{topic_id}”重复")
        return tuple({"id": t["id"], "title": t["title"]} for t in given if isinstance(t, dict) and "id" in t and "title" in t)


# (kind, unit, title) of each role's person unless the answers say otherwise; 县 becomes the county's own word
_ROLE_DEFAULTS = {
    schema.OFFICE: (schema.STAFF_KIND, "shefawei", ""),
    schema.FIRST: (schema.STAFF_KIND, "shefawei", "社法委主任"),
    schema.SECOND: (schema.MEMBER_KIND, "bangongshi", "县政协副主席"),
    schema.FINAL: (schema.MEMBER_KIND, "bangongshi", "县政协主席"),
    schema.EXPERT: (schema.EXPERT_KIND, "bangongshi", ""),
}

# the year's key topics (年度重点选题清单) of the offices this work grew from: a start the office edits
DEFAULT_KEY_TOPICS: tuple[Mapping[str, str], ...] = tuple({"id": i, "title": t} for i, t in (
    ("kuangchan-ziyuan", "矿产资源开发与生态修复"),
    ("nongcun-wuran", "农村面源污染治理"),
    ("laojiu-xiaoqu", "加快老旧小区改造"),
    ("yanglao-fuwu", "养老服务体系建设"),
    ("jiceng-yiliao", "基层医疗服务能力提升"),
    ("xiaoyuan-anquan", "校园及周边安全"),
    ("shequ-zhili", "社区管理和基层治理"),
    ("yingshang-huanjing", "优化营商环境"),
))

# the committees of a county CPPCC (机关委办) with their yearly quota, and the departments items are transferred to
_COMMITTEES = (
    ("bangongshi", "办公室", None, 10), ("shefawei", "社会和法制委员会", "社法委", 30), ("tiweiban", "提案委员会", "提案委", 10),
    ("jingjiwei", "经济委员会", "经济委", 10), ("kejiaowei", "教科卫体委员会", "教科卫体委", 10),
    ("nongyewei", "农业和农村委员会", "农业农村委", 10), ("wenshiwei", "文化文史和学习委员会", "文史委", 10),
)
_DEPARTMENTS = (
    ("fagaiju", "发展和改革局", "发改局"), ("jiaoyuju", "教育局", "教育局"), ("weijianju", "卫生健康局", "卫健局"),
    ("minzhengju", "民政局", "民政局"), ("zhujianju", "住房和城乡建设局", "住建局"), ("jiaotongju", "交通运输局", "交通局"),
    ("nongyenongcunju", "农业农村局", "农业农村局"), ("ziranziyuanju", "自然资源局", "自然资源局"),
    ("shichangju", "市场监督管理局", "市场监管局"), ("yingjiju", "应急管理局", "应急局"), ("gonganju", "公安局", "公安局"),
    ("shuiliju", "水利局", "水利局"), ("wenlvju", "文化和旅游局", "文旅局"), ("chengguanju", "城市管理局", "城管局"),
)


def default_units(year: int, county: str, short_name: str, level: str) -> tuple[Mapping[str, Any], ...]:
    """The committees (with quotas for `year`) and the departments of a county, named for `county`."""
    prefix = _LEVELS.get(level, "xian")
    units: list[Mapping[str, Any]] = [
        {"id": uid, "name": f"{short_name}{name}", "short": short, "kind": "机关委办", "quota": {year: quota}}
        for uid, name, short, quota in _COMMITTEES
    ]
    units += [{"id": f"{prefix}-{uid}", "name": f"{county}{name}", "short": f"{level}{short}", "kind": "部门"} for uid, name, short in _DEPARTMENTS]
    units.append({"id": f"{prefix}-shengtaihuanjing", "name": f"市生态环境局{county}分局", "short": "生态环境分局", "kind": "部门"})
    return tuple(units)


# --- the files ----------------------------------------------------------------------------


def render(answers: Answers) -> dict[str, str]:
    """Every file of the new office but the generated ones (CODEOWNERS, allowed_signers): POSIX path -> text.
    Which files and where depends on the forge (forgefiles.skeleton): GitHub's own, or their Gitea/Forgejo version."""
    import jinja2  # noqa: PLC0415 - only `sqmy init` renders these

    from .intake.new import yaml_scalar  # noqa: PLC0415 - the one way sqmy writes a YAML value into a template

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(SKELETON), undefined=jinja2.StrictUndefined, autoescape=False,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["yaml"] = yaml_scalar
    forge = answers.forge
    files: dict[str, str] = {}
    for where, path in forgefiles.skeleton(forge).items():
        relative = path.relative_to(SKELETON)
        # the workflows are copied as they are (GitHub's ${{ }} is not Jinja's)
        text = env.get_template(relative.as_posix()).render(a=answers) if path.suffix == ".j2" else path.read_text("utf-8")
        if forge != "github" and relative.parts[0] == "github" and relative.parent.name == "workflows":
            derived = forgefiles.derive_workflow(path.name, text, forge, answers.forge_name)
            assert derived is not None  # skeleton() leaves the GitHub-only ones out
            text = derived
        elif forge != "github" and relative.parts[0] == "github":  # the forge's own files (gitea/) are as they are
            text = forgefiles.forge_paths(text, forge)
        files[where] = text
    return files


class _Files:
    """The registry as rendered, read the way registry.load reads units/ (for the check before anything is written)."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = files

    def read(self, name: str) -> bytes | None:
        text = self.files.get(f"units/{name}")
        return text.encode("utf-8") if text is not None else None

    def shown(self, name: str) -> str:
        return f"units/{name}"


def check(files: Mapping[str, str]) -> registry.Registry:
    """The new registry, which must pass every check `sqmy validate` makes of a registry (warnings included)."""
    reg, findings = registry.load_from(_Files(files))
    if findings:
        raise SqmyError("生成的名册未通过检查，未做任何改动（这是 sqmy 的缺陷，请报告）：\n" + "\n".join(f.text() for f in findings))
    return reg


# --- the repository -----------------------------------------------------------------------


def refuse_existing(target: Path) -> None:
    """A new office goes into a new or empty folder, never over anything (a link is not followed)."""
    shown = str(target)
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise SqmyError(f"{shown} 是符号链接：sqmy init 不通过链接写入；请指定一个新的目录")
    if not stat.S_ISDIR(mode):
        raise SqmyError(f"{shown} 已存在，且不是目录：请指定一个新的目录")
    with os.scandir(target) as entries:
        if any(True for _ in entries):
            raise SqmyError(f"{shown} 已存在且不为空：sqmy init 只在新的或空的目录中建立信息库，未做任何改动")


@dataclass(frozen=True)
class Created:
    root: Path
    commit: str
    files: tuple[str, ...]
    clerk: Person


def create(target: Path, answers: Answers, today: dt.date) -> Created:
    """Write, check and commit the new office, then put it at `target`; nothing is left behind when a step fails."""
    target = Path(os.path.abspath(target))
    refuse_existing(target)
    if shutil.which("git") is None:
        raise SqmyError("找不到 git：sqmy 的信息库是 Git 仓库，请先安装 git；未做任何改动")
    files = render(answers)
    reg = check(files)
    work = target.parent / f".{target.name}.sqmy-init-{secrets.token_hex(4)}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(work)  # with the user's umask, as the office folder will keep it
    except OSError as exc:
        raise SqmyError(f"无法在 {target.parent} 中建立信息库：{exc.strerror or exc}") from None
    try:
        for relative, text in files.items():
            write_text(work / relative, text)
        made = generate.files(Repo(work), reg, today)
        for g in made:
            write_text(g.path, g.text)
        commit = _commit(work, answers)
        _move(work, target)
    except OSError as exc:  # a full disk, a folder taken away meanwhile
        shutil.rmtree(work, ignore_errors=True)
        raise SqmyError(f"无法写入新的信息库（{exc.strerror or exc}）：未做任何改动") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    written = sorted([*files, *(g.path.relative_to(work).as_posix() for g in made)])
    return Created(target, commit, tuple(written), answers.clerk)


def _commit(root: Path, answers: Answers) -> str:
    clerk = answers.clerk
    who = {f"GIT_{role}_{part}": value for role in ("AUTHOR", "COMMITTER") for part, value in (("NAME", clerk.name), ("EMAIL", clerk.email))}
    with Git.init(root) as git:
        git.run("add", "--all")
        git.run("commit", "--quiet", "--no-verify", "-m", f"建立{answers.short_name}社情民意信息库：名册、规则、归档网站和工作流（sqmy init）", env=who)
        head = git.head()
    assert head is not None
    return head


def _move(work: Path, target: Path) -> None:
    """Put the finished office at `target`: a new folder is renamed in one step; an empty folder the user made
    (perhaps the one they are in) is kept, and the office's files are moved into it."""
    if not os.path.lexists(target):
        os.rename(work, target)
        return
    refuse_existing(target)  # still empty: nothing was put there meanwhile
    moved: list[str] = []
    try:
        for name in sorted(os.listdir(work)):
            os.rename(work / name, target / name)
            moved.append(name)
    except OSError:
        for name in moved:  # back where they were, so that the folder is as empty as the user left it
            os.rename(target / name, work / name)
        raise
    os.rmdir(work)
