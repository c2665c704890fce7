"""The registry in `units/`: the organisation and its rules, one source of truth.

Files: office.yml (settings), units.yml, people.yml (people and dated roles),
topics.yml (categories, focuses, key topics).  Each is checked against its
JSON Schema and for references between them; what is valid is loaded into
frozen dataclasses even when some entries are broken, so that one typo in
people.yml does not stop every other check.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import schema, yamlsrc
from .errors import Refused
from .findings import Finding, error, warning
from .paths import Repo

FILES = {"office": "office.yml", "units": "units.yml", "people": "people.yml", "topics": "topics.yml"}
OPTIONAL = {"scoring": "scoring.yml", "waivers": "waivers.yml", "network": "network.yml"}  # an office without 考评办法 or waivers still works
# optional files that a command cannot do without: their absence is a warning naming the file and what it stops
# (a warning, not an error: everything else works, and the archive and the 通报 say that there are no rules)
NEEDED_BY = {"scoring": "sqmy score 无法计算积分和等次，归档网站和通报中也没有积分和排名；请写明本单位的考评办法（sqmy init 新建的信息库自带一份）"}


@dataclass(frozen=True)
class Role:
    role: str
    start: dt.date
    end: dt.date | None

    def active(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


# what an author is, for the breakdowns of statistics and scores (stats --by informant, score)
INFORMANT = "信息员"  # a member designated to the informant team (people.yml informant: true)
UNIT_INFORMANT = "特约信息员"  # named by a unit (units.yml informants), or of that kind
OTHER_MEMBER = "其他委员"
OTHER_AUTHOR = "其他人员"
INFORMANT_CLASSES = (INFORMANT, UNIT_INFORMANT, OTHER_MEMBER, OTHER_AUTHOR)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    kind: str
    unit: str
    email: str  # "" for a member who only writes: only people with roles commit
    title: str = ""
    github: str | None = None
    gitea: str | None = None  # the login on an intranet Gitea or Forgejo
    ssh_key: str | None = None
    phone: str | None = None
    roles: tuple[Role, ...] = ()
    informant: bool = False  # in the informant team (信息员)

    def has_role(self, role: str, day: dt.date) -> bool:
        return any(r.role == role and r.active(day) for r in self.roles)

    def roles_on(self, day: dt.date) -> tuple[str, ...]:
        return tuple(r.role for r in self.roles if r.active(day))


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str
    short: str = ""
    quota: Mapping[int, int] = field(default_factory=dict)
    informants: tuple[str, ...] = ()  # people ids: the unit's 特约信息员

    @property
    def label(self) -> str:
        return self.short or self.name


@dataclass(frozen=True)
class KeyTopic:
    id: str
    title: str
    year: int


@dataclass(frozen=True)
class Office:
    county: str
    name: str
    short_name: str
    journal_title: str
    journal_editor: str
    print_count: int | None
    distribution: Mapping[str, tuple[str, ...]]
    transfer_due_days: int
    body_max_chars: int
    require_signatures: bool
    repository_url: str | None
    imported_until: dt.date | None = None
    instruction_due_days: int = 30
    letter_prefix: str = ""
    bridge_name: str = "sqmy-bridge"
    bridge_email: str | None = None
    bridge_ssh_key: str | None = None
    issues_before: int = 0  # journal issues published before the first year in the repository (总期号)
    forge: str = "github"  # where the repository is hosted: github, gitea or forgejo (which files sqmy generate writes)


_FALLBACK_OFFICE = Office("", "", "", "社情民意信息", "", None, {}, 30, 1500, False, None)


@dataclass(frozen=True)
class Waiver:
    """An audit violation the office has looked into and accepts as history (units/waivers.yml)."""

    commit: str
    rule: str
    reason: str
    item: str | None = None

    def covers(self, item: str, commit: str, rule: str) -> bool:
        return self.commit == commit and self.rule == rule and self.item in (None, item)


@dataclass(frozen=True)
class Peer:
    """Another office this one forwards reports to or accepts them from (units/network.yml)."""

    id: str
    name: str
    key: str  # the public key its bundles are signed with
    repository: str = ""
    unit: str | None = None  # what a report it forwards is filed under here: a unit of units.yml ...
    author: str | None = None  # ... and a person of people.yml (its liaison)
    level: str | None = None  # a higher office: 市政协, 省政协 or 全国政协 (what its adoptions count as here)
    site: str = ""  # its public archive's address: this office's archive searches it too (Pagefind's mergeIndex)


@dataclass(frozen=True)
class Network:
    """This office among others: its id, its signing key, the offices it deals with."""

    id: str
    key: str | None
    offices: Mapping[str, Peer]

    def named(self, text: str) -> Peer:
        """The office `text` names (its id or name)."""
        wanted = " ".join(str(text).split())
        found = [p for p in self.offices.values() if wanted in (p.id, p.name)]
        if len(found) == 1:
            return found[0]
        known = "、".join(f"{p.name}（{p.id}）" for p in self.offices.values()) or "（没有登记往来单位）"
        raise Refused("unknown-office", f"“{wanted}”不是 units/network.yml 中登记的往来单位：{known}")


@dataclass(frozen=True)
class Registry:
    office: Office
    units: Mapping[str, Unit]
    people: Mapping[str, Person]
    categories: tuple[str, ...]
    focuses: tuple[str, ...]
    key_topics: Mapping[int, Mapping[str, KeyTopic]]
    scoring: Mapping[str, Any] | None = None  # units/scoring.yml, checked against its schema
    waivers: tuple[Waiver, ...] = ()  # units/waivers.yml
    network: Network | None = None  # units/network.yml: the offices it forwards to and receives from

    def person_by_email(self, email: str) -> Person | None:
        wanted = email.strip().lower()
        if not wanted:  # members without an email never match an unset git user.email
            return None
        return next((p for p in self.people.values() if p.email.lower() == wanted), None)

    def person_by_login(self, forge: str, login: str) -> Person | None:
        """The person with this account on the forge: `github` on GitHub, `gitea` on Gitea and Forgejo (case-insensitive)."""
        field = "github" if forge == "github" else "gitea"
        wanted = login.strip().lower()
        if not wanted:
            return None
        return next((p for p in self.people.values() if (getattr(p, field) or "").lower() == wanted), None)

    def unit_named(self, text: str, among: Collection[str] | None = None, what: str = "单位") -> str:
        """The id of the unit `text` names: its id, full name or short name (`among`: only these ids). Refused when
        no unit has that name, or several do (the message lists them)."""
        wanted = " ".join(str(text).split())
        pool = [u for u in self.units.values() if among is None or u.id in among]
        found = [u for u in pool if wanted in (u.id, u.name, u.short)]
        if len(found) == 1:
            return found[0].id
        if found:
            raise Refused("ambiguous-unit", f"{what}“{wanted}”可指 {len(found)} 个单位：{'、'.join(f'{u.name}（{u.id}）' for u in found)}；请写编号")
        hint = schema.did_you_mean(wanted, [u.name for u in pool] + [u.short for u in pool if u.short])
        raise Refused("unknown-unit", f"{what}“{wanted}”不在单位名册中" + (f"；{hint}" if hint else ""))

    def person_named(self, text: str, what: str = "人员") -> str:
        """The id of the person `text` names: the id, or the name when one person has it. Refused when nobody does,
        or several people share the name (the message lists them with their units)."""
        wanted = " ".join(str(text).split())
        if wanted in self.people:
            return wanted
        found = [p for p in self.people.values() if p.name == wanted]
        if len(found) == 1:
            return found[0].id
        if found:
            shown = "、".join(f"{p.name}（{self.units[p.unit].label if p.unit in self.units else p.unit}，{p.id}）" for p in found)
            raise Refused("ambiguous-person", f"{what}“{wanted}”有 {len(found)} 位同名：{shown}；请写编号")
        hint = schema.did_you_mean(wanted, [p.name for p in self.people.values()] + list(self.people))
        raise Refused("unknown-person", f"{what}“{wanted}”不在人员名册中" + (f"；{hint}" if hint else ""))

    def office_person(self, email: str, day: dt.date) -> Person | None:
        """The person of `email` when they hold the office role on `day` (who may record, forward and receive)."""
        person = self.person_by_email(email)
        return person if person is not None and person.has_role(schema.OFFICE, day) else None

    def office_member(self, email: str, day: dt.date, refusal: str, rule: str = "role") -> Person:
        """The office person of `email` on `day`, or Refused(`rule`): `refusal` says what only the office may do."""
        person = self.office_person(email, day)
        if person is None:
            known = self.person_by_email(email)
            who = f"{known.name}（{email}）" if known else email or "（未设置邮箱）"
            raise Refused(rule, f"{refusal}；{who} 在 {day} 没有“办公室”角色")
        return person

    def holders(self, role: str, day: dt.date) -> list[Person]:
        return [p for p in self.people.values() if p.has_role(role, day)]

    def informant_for(self, person_id: str) -> tuple[str, ...]:
        """Ids of the units that name this person as their 特约信息员."""
        return tuple(u.id for u in self.units.values() if person_id in u.informants)

    @property
    def has_informants(self) -> bool:
        """Whether the office names informants at all (else a breakdown by them says nothing)."""
        return any(p.informant or p.kind == schema.INFORMANT_KIND for p in self.people.values()) or any(u.informants for u in self.units.values())

    def informant_class(self, person_id: str) -> str:
        """信息员, 特约信息员, 其他委员 or 其他人员: the breakdown of statistics and scores by informant."""
        person = self.people.get(person_id)
        if person is not None and (person.kind == schema.INFORMANT_KIND or self.informant_for(person_id)):
            return UNIT_INFORMANT
        if person is not None and person.informant:
            return INFORMANT
        if person is not None and person.kind == schema.MEMBER_KIND:
            return OTHER_MEMBER
        return OTHER_AUTHOR


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and schema.is_date(value) else None


class Source(Protocol):
    """Where the registry files are read from: a folder, or a commit's tree."""

    def read(self, name: str) -> bytes | None:
        """The bytes of units/NAME; None when absent; NotRegular when it is not a plain file."""

    def shown(self, name: str) -> str:
        """The file's name as shown in findings."""


class NotRegular(Exception):
    """A registry or item path that is a symbolic link, a folder or a special file."""


MAX_BYTES = 8 * 1024 * 1024  # far above any real registry; refuses a file made to exhaust memory


class FolderSource:
    """units/ in a working tree; symbolic links and special files are refused, never followed."""

    def __init__(self, folder: Path, display: Callable[[Path], str]) -> None:
        self.folder = folder
        self.display = display

    def read(self, name: str) -> bytes | None:
        path = self.folder / name
        if os.path.islink(self.folder):
            raise NotRegular(name)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(name)
        if st.st_size > MAX_BYTES:
            raise ValueError(name)
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)

    def shown(self, name: str) -> str:
        return self.display(self.folder / name)


def not_regular_message(what: str) -> str:
    return f"{what}不是普通文件（是符号链接、文件夹或特殊文件）：sqmy 不跟随链接，请改为普通文件"


class _Reader:
    """Reads one registry file, turning every problem into a finding."""

    def __init__(self, source: Source, key: str) -> None:
        self.source = source
        self.name = {**FILES, **OPTIONAL}[key]
        self.shown = source.shown(self.name)
        self.key = key
        self.findings: list[Finding] = []
        self.doc: yamlsrc.Document | None = None

    def read(self) -> tuple[Any, Any]:
        """(everything parsed, only what passed the schema): checks run on the
        first, so every problem shows in one run; objects are built from the second."""
        try:
            raw = self.source.read(self.name)
        except NotRegular:
            self.findings.append(error(self.shown, 1, "not-regular-file", not_regular_message(f"名册文件 units/{self.name} ")))
            return None, None
        except ValueError:
            self.findings.append(error(self.shown, 1, "too-large", f"名册文件 units/{self.name} 超过 {MAX_BYTES // 1024 // 1024} MB，不予读取"))
            return None, None
        if raw is None:
            if self.key not in OPTIONAL:
                self.findings.append(error(self.shown, 1, "missing-file", f"缺少名册文件 units/{FILES[self.key]}"))
            elif self.key in NEEDED_BY:
                self.findings.append(warning(self.shown, 1, "missing-file", f"缺少 units/{self.name}：{NEEDED_BY[self.key]}"))
            return None, None
        try:
            text = yamlsrc.decode(raw)
        except UnicodeDecodeError:
            self.findings.append(error(self.shown, 1, "encoding", "文件不是 UTF-8 编码；请用 UTF-8 保存"))
            return None, None
        self.doc = yamlsrc.load(text)
        for problem in self.doc.errors:
            self.findings.append(error(self.shown, problem.line + 1, problem.rule, problem.message))
        data = self.doc.data
        if data is None:
            return None, None
        problems = list(schema.check(self.key, data))
        for schema_problem in problems:
            self.add(schema_problem.path, schema_problem.rule, schema_problem.message)
        if isinstance(data, list):
            bad = {p.path[0] for p in problems if p.path and isinstance(p.path[0], int)}
            entries = [e for e in data if isinstance(e, dict)]
            return entries, [e for i, e in enumerate(data) if i not in bad and isinstance(e, dict)]
        if not isinstance(data, dict):
            return None, None
        return data, (None if problems else data)

    def add(self, path: Sequence[str | int], rule: str, message: str) -> None:
        line = self.doc.line_of(path) + 1 if self.doc else 1
        self.findings.append(error(self.shown, line, rule, message, schema.field_name(path) or None))

    def index_of(self, entry: dict[str, Any]) -> int:
        assert self.doc is not None
        assert isinstance(self.doc.data, list)
        return next(i for i, e in enumerate(self.doc.data) if e is entry)


def _unique(reader: _Reader, entries: list[dict[str, Any]], key: str, what: str, fold: bool = False) -> None:
    seen: dict[str, int] = {}
    for entry in entries:
        value = entry.get(key)
        if not isinstance(value, str):
            continue
        norm = value.lower() if fold else value
        index = reader.index_of(entry)
        if norm in seen:
            first = reader.doc.line_of([seen[norm], key]) + 1 if reader.doc else 0
            reader.add([index, key], "duplicate", f"{what}“{value}”与第 {first} 行重复")
        else:
            seen[norm] = index


def load(repo: Repo) -> tuple[Registry, list[Finding]]:
    """The registry of `repo` (or of its trusted rules checkout) and every problem found in its files."""
    return load_from(FolderSource(repo.units_dir, repo.display))


def load_valid(repo: Repo) -> Registry:
    """The registry of `repo`, for commands that write: refused while any of its files has an error."""
    reg, findings = load(repo)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise Refused("registry", f"名册有错误，请先修正：{errors[0].text()}")
    return reg


def load_from(source: Source) -> tuple[Registry, list[Finding]]:
    """The registry read from `source` and every problem found in its files."""
    readers = {key: _Reader(source, key) for key in (*FILES, *OPTIONAL)}
    _, office_data = readers["office"].read()
    all_units, unit_entries = readers["units"].read()
    all_people, people_entries = readers["people"].read()
    all_topics, topics_data = readers["topics"].read()
    _, scoring = readers["scoring"].read()
    _, waiver_entries = readers["waivers"].read()
    all_network, network_data = readers["network"].read()

    _unique(readers["units"], all_units or [], "id", "单位编号")
    units = _units(unit_entries or [])
    _check_people(readers["people"], all_people or [], {u.get("id") for u in all_units or []})
    people = _people(people_entries or [])
    _check_unit_informants(readers["units"], all_units or [], {p.get("id") for p in all_people or []})
    _check_topics(readers["topics"], all_topics)
    office = _office(office_data) if office_data else _FALLBACK_OFFICE
    categories, focuses, key_topics = _topics(topics_data)
    waivers = tuple(Waiver(w["commit"], w["rule"], w["reason"], w.get("item")) for w in waiver_entries or [])
    _check_network(readers["network"], all_network, {u.get("id") for u in all_units or []}, {p.get("id") for p in all_people or []})
    registry = Registry(office, units, people, categories, focuses, key_topics, scoring, waivers, _network(network_data))
    findings = [f for r in readers.values() for f in r.findings]
    return registry, findings


def _check_network(reader: _Reader, data: Any, unit_ids: set[Any], person_ids: set[Any]) -> None:
    if not isinstance(data, dict):
        return
    offices = [o for o in data.get("offices") or [] if isinstance(o, dict)]
    seen: dict[str, int] = {}
    for index, entry in enumerate(offices):
        office_id = entry.get("id")
        if office_id == data.get("id"):
            reader.add(["offices", index, "id"], "duplicate", f"往来单位的编号“{office_id}”与本会编号相同")
        if isinstance(office_id, str):
            if office_id in seen:
                reader.add(["offices", index, "id"], "duplicate", f"往来单位编号“{office_id}”与第 {seen[office_id] + 1} 个重复")
            seen.setdefault(office_id, index)
        if entry.get("unit") is not None and entry.get("unit") not in unit_ids:
            reader.add(["offices", index, "unit"], "unknown-unit", f"单位“{entry.get('unit')}”不在 units/units.yml 中")
        if entry.get("author") is not None and entry.get("author") not in person_ids:
            reader.add(["offices", index, "author"], "unknown-person", f"人员“{entry.get('author')}”不在 units/people.yml 中")


def _network(data: Any) -> Network | None:
    if not isinstance(data, dict):
        return None
    peers: dict[str, Peer] = {}
    for o in data.get("offices") or []:
        peers.setdefault(o["id"], Peer(o["id"], o["name"], o["key"], o.get("repository") or "", o.get("unit"), o.get("author"), o.get("level"),
                                          o.get("site") or ""))
    return Network(data["id"], data.get("key"), peers)


def _units(entries: list[dict[str, Any]]) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for e in entries:
        quota = {int(year): count for year, count in (e.get("quota") or {}).items()}
        units.setdefault(e["id"], Unit(e["id"], e["name"], e["kind"], e.get("short", ""), quota, tuple(e.get("informants") or ())))
    return units


def _check_people(reader: _Reader, entries: list[dict[str, Any]], unit_ids: set[Any]) -> None:
    _unique(reader, entries, "id", "人员编号")
    _unique(reader, entries, "email", "邮箱", fold=True)
    _unique(reader, entries, "github", "GitHub 账号", fold=True)
    _unique(reader, entries, "gitea", "Gitea/Forgejo 账号", fold=True)
    known_units = sorted(u for u in unit_ids if isinstance(u, str))
    for e in entries:
        index = reader.index_of(e)
        unit = e.get("unit")
        if isinstance(unit, str) and known_units and unit not in unit_ids:
            hint = schema.did_you_mean(unit, known_units)
            reader.add([index, "unit"], "unknown-unit", f"所在单位“{unit}”不在单位名册 units/units.yml 中" + (f"；{hint}" if hint else ""))
        roles = e.get("roles")
        _check_committer(reader, index, e)
        for r_index, r in enumerate(roles if isinstance(roles, list) else []):
            if not isinstance(r, dict):
                continue
            start, end = _date(r.get("from")), _date(r.get("to"))
            if start and end and end < start:
                reader.add([index, "roles", r_index, "to"], "date-order", f"角色“{r.get('role')}”的终止日期 {end} 早于起始日期 {start}")


def _check_committer(reader: _Reader, index: int, e: dict[str, Any]) -> None:
    """An email is needed only by people who commit (reviewers of any stage, the office): members who only write need none.
    The GitHub account stays optional for everyone: an office may review without GitHub."""
    roles = e.get("roles")
    held: list[str] = list(dict.fromkeys(
        r["role"] for r in (roles if isinstance(roles, list) else []) if isinstance(r, dict) and r.get("role") in schema.ROLES
    ))
    if held and not e.get("email"):
        reader.add([index, "email"], "committer-email", f"担任{'、'.join(held)}角色的人须填写邮箱（email）：审核记录以此邮箱提交和核对")
    elif e.get("ssh_key") and not e.get("email"):
        reader.add([index, "email"], "committer-email", "登记了签名公钥（ssh_key）的人须填写邮箱（email）：签名以邮箱识别")


def _check_unit_informants(reader: _Reader, entries: list[dict[str, Any]], person_ids: set[Any]) -> None:
    """Every unit's 特约信息员 is a person in people.yml."""
    known = sorted(p for p in person_ids if isinstance(p, str))
    if not known:
        return
    for e in entries:
        named = e.get("informants")
        for i, person in enumerate(named if isinstance(named, list) else []):
            if isinstance(person, str) and person not in person_ids:
                hint = schema.did_you_mean(person, known)
                reader.add([reader.index_of(e), "informants", i], "unknown-person",
                           f"特约信息员“{person}”不在人员名册 units/people.yml 中" + (f"；{hint}" if hint else ""))


def _people(entries: list[dict[str, Any]]) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for e in entries:
        roles = []
        for r in e.get("roles") or []:
            start, end = _date(r["from"]), _date(r.get("to"))
            if start is not None and (end is None or end >= start):
                roles.append(Role(r["role"], start, end))
        people.setdefault(
            e["id"],
            Person(
                id=e["id"], name=e["name"], kind=e["kind"], unit=e["unit"], email=e.get("email") or "",
                title=e.get("title") or "", github=e.get("github"), gitea=e.get("gitea"), ssh_key=e.get("ssh_key"),
                phone=e.get("phone"), roles=tuple(roles), informant=bool(e.get("informant")),
            ),
        )
    return people


def _office(d: dict[str, Any]) -> Office:
    rules = d["rules"]
    return Office(
        county=d["county"], name=d["name"], short_name=d["short_name"],
        journal_title=d["journal"]["title"], journal_editor=d["journal"]["editor"],
        print_count=d["journal"].get("print_count"),
        issues_before=d["journal"].get("issues_before", 0),
        distribution={k: tuple(v) for k, v in d["distribution"].items()},
        transfer_due_days=rules["transfer_due_days"], body_max_chars=rules["body_max_chars"],
        require_signatures=bool(rules.get("require_signatures", False)),
        repository_url=d.get("repository_url"),
        imported_until=_date(rules.get("imported_until")),
        instruction_due_days=rules.get("instruction_due_days", 30),
        letter_prefix=rules.get("letter_prefix", ""),
        bridge_name=(d.get("bridge") or {}).get("name") or "sqmy-bridge",
        bridge_email=(d.get("bridge") or {}).get("email"),
        bridge_ssh_key=(d.get("bridge") or {}).get("ssh_key"),
        forge=d.get("forge") or "github",
    )


def _check_topics(reader: _Reader, d: Any) -> None:
    if not isinstance(d, dict):
        return
    names: list[Any] = []
    focuses = d.get("focuses")
    for index, focus in enumerate(focuses if isinstance(focuses, list) else []):
        name = focus.get("name") if isinstance(focus, dict) else None
        if name is not None and name in names:
            reader.add(["focuses", index, "name"], "duplicate", f"选题重点“{name}”重复")
        names.append(name)
    key_topics = d.get("key_topics")
    for year, entries in (key_topics.items() if isinstance(key_topics, dict) else []):
        ids: list[Any] = []
        for index, t in enumerate(entries if isinstance(entries, list) else []):
            topic_id = t.get("id") if isinstance(t, dict) else None
            if topic_id is not None and topic_id in ids:
                reader.add(["key_topics", year, index, "id"], "duplicate", f"{year}年重点选题编号“{topic_id}”重复")
            ids.append(topic_id)


def _topics(d: dict[str, Any] | None) -> tuple[tuple[str, ...], tuple[str, ...], dict[int, dict[str, KeyTopic]]]:
    if not d:
        return (), (), {}
    key_topics = {
        int(year): {t["id"]: KeyTopic(t["id"], t["title"], int(year)) for t in reversed(entries)}
        for year, entries in (d.get("key_topics") or {}).items()
    }
    return tuple(d["categories"]), tuple(f["name"] for f in d["focuses"]), key_topics


def iter_files(repo: Repo) -> Iterator[Path]:
    """The registry files `validate` checks (and reports on): the required ones and those commands need, present or not."""
    for name in FILES.values():
        yield repo.units_dir / name
    for key, name in OPTIONAL.items():
        if key in NEEDED_BY or (repo.units_dir / name).is_file():
            yield repo.units_dir / name
