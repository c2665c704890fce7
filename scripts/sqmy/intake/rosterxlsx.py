"""Rosters kept in Excel: a sheet of people (姓名, 单位, 职务, 电话, 角色 …) or of
units (名称, 简称, 类别, 年度任务, 特约信息员 …) compared with units/people.yml
or units/units.yml, and the changes written in place (roster.edit_registry).

A sheet is data: cells are read as values (formulas as their last computed
value), nothing in the file is run, and its size is bounded.  Rows are matched
to registry entries by 编号 when the sheet has it, else by name (and unit, for
people with the same name).  What the sheet does not say is never changed:
blank cells keep the registry's value, entries missing from the sheet stay and
are listed, roles are only added (ending one is a dated edit for the clerk).
Ids of new entries come from the 编号 column, as the registry's ids are made
today: the name in pinyin, chosen by the office.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import personal, registry, schema, yamlsrc
from ..errors import Refused, SqmyError
from ..findings import ERROR
from ..fsutil import write_text
from ..paths import Repo
from ..registry import Registry
from .matching import Names, exact_unit, squeeze
from .roster import Edit, edit_registry

MAX_BYTES = 20 * 1024 * 1024  # a roster of thousands of people is far smaller
MAX_ROWS = 20_000
MAX_COLUMNS = 200
HEADER_ROWS = 10  # the header may follow a title row or two (“2026年政协委员名册”)

# header texts, as normalised by _norm, for each field; the first is the one shown
PEOPLE_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("编号", "人员编号", "id", "拼音编号"),
    "name": ("姓名", "名字", "人员姓名", "委员姓名"),
    "kind": ("身份", "人员身份", "人员类别", "类别"),
    "unit": ("单位", "所在单位", "所属单位", "报送单位", "联络组", "所在联络组", "所属联络组"),
    "title": ("职务", "现任职务", "工作单位及职务", "单位及职务"),
    "phone": ("电话", "联系电话", "手机", "手机号", "手机号码", "联系方式", "移动电话"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail", "邮件"),
    "github": ("github账号", "github", "github用户名", "github登录名"),
    "gitea": ("gitea账号", "gitea", "forgejo账号", "forgejo", "gitea用户名", "内网代码平台账号"),
    "roles": ("角色", "审核角色"),
    "informant": ("信息员", "是否信息员", "信息员队伍"),
}
UNITS_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("编号", "单位编号", "id"),
    "name": ("名称", "单位名称", "单位", "全称", "单位全称"),
    "short": ("简称", "单位简称"),
    "kind": ("类别", "单位类别", "类型", "单位类型"),
    "quota": ("年度任务", "任务", "任务数", "信息任务", "年度任务数"),
    "informants": ("特约信息员", "信息员"),
}
_QUOTA_OF_YEAR = re.compile(r"^([0-9]{4})年?度?(?:信息)?任务数?$")
_YES = frozenset({"是", "√", "✓", "✔", "y", "yes", "true", "1", "信息员", "○", "●"})
_NO = frozenset({"否", "×", "✗", "n", "no", "false", "0", ""})
_SPLIT = re.compile(r"[、,，;；/／\s]+")
INFORMANT_ROLE = "信息员"  # in a 角色 cell: the person is in the informant team


def _norm(header: Any) -> str:
    text = squeeze(str(header or "")).replace("＊", "").replace("*", "").lower()
    return re.sub(r"[（(][^）)]*[）)]$", "", text)  # 年度任务（篇）, 电话(必填)


@dataclass(frozen=True)
class Row:
    number: int  # the sheet's row number, as Excel shows it
    cells: Mapping[str, tuple[Any, str]]  # field -> (value, "名册!C7")
    quota: Mapping[int, tuple[Any, str]] = field(default_factory=dict)  # year -> (value, ref), units only

    def text(self, key: str) -> str:
        value = self.cells.get(key, (None, ""))[0]
        return _text(value)

    def ref(self, key: str) -> str:
        return self.cells.get(key, (None, ""))[1]


@dataclass(frozen=True)
class Sheet:
    file: str
    name: str
    fields: tuple[str, ...]  # the fields the sheet has columns for
    ignored: tuple[str, ...]  # headers not understood, as written
    rows: tuple[Row, ...]
    quota_years: tuple[int, ...] = ()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 13800000000 typed into a number cell
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    return re.sub(r"\s+", " ", str(value).replace("\u3000", " ")).strip()  # a line break typed in a cell (Alt+Enter) is a space


def read_sheet(path: Path, headers: Mapping[str, tuple[str, ...]], sheet: str | None, quota_year: int) -> Sheet:
    """The rows of the first sheet (or of `sheet`) whose header row names the `name` column."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise SqmyError(f"{path.name} 不是 .xlsx 文件：请在 Excel 或 WPS 中另存为“Excel 工作簿（*.xlsx）”后再导入")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SqmyError(f"无法读取 {path}：{exc.strerror or exc}") from None
    if size > MAX_BYTES:
        raise SqmyError(f"{path.name} 超过 {MAX_BYTES // 1024 // 1024} MB，不像是名册，未读取")
    from openpyxl import load_workbook  # noqa: PLC0415 - only this command needs it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SqmyError(f"无法读取 {path.name}：文件已损坏或不是 Excel 工作簿（{type(exc).__name__}）") from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise SqmyError(f"{path.name} 中没有工作表“{sheet}”（有：{'、'.join(names)}）")
        for name in [sheet] if sheet is not None else names:
            found = _read(book[name], name, path.name, headers, quota_year)
            if found is not None:
                return found
    finally:
        book.close()
    wanted = "、".join(h[0] for h in headers.values())
    where = f"工作表“{sheet}”" if sheet else path.name
    raise SqmyError(f"{where}的前 {HEADER_ROWS} 行中找不到表头：表头应含“{headers['name'][0]}”列，可用的列有 {wanted}")


def _read(ws: Any, name: str, file: str, headers: Mapping[str, tuple[str, ...]], quota_year: int) -> Sheet | None:
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    alias = {a: key for key, aliases in headers.items() for a in aliases}
    rows = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    columns: dict[str, int] = {}
    quota_columns: dict[int, int] = {}
    ignored: list[str] = []
    header_row = 0
    for number, values in enumerate(rows, start=1):
        if number > HEADER_ROWS:
            return None
        found = {alias[_norm(v)]: i for i, v in reversed(list(enumerate(values))) if _norm(v) in alias}  # the first column wins
        years = {int(m.group(1)): i for i, v in enumerate(values) if "quota" in headers and (m := _QUOTA_OF_YEAR.match(_norm(v)))}
        if "name" in found and len(found) + len(years) >= 2:
            columns, quota_columns, header_row = found, years, number
            for i, v in enumerate(values):
                norm = _norm(v)
                if norm in alias and columns[alias[norm]] != i:
                    ignored.append(f"{_text(v)}（与“{_text(values[columns[alias[norm]]])}”列重复）")
                elif norm and norm not in alias and i not in years.values():
                    ignored.append(_text(v))
            break
    if not header_row:
        return None
    if "quota" in columns:
        quota_columns.setdefault(quota_year, columns.pop("quota"))
    data: list[Row] = []
    for number, values in enumerate(rows, start=header_row + 1):
        if number - header_row > MAX_ROWS:
            raise SqmyError(f"{file} 的工作表“{name}”超过 {MAX_ROWS} 行，不像是名册，未读取")
        if all(_text(v) == "" for v in values):
            continue

        def cell(i: int, number: int = number, values: tuple[Any, ...] = values) -> tuple[Any, str]:
            return (values[i] if i < len(values) else None), f"{name}!{get_column_letter(i + 1)}{number}"

        data.append(Row(number, {key: cell(i) for key, i in columns.items()}, {y: cell(i) for y, i in quota_columns.items()}))
    return Sheet(file, name, tuple(columns), tuple(ignored), tuple(data), tuple(sorted(quota_columns)))


# --- the plan: what the import will change ---------------------------------------


@dataclass
class Plan:
    target: str  # units/people.yml
    source: str  # 名册.xlsx（工作表“名册”）
    added: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[str, str, list[tuple[str, str, str]]]] = field(default_factory=list)  # (id, name, [(field, old, new)])
    unchanged: list[str] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (id, name) in the file, not in the sheet
    notes: list[str] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    old_text: str = ""
    new_text: str = ""

    @property
    def changes(self) -> bool:
        return bool(self.added or self.changed)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target, "source": self.source,
            "added": [{k: _json_value(k, v) for k, v in a.items()} for a in self.added],
            "changed": [{"id": i, "name": n, "fields": [{"field": f, "old": o, "new": w} for f, o, w in fields]} for i, n, fields in self.changed],
            "unchanged": self.unchanged, "missing": [{"id": i, "name": n} for i, n in self.missing], "notes": self.notes,
        }

    def lines(self) -> list[str]:
        what = "人" if self.target.endswith("people.yml") else "个单位"
        out = [f"{self.source} → {self.target}"]
        if self.added:
            out.append(f"新增 {len(self.added)} {what}：")
            out += [f"  + {a['id']} {a['name']}（{_summary(a)}）" for a in self.added]
        if self.changed:
            out.append(f"修改 {len(self.changed)} {what}：")
            out += [f"  ~ {i} {n}：" + "；".join(f"{f} {o} → {w}" for f, o, w in fields) for i, n, fields in self.changed]
        out.append(f"不变 {len(self.unchanged)} {what}")
        if self.missing:
            shown = "、".join(f"{n}（{i}）" for i, n in self.missing[:20]) + ("等" if len(self.missing) > 20 else "")
            out.append(f"名册中有、表中没有 {len(self.missing)} {what}（保留，未改动）：{shown}")
        out += [f"说明：{note}" for note in self.notes]
        return out


def _shown(key: str, value: Any) -> str:
    if key == "informant" and not value:
        return "否"
    if value is None or value in ("", []):
        return "（空）"
    if key == "phone":
        return personal.mask_number(str(value))  # the preview may be shared; the file keeps the number
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_shown(key, v) for v in value)
    if isinstance(value, dict) and "role" in value:
        return f"{value['role']}（{value['from']}起）"
    if isinstance(value, dict):
        return "，".join(f"{k}年 {v}" for k, v in value.items())
    return str(value)


def _json_value(key: str, value: Any) -> Any:
    return personal.mask_number(str(value)) if key == "phone" and value else value


def _summary(entry: Mapping[str, Any]) -> str:
    parts = [str(entry.get("kind", "")), str(entry.get("unit", ""))]
    if entry.get("roles"):
        parts.append("、".join(r["role"] for r in entry["roles"]))
    if entry.get("informant"):
        parts.append(INFORMANT_ROLE)
    return "，".join(p for p in parts if p)


def _label(name: str, key: str) -> str:
    title: str = schema.schema(name)["items"]["properties"][key]["title"]
    return title


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, ref: str, message: str) -> None:
        self.lines.append(f"{ref}：{message}")

    def raise_if_any(self, source: str) -> None:
        if self.lines:
            shown = self.lines[:50] + ([f"……另有 {len(self.lines) - 50} 处"] if len(self.lines) > 50 else [])
            raise Refused("roster-sheet", f"{source} 有 {len(self.lines)} 处错误，未写入任何内容：\n" + "\n".join(shown))


def _registry_text(repo: Repo, reg_file: str) -> tuple[str, list[dict[str, Any]]]:
    source = registry.FolderSource(repo.units_dir, repo.display)
    try:
        raw = source.read(reg_file)
    except registry.NotRegular:
        raise SqmyError(registry.not_regular_message(f"units/{reg_file} ")) from None
    except ValueError:
        raise SqmyError(f"units/{reg_file} 过大，未读取") from None
    text = yamlsrc.decode(raw) if raw is not None else ""
    doc = yamlsrc.load(text)
    if doc.errors or not isinstance(doc.data, list | None):
        raise SqmyError(f"units/{reg_file} 有格式错误：请先运行 sqmy validate 并修正，再导入")
    return text, [e for e in doc.data or [] if isinstance(e, dict)]


def _check_registry(repo: Repo, reg_file: str) -> Registry:
    reg, findings = registry.load(repo)
    shown = repo.display(repo.units_dir / reg_file)
    mine = [f for f in findings if f.path == shown and f.severity == ERROR]
    if mine:
        raise SqmyError(f"units/{reg_file} 有 {len(mine)} 个错误，请先修正再导入：\n" + "\n".join(f.text() for f in mine[:20]))
    return reg


def _yes_no(value: Any, ref: str, problems: _Problems) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    problems.add(ref, f"“{_text(value)}”应为“是”或“否”（空白为否）")
    return None


def _phone(row: Row, problems: _Problems) -> str | None:
    text = row.text("phone")
    if not text:
        return None
    found = [personal.canonical(m) for m in personal.find(text) if m.kind in (personal.MOBILE, personal.LANDLINE)]
    if not found:
        problems.add(row.ref("phone"), "不是电话号码（手机 11 位，固定电话如 0571-87654321）")
        return None
    return found[0]


_VALID_PERSON = {"id": "a", "name": "甲", "kind": schema.MEMBER_KIND, "unit": "a"}


def _checked(key: str, value: str, ref: str, problems: _Problems) -> str | None:
    """`value` when people.schema.json accepts it for `key`."""
    if any(True for _ in schema.check("people", [{**_VALID_PERSON, key: value}])):
        problems.add(ref, f"{_label('people', key)}“{value}”格式不对")
        return None
    return value


def _unit_of(reg: Registry, row: Row, problems: _Problems) -> str | None:
    text = row.text("unit")
    if not text:
        return None
    unit = exact_unit(reg, text)
    if unit is None:
        names = [u.name for u in reg.units.values()] + [u.short for u in reg.units.values() if u.short]
        hint = schema.did_you_mean(text, names)
        problems.add(row.ref("unit"), f"单位“{text}”不在单位名册 units/units.yml 中" + (f"；{hint}" if hint else "；新单位请先用 sqmy units import 导入"))
        return None
    return unit.id


def _person_kind(row: Row, problems: _Problems) -> str | None:
    text = row.text("kind")
    if not text:
        return None
    if text in schema.PERSON_KINDS:
        return text
    if text.endswith(schema.MEMBER_KIND):  # 政协委员, 县政协委员
        return schema.MEMBER_KIND
    hint = schema.did_you_mean(text, list(schema.PERSON_KINDS))
    problems.add(row.ref("kind"), f"身份“{text}”应为{'、'.join(schema.PERSON_KINDS)}之一" + (f"；{hint}" if hint else ""))
    return None


def _roles(row: Row, problems: _Problems) -> tuple[list[str], bool]:
    """The review roles named in the 角色 cell, and whether it names 信息员."""
    roles: list[str] = []
    informant = False
    for token in _SPLIT.split(row.text("roles")):
        if not token or token in ("无", "—", "-"):
            continue
        if token == INFORMANT_ROLE:
            informant = True
        elif token in schema.ROLES:
            if token not in roles:
                roles.append(token)
        else:
            hint = schema.did_you_mean(token, [*schema.ROLES, INFORMANT_ROLE])
            problems.add(row.ref("roles"), f"角色“{token}”应为{'、'.join([*schema.ROLES, INFORMANT_ROLE])}之一" + (f"；{hint}" if hint else ""))
    return roles, informant


def _match(
    row: Row, entries: Mapping[str, Mapping[str, Any]], by_name: Callable[[str], list[str]], unit_of: Callable[[str], str | None],
    unit: str | None, problems: _Problems, example: str = "一般用姓名拼音，如 zhang-san",
) -> tuple[str | None, bool]:
    """(the registry id of the row, whether it is new): by 编号, else by name and unit."""
    given = row.text("id")
    if given:
        if _checked_id(given, row.ref("id"), problems):
            return given, given not in entries
        return None, False
    name = row.text("name")
    ids = by_name(name)
    if len(ids) > 1 and unit:
        ids = [i for i in ids if unit_of(i) == unit] or ids
    if len(ids) == 1:
        return ids[0], False
    if len(ids) > 1:
        problems.add(row.ref("name"), f"名册中有 {len(ids)} 个“{name}”（{'、'.join(ids)}）：请在“编号”列写明是哪一个")
        return None, False
    problems.add(row.ref("name"), f"“{name}”不在名册中：新增的请在“编号”列填写编号（{example}）")
    return None, False


def _checked_id(value: str, ref: str, problems: _Problems) -> bool:
    if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value):
        return True
    problems.add(ref, f"编号“{value}”无效：只能用小写英文字母、数字和“-”，一般用姓名拼音，如 zhang-san")
    return False


def _once(row: Row, entry_id: str, seen: dict[str, int], problems: _Problems) -> bool:
    if entry_id in seen:
        problems.add(row.ref("name"), f"与第 {seen[entry_id]} 行重复（都是 {entry_id}）：每个只写一行")
        return False
    seen[entry_id] = row.number
    return True


def plan_people(repo: Repo, path: Path, sheet_name: str | None, today: dt.date) -> Plan:
    """What importing the people sheet of `path` would change in units/people.yml."""
    sheet = read_sheet(path, PEOPLE_HEADERS, sheet_name, today.year)
    reg = _check_registry(repo, "people.yml")
    text, entries = _registry_text(repo, "people.yml")
    by_id = {e["id"]: e for e in entries if isinstance(e.get("id"), str)}
    names = Names(reg)
    plan = Plan("units/people.yml", f"{sheet.file}（工作表“{sheet.name}”）", old_text=text)
    problems = _Problems()
    seen: dict[str, int] = {}
    for row in sheet.rows:
        name = row.text("name")
        if re.fullmatch(r"[\u4e00-\u9fff·]+", squeeze(name)):
            name = squeeze(name)  # 张  三, padded to line up with 欧阳明
        if not name:
            problems.add(row.ref("name"), "缺少姓名")
            continue
        unit = _unit_of(reg, row, problems)
        person_id, new = _match(row, by_id, names.ids, lambda i: str(by_id[i].get("unit")) if i in by_id else None, unit, problems)
        old_name = str(by_id[person_id].get("name", "")) if person_id in by_id else ""
        wanted: dict[str, Any] = {"name": old_name if squeeze(old_name) == squeeze(name) else name}
        if kind := _person_kind(row, problems):
            wanted["kind"] = kind
        if unit:
            wanted["unit"] = unit
        if title := row.text("title"):
            wanted["title"] = title
        if (email := row.text("email")) and _checked("email", email, row.ref("email"), problems):
            wanted["email"] = email
        if (github := row.text("github").removeprefix("@")) and _checked("github", github, row.ref("github"), problems):
            wanted["github"] = github
        if (gitea := row.text("gitea").removeprefix("@")) and _checked("gitea", gitea, row.ref("gitea"), problems):
            wanted["gitea"] = gitea
        if phone := _phone(row, problems):
            wanted["phone"] = phone
        roles, informant_role = _roles(row, problems)
        if "informant" in sheet.fields:
            flag = _yes_no(row.cells["informant"][0], row.ref("informant"), problems)
            wanted["informant"] = bool(flag) or informant_role
        elif informant_role:
            wanted["informant"] = True
        if person_id is None or not _once(row, person_id, seen, problems):
            continue
        same = [i for i in names.ids(name) if not unit or str(by_id[i].get("unit")) == unit] if new else []
        if same:
            problems.add(row.ref("id"), f"名册中已有“{name}”（{'、'.join(same)}）：是同一人请把编号改为 {same[0]}")
            continue
        if new:
            _add_person(plan, row, person_id, wanted, roles, today, problems)
        else:
            _change_person(plan, row, by_id[person_id], wanted, roles, "roles" in sheet.fields, today, problems)
    problems.raise_if_any(plan.source)
    plan.missing = [(i, str(e.get("name", ""))) for i, e in by_id.items() if i not in seen]
    if sheet.ignored:
        plan.notes.append(f"未识别的列没有导入：{'、'.join(sheet.ignored)}")
    _finish(repo, plan, "people.yml")
    return plan


def _add_person(plan: Plan, row: Row, person_id: str, wanted: dict[str, Any], roles: list[str], today: dt.date, problems: _Problems) -> None:
    if "unit" not in wanted:
        problems.add(row.ref("unit") or row.ref("name"), f"新增的“{wanted['name']}”缺少所在单位")
        return
    entry: dict[str, Any] = {"id": person_id, "name": wanted["name"], "kind": wanted.get("kind", schema.MEMBER_KIND), "unit": wanted["unit"]}
    for key in ("title", "email", "github", "gitea", "phone"):
        if key in wanted:
            entry[key] = wanted[key]
    if wanted.get("informant"):
        entry["informant"] = True
    if roles:
        if "email" not in entry:
            problems.add(row.ref("roles"), f"“{wanted['name']}”担任{'、'.join(roles)}角色，须填写邮箱（审核记录以此邮箱提交）")
            return
        entry["roles"] = [{"role": r, "from": today.isoformat()} for r in roles]
    plan.added.append(entry)


def _change_person(
    plan: Plan, row: Row, entry: Mapping[str, Any], wanted: dict[str, Any], roles: list[str], roles_column: bool,
    today: dt.date, problems: _Problems,
) -> None:
    person_id = str(entry["id"])
    changes: dict[str, Any] = {}
    shown: list[tuple[str, str, str]] = []
    for key, value in wanted.items():
        old = entry.get(key)
        if key == "informant" and bool(old) == value:
            continue
        if old != value:
            changes[key] = value
            shown.append((_label("people", key), _shown(key, old), _shown(key, value)))
    held = [r for r in entry.get("roles") or [] if isinstance(r, dict)]
    active = {r.get("role") for r in held if _active(r, today)}
    added = [{"role": r, "from": today.isoformat()} for r in roles if r not in active]
    if added:
        shown.append((_label("people", "roles"), "、".join(sorted(str(r) for r in active)) or "（无）", "增加" + "、".join(r["role"] for r in added)))
    if roles_column:
        left = sorted(str(r) for r in active if r not in roles)
        if left:
            plan.notes.append(f"{entry.get('name')}（{person_id}）现任{'、'.join(left)}，表中未列出：名册未改动；卸任请在 roles 中填写终止日期 to")
    if added and not (changes.get("email") or entry.get("email")):
        problems.add(row.ref("roles"), f"“{entry.get('name')}”担任{'、'.join(r['role'] for r in added)}角色，须填写邮箱（审核记录以此邮箱提交）")
        return
    if not changes and not added:
        plan.unchanged.append(person_id)
        return
    plan.changed.append((person_id, str(entry.get("name", "")), shown))
    plan.edits.append(Edit(person_id, set=changes, append={"roles": added} if added else {}))


def _active(role: Mapping[str, Any], today: dt.date) -> bool:
    start, end = str(role.get("from") or ""), role.get("to")
    return start <= today.isoformat() and (not end or today.isoformat() <= str(end))


def plan_units(repo: Repo, path: Path, sheet_name: str | None, today: dt.date, year: int | None = None) -> Plan:
    """What importing the units sheet of `path` would change in units/units.yml."""
    sheet = read_sheet(path, UNITS_HEADERS, sheet_name, year or today.year)
    reg = _check_registry(repo, "units.yml")
    text, entries = _registry_text(repo, "units.yml")
    by_id = {e["id"]: e for e in entries if isinstance(e.get("id"), str)}
    names = Names(reg)
    plan = Plan("units/units.yml", f"{sheet.file}（工作表“{sheet.name}”）", old_text=text)
    problems = _Problems()
    seen: dict[str, int] = {}

    def unit_ids(name: str) -> list[str]:
        unit = exact_unit(reg, name)
        return [unit.id] if unit is not None and unit.id in by_id else []

    for row in sheet.rows:
        name = row.text("name")
        if not name:
            problems.add(row.ref("name"), "缺少单位名称")
            continue
        unit_id, new = _match(row, by_id, unit_ids, lambda i: i, None, problems, "一般用名称的拼音，如 qingshan-zhen")
        wanted: dict[str, Any] = {}
        if not (unit_id and not new and squeeze(name) in (squeeze(str(by_id[unit_id].get("short", ""))), unit_id)):
            wanted["name"] = name  # a sheet that names the unit by its short name does not rename it
        if short := row.text("short"):
            wanted["short"] = short
        if kind := row.text("kind"):
            if kind in schema.UNIT_KINDS:
                wanted["kind"] = kind
            else:
                hint = schema.did_you_mean(kind, list(schema.UNIT_KINDS))
                problems.add(row.ref("kind"), f"类别“{kind}”应为{'、'.join(schema.UNIT_KINDS)}之一" + (f"；{hint}" if hint else ""))
        quota = _quota(row, problems)
        if "informants" in sheet.fields:
            wanted["informants"] = _informants(reg, names, row, unit_id, problems)
        if unit_id is None or not _once(row, unit_id, seen, problems):
            continue
        if new and (known := exact_unit(reg, name)) is not None:
            problems.add(row.ref("id"), f"名册中已有“{name}”（{known.id}）：是同一单位请把编号改为 {known.id}")
            continue
        if new:
            if "kind" not in wanted:
                problems.add(row.ref("kind") or row.ref("name"), f"新增的“{name}”缺少类别（{'、'.join(schema.UNIT_KINDS)}）")
                continue
            entry: dict[str, Any] = {"id": unit_id, "name": name}
            entry |= {k: wanted[k] for k in ("short", "kind") if k in wanted}
            if quota:
                entry["quota"] = {str(y): n for y, n in quota.items()}
            if wanted.get("informants"):
                entry["informants"] = wanted["informants"]
            plan.added.append(entry)
            continue
        _change_unit(plan, by_id[unit_id], wanted, quota)
    problems.raise_if_any(plan.source)
    plan.missing = [(i, str(e.get("name", ""))) for i, e in by_id.items() if i not in seen]
    if sheet.ignored:
        plan.notes.append(f"未识别的列没有导入：{'、'.join(sheet.ignored)}")
    _finish(repo, plan, "units.yml")
    return plan


def _quota(row: Row, problems: _Problems) -> dict[int, int]:
    quota: dict[int, int] = {}
    for year, (value, ref) in row.quota.items():
        text = _text(value)
        if not text:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer() and value >= 0:
            quota[year] = int(value)
        elif text.isdigit():
            quota[year] = int(text)
        else:
            problems.add(ref, f"{year}年任务“{text}”应为不小于 0 的整数（篇数）")
    return quota


def _informants(reg: Registry, names: Names, row: Row, unit_id: str | None, problems: _Problems) -> list[str]:
    found: list[str] = []
    for token in _SPLIT.split(row.text("informants")):
        if not token or token in ("无", "—", "-"):
            continue
        ids = [token] if token in reg.people else names.ids(token)
        if len(ids) > 1 and unit_id:
            ids = [i for i in ids if reg.people[i].unit == unit_id] or ids
        if len(ids) == 1:
            if ids[0] not in found:
                found.append(ids[0])
        elif ids:
            problems.add(row.ref("informants"), f"名册中有 {len(ids)} 个“{token}”（{'、'.join(ids)}）：请改写编号")
        else:
            problems.add(row.ref("informants"), f"特约信息员“{token}”不在人员名册中：请先用 sqmy people import 导入此人")
    return found


def _change_unit(plan: Plan, entry: Mapping[str, Any], wanted: dict[str, Any], quota: dict[int, int]) -> None:
    unit_id = str(entry["id"])
    changes: dict[str, Any] = {}
    shown: list[tuple[str, str, str]] = []
    for key, value in wanted.items():
        old = entry.get(key)
        if key == "informants" and list(old or []) == value:
            continue
        if old != value:
            changes[key] = value
            shown.append((_label("units", key), _shown(key, old), _shown(key, value)))
    old_quota = entry.get("quota") if isinstance(entry.get("quota"), dict) else {}
    assert isinstance(old_quota, dict)
    new_quota = {str(y): n for y, n in quota.items() if old_quota.get(str(y)) != n}
    for year, n in new_quota.items():
        shown.append((f"{year}年任务", _shown("quota", old_quota.get(year)), str(n)))
    if not changes and not new_quota:
        plan.unchanged.append(unit_id)
        return
    plan.changed.append((unit_id, str(entry.get("name", "")), shown))
    plan.edits.append(Edit(unit_id, set=changes, nested={"quota": new_quota} if new_quota else {}))


# --- writing --------------------------------------------------------------------


class _Overlay:
    """units/ as it would be after the import: one file's new text over the folder."""

    def __init__(self, base: registry.FolderSource, name: str, text: str) -> None:
        self.base, self.name, self.text = base, name, text

    def read(self, name: str) -> bytes | None:
        return self.text.encode("utf-8") if name == self.name else self.base.read(name)

    def shown(self, name: str) -> str:
        return self.base.shown(name)


def _finish(repo: Repo, plan: Plan, reg_file: str) -> None:
    """The new text, and a check that the registry stays valid with it."""
    plan.new_text = edit_registry(plan.old_text, plan.target, plan.edits, plan.added)
    if not plan.changes:
        return
    base = registry.FolderSource(repo.units_dir, repo.display)
    _, before = registry.load_from(base)
    _, after = registry.load_from(_Overlay(base, reg_file, plan.new_text))
    old = {(f.rule, f.message) for f in before}
    new = [f for f in after if f.severity == ERROR and (f.rule, f.message) not in old]
    if new:
        raise Refused("roster-invalid", f"导入后 {plan.target} 会有 {len(new)} 个错误，未写入任何内容：\n" + "\n".join(f.message for f in new[:20]))


def write(repo: Repo, plan: Plan) -> None:
    """Write the planned text, unless the file changed since it was read."""
    path = repo.units_dir / Path(plan.target).name
    current, _ = _registry_text(repo, path.name)
    if current != plan.old_text:
        raise SqmyError(f"{plan.target} 在比对之后被修改过：请重新运行导入")
    write_text(path, plan.new_text)

