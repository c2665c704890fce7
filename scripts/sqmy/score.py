"""Scores (考评) from the office's rules as data (units/scoring.yml), and rankings (晾晒比拼).

An item earns points for what happened to it in the period (by its
`submitted` date, like the statistics).  A number is the item's points,
shared among its authors by `authors` (first author / each co-author) and
capped by `caps.item`; a {first, co} value goes to each author as written.
A unit earns the full points of its items plus its quota completion.
Ties share a rank; a rate ranking leaves out units with too few items.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import schema, yamlsrc
from .errors import SqmyError
from .items import Item
from .paths import Repo
from .registry import INFORMANT, INFORMANT_CLASSES, UNIT_INFORMANT, Registry
from .report import Points, Ratio, Table
from .stats import Facts, Period, facts

DEFAULT_SHARES = {"first": 1.0, "co": 0.0}


def load_rules(repo: Repo, reg: Registry, path: Path | None) -> dict[str, Any]:
    """The office's rules, or another rule set from `path` (both schema-checked)."""
    if path is None:
        if reg.scoring is None:
            raise SqmyError("没有考评办法：请在 units/scoring.yml 中写明计分规则（sqmy validate 会检查它）")
        return dict(reg.scoring)
    try:
        doc = yamlsrc.load(yamlsrc.decode(path.read_bytes()))
    except (OSError, UnicodeDecodeError) as exc:
        raise SqmyError(f"无法读取考评办法 {path}：{exc}") from None
    problems = [f"{path}:{doc.line_of(p.path) + 1}: {p.message}" for p in schema.check("scoring", doc.data)]
    problems += [f"{path}:{e.line + 1}: {e.message}" for e in doc.errors]
    if problems:
        raise SqmyError("考评办法有错误：\n" + "\n".join(problems))
    rules: dict[str, Any] = doc.data
    return rules


@dataclass
class _Earned:
    shared: float = 0.0  # points of the item, shared by the authors
    first: float = 0.0  # points for the first author only
    co: float = 0.0  # points for each co-author


def _add(earned: _Earned, value: Any, factor: float = 1.0) -> None:
    if isinstance(value, Mapping):
        earned.first += value["first"] * factor
        earned.co += value["co"] * factor
    elif value:
        earned.shared += value * factor


def item_points(f: Facts, rules: Mapping[str, Any]) -> _Earned:
    """What one item earns under `rules`."""
    p = rules["points"]
    earned = _Earned()
    item = f.item
    _add(earned, p.get("submitted"))
    if f.edited:
        _add(earned, p.get("edited"))
    if f.reported:
        _add(earned, p.get("reported"))
    modes = p.get("adoption_mode") or {}
    for adoption in item.adoptions:
        _add(earned, (p.get("adopted") or {}).get(adoption.level), modes.get(adoption.mode, 1.0))
    for instruction in item.instructions:
        _add(earned, ((p.get("instructed") or {}).get(instruction.level) or {}).get(instruction.leader))
    if f.transferred:
        _add(earned, p.get("transferred"))
    if f.feedback:
        _add(earned, p.get("feedback"))
    if f.implemented:
        _add(earned, p.get("implemented"))
    if f.converted:
        _add(earned, p.get("converted"))
    cap = (rules.get("caps") or {}).get("item")
    if cap is not None:
        earned.shared = min(earned.shared, cap)
    return earned


def rank(values: Sequence[float]) -> list[int]:
    """Competition ranking (1, 2, 2, 4) of values sorted from best."""
    ranks: list[int] = []
    for index, value in enumerate(values):
        ranks.append(ranks[-1] if index and value == values[index - 1] else index + 1)
    return ranks


def grade(rules: Mapping[str, Any], points: float) -> str:
    for band in sorted(rules["grades"], key=lambda b: -b["min"]):
        if points >= band["min"]:
            return str(band["grade"])
    return ""


def _cap(value: float, cap: float | None) -> float:
    return min(value, cap) if cap is not None else value


def compute(reg: Registry, items: list[Item], rules: Mapping[str, Any], when: Period, today: dt.date) -> dict[str, Any]:
    """Points per person and per unit, with rankings: the JSON of `sqmy score`."""
    group = [facts(i, today) for i in items if i.submitted in when]
    shares = {**DEFAULT_SHARES, **(rules.get("authors") or {})}
    caps = rules.get("caps") or {}
    person_points: dict[str, float] = defaultdict(float)
    person_items: dict[str, int] = defaultdict(int)
    person_first: dict[str, int] = defaultdict(int)
    unit_points: dict[str, float] = defaultdict(float)
    unit_items: dict[str, int] = defaultdict(int)
    unit_adopted: dict[str, int] = defaultdict(int)
    class_items: dict[str, int] = defaultdict(int)  # items with at least one author of that informant class
    for f in group:
        earned = item_points(f, rules)
        authors = f.item.authors
        for cls in {reg.informant_class(a) for a in authors}:
            class_items[cls] += 1
        for position, author in enumerate(authors):
            if position == 0:
                person_points[author] += earned.shared * shares["first"] + earned.first
                person_first[author] += 1
            else:
                person_points[author] += earned.shared * shares["co"] + earned.co
            person_items[author] += 1
        unit_points[f.item.unit] += earned.shared + earned.first
        unit_items[f.item.unit] += 1
        unit_adopted[f.item.unit] += bool(f.adopted)
    year = when.start.year
    quota_points = (rules.get("quota") or {}).get("points", 0)
    units = set(unit_items) | {u.id for u in reg.units.values() if u.quota.get(year)}
    unit_rows: list[dict[str, Any]] = []
    for unit_id in units:
        unit = reg.units.get(unit_id)
        quota = unit.quota.get(year) if unit else None
        completion = Ratio(round(unit_items[unit_id] / quota, 4)) if quota else None
        total = unit_points[unit_id] + (quota_points * min(completion, 1.0) if completion is not None else 0)
        total = round(_cap(total, caps.get("unit")), 2)
        unit_rows.append({
            "unit": unit_id, "name": unit.name if unit else unit_id, "items": unit_items[unit_id], "quota": quota,
            "completion": completion, "adopted": unit_adopted[unit_id], "points": total, "grade": grade(rules, total),
        })
    unit_rows.sort(key=lambda r: (-r["points"], -r["items"], r["unit"]))
    for row, position in zip(unit_rows, rank([r["points"] for r in unit_rows]), strict=True):
        row["rank"] = position
    people_rows: list[dict[str, Any]] = []
    for person_id, points in person_points.items():
        person = reg.people.get(person_id)
        total = round(_cap(points, caps.get("person")), 2)
        people_rows.append({
            "person": person_id, "name": person.name if person else person_id,
            "unit": reg.units[person.unit].name if person and person.unit in reg.units else "",
            "items": person_items[person_id], "first_author": person_first[person_id], "points": total, "grade": grade(rules, total),
            "informant": reg.informant_class(person_id),
        })
    people_rows.sort(key=lambda r: (-r["points"], -r["items"], r["person"]))
    for row, position in zip(people_rows, rank([r["points"] for r in people_rows]), strict=True):
        row["rank"] = position
    minimum = (rules.get("ranking") or {}).get("min_items", 1)
    rated: list[dict[str, Any]] = [
        {"unit": r["unit"], "name": r["name"], "items": r["items"], "adopted": r["adopted"],
         "rate": Ratio(round(r["adopted"] / r["items"], 4)) if r["items"] else None}
        for r in unit_rows if r["items"]
    ]
    ranked = sorted((r for r in rated if r["items"] >= minimum), key=lambda r: (-r["rate"], -r["items"], r["unit"]))
    for row, position in zip(ranked, rank([r["rate"] for r in ranked]), strict=True):
        row["rank"] = position
    unranked = sorted((r for r in rated if r["items"] < minimum), key=lambda r: (-r["items"], r["unit"]))
    for row in unranked:
        row["rank"] = None
    return {
        "period": when.label, "rules": rules["name"], "min_items": minimum,
        "people": people_rows, "units": unit_rows, "adoption_rate": ranked + unranked,
        "by_informant": _by_informant(people_rows, class_items),
    }


def _by_informant(people_rows: Sequence[Mapping[str, Any]], class_items: Mapping[str, int]) -> list[dict[str, Any]]:
    """Points of 信息员, 特约信息员 and the other authors, side by side (the informant team's share)."""
    rows = []
    for cls in INFORMANT_CLASSES:
        members = [r for r in people_rows if r["informant"] == cls]
        if not members:
            continue
        points = round(sum(r["points"] for r in members), 2)
        rows.append({"informant": cls, "people": len(members), "items": class_items.get(cls, 0), "points": points,
                     "average": round(points / len(members), 2)})
    return rows


def report_tables(result: Mapping[str, Any]) -> list[Table]:
    people = [[r["rank"], r["name"], r["unit"], r["items"], r["first_author"], Points(r["points"]), r["grade"]] for r in result["people"]]
    units = [[r["rank"], r["name"], r["items"], r["quota"], r["completion"], Points(r["points"]), r["grade"]] for r in result["units"]]
    minimum = result["min_items"]
    rates = [[r["rank"] if r["rank"] is not None else "—", r["name"], r["items"], r["adopted"], r["rate"]] for r in result["adoption_rate"]]
    tables = [
        Table("履职积分", ["名次", "姓名", "单位", "信息（含合写）", "第一反映人", "积分", "等次"], people),
        Table("单位积分", ["名次", "单位", "采集", "年度任务", "完成率", "积分", "等次"], units),
        Table("采用率排名", ["名次", "单位", "采集", "被采用", "采用率"], rates,
              f"采集不足 {minimum} 篇的单位不参加采用率排名（名次为“—”），以免一两篇信息的单位排在前面。"),
    ]
    by_informant = result.get("by_informant") or []
    if any(r["informant"] in (INFORMANT, UNIT_INFORMANT) for r in by_informant):  # shown once the office names informants
        rows = [[r["informant"], r["people"], r["items"], Points(r["points"]), Points(r["average"])] for r in by_informant]
        tables.append(Table("按信息员身份", ["身份", "得分人数", "信息", "积分合计", "人均积分"], rows,
                            "信息为作者中有该身份的信息篇数（合写的信息在各身份各计一次）；特约信息员为各单位指定的特约信息员。"))
    return tables
