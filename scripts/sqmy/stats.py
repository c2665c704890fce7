"""Statistics of a period (DESIGN §7): the counts, the funnel, the time each step
takes, quota completion and the key topics, overall and broken down.

An item counts in the period of its `submitted` date; drafts do not count.
Each item is looked at once (its Facts); every breakdown adds Facts up.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import outcomes, schema
from .errors import SqmyError
from .items import Item
from .registry import INFORMANT_CLASSES, OTHER_AUTHOR, Registry
from .report import Ratio, Table
from .schema import ADOPTION_LEVELS, CONVERTED_SOURCES, LEADERS
from .status import APPROVED, REJECTED, derive

DIMENSIONS = ("unit", "person", "category", "focus", "key_topic", "source", "month", "informant")
DIMENSION_LABELS = {
    "unit": "单位", "person": "反映人", "category": "选题类别", "focus": "选题重点",
    "key_topic": "年度重点选题", "source": "信息来源", "month": "月份", "informant": "信息员身份",
}
# the flat counts of a table row, with their Chinese column names
COLUMNS = {
    "collected": "采集", "edited": "采编", "reported": "上报", "adopted_city": "市政协采用", "adopted_province": "省政协采用",
    "adopted_national": "全国政协采用", "instructed": "获批示", "transferred": "转办", "feedback": "反馈", "implemented": "落实",
    "converted": "转化", "rejected": "不予上报",
}


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date  # inclusive

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_HALF = re.compile(r"^(\d{4})H([12])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def period(year: int | None, name: str | None, start: str | None, end: str | None, today: dt.date) -> Period:
    """The period asked for: --year, --period (2025, 2025Q3, 2025H1, 2025-07) or --from/--to; this year by default."""
    if start or end:
        try:
            first = dt.date.fromisoformat(start) if start else dt.date(today.year, 1, 1)
            last = dt.date.fromisoformat(end) if end else today
        except ValueError:
            raise SqmyError("--from 和 --to 应为 YYYY-MM-DD 格式的日期") from None
        if last < first:
            raise SqmyError(f"--to {last} 早于 --from {first}")
        return Period(f"{first}至{last}", first, last)
    if name:
        if name.isdigit() and len(name) == 4:
            year = int(name)
        elif m := _QUARTER.match(name):
            y, q = int(m.group(1)), int(m.group(2))
            first = dt.date(y, 3 * q - 2, 1)
            return Period(name, first, _month_end(y, 3 * q))
        elif m := _HALF.match(name):
            y, h = int(m.group(1)), int(m.group(2))
            return Period(name, dt.date(y, 6 * h - 5, 1), _month_end(y, 6 * h))
        elif (m := _MONTH.match(name)) and 1 <= int(m.group(2)) <= 12:
            y, mo = int(m.group(1)), int(m.group(2))
            return Period(name, dt.date(y, mo, 1), _month_end(y, mo))
        else:
            raise SqmyError(f"--period “{name}”无效：应为 2025、2025Q3、2025H1 或 2025-07")
    year = year or today.year
    return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Facts:
    """What happened to one item, as the counts need it."""

    item: Item
    edited: bool
    rejected: bool
    reported: bool
    adopted: frozenset[str]
    instruction_levels: frozenset[str]
    instruction_leaders: frozenset[str]
    transferred: bool
    feedback: bool
    implemented: bool
    converted: bool


def facts(item: Item, today: dt.date) -> Facts:
    st = derive(item, today)
    edited = APPROVED in st.statuses
    return Facts(
        item=item, edited=edited, rejected=st.status == REJECTED, reported=edited and outcomes.reported(item),
        adopted=frozenset(a.level for a in item.adoptions),
        instruction_levels=frozenset(i.level for i in item.instructions),
        instruction_leaders=frozenset(i.leader for i in item.instructions),
        transferred=bool(item.transfers), feedback=any(t.feedback for t in item.transfers),
        implemented=outcomes.implemented(item),
        converted=item.source in CONVERTED_SOURCES,
    )


def count(group: Iterable[Facts]) -> dict[str, Any]:
    """The DESIGN §7 counts of a group of items."""
    group = list(group)
    levels: Counter[str] = Counter()
    leaders: Counter[str] = Counter()
    for f in group:
        levels.update(f.instruction_levels)
        leaders.update(f.instruction_leaders)
    return {
        "collected": len(group),
        "edited": sum(f.edited for f in group),
        "reported": sum(f.reported for f in group),
        "adopted": {level: sum(level in f.adopted for f in group) for level in ADOPTION_LEVELS},
        "instructed": {
            "total": sum(bool(f.instruction_levels) for f in group),
            "by_level": dict(sorted(levels.items())),
            "by_leader": {leader: leaders[leader] for leader in LEADERS},
        },
        "transferred": sum(f.transferred for f in group),
        "feedback": sum(f.feedback for f in group),
        "implemented": sum(f.implemented for f in group),
        "converted": sum(f.converted for f in group),
        "rejected": sum(f.rejected for f in group),
    }


def flat(counts: dict[str, Any]) -> dict[str, int]:
    """One table row: the counts as plain numbers, in COLUMNS order."""
    adopted = counts["adopted"]
    return {
        "collected": counts["collected"], "edited": counts["edited"], "reported": counts["reported"],
        "adopted_city": adopted["市政协"], "adopted_province": adopted["省政协"], "adopted_national": adopted["全国政协"],
        "instructed": counts["instructed"]["total"], "transferred": counts["transferred"], "feedback": counts["feedback"],
        "implemented": counts["implemented"], "converted": counts["converted"], "rejected": counts["rejected"],
    }


def _ratio(part: int, whole: int) -> Ratio | None:
    return Ratio(round(part / whole, 4)) if whole else None


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def durations(group: list[Facts]) -> dict[str, float | None]:
    """Median days between the steps."""
    first_review, first_to_final, to_final, transfer_feedback = [], [], [], []
    for f in group:
        item = f.item
        if item.submitted is None:
            continue
        first = next((r.date for r in item.reviews if r.stage == schema.FIRST), None)
        passed = next((r.date for r in item.reviews if r.stage == schema.FIRST and r.decision == schema.PASS), None)
        final = next((r.date for r in item.reviews if r.stage == schema.FINAL and r.decision == schema.PASS), None)
        if first:
            first_review.append((first - item.submitted).days)
        if passed and final:
            first_to_final.append((final - passed).days)
        if final:
            to_final.append((final - item.submitted).days)
        transfer_feedback += [(t.feedback.date - t.date).days for t in item.transfers if t.feedback]
    return {
        "submitted_to_first_review": _median(first_review),
        "first_review_to_final": _median(first_to_final),
        "submitted_to_final": _median(to_final),
        "transfer_to_feedback": _median(transfer_feedback),
    }


def _keys(f: Facts, dimension: str, reg: Registry | None = None) -> Iterable[str]:
    item = f.item
    if dimension == "informant":  # 信息员, 特约信息员, 其他委员, 其他人员: each kind among the item's authors once
        found = {reg.informant_class(a) if reg else OTHER_AUTHOR for a in item.authors}
        return tuple(c for c in INFORMANT_CLASSES if c in found)
    if dimension == "person":
        return item.authors  # every author of the item, the first and the others
    if dimension == "month":
        return (item.submitted.strftime("%Y-%m"),) if item.submitted else ()
    value = getattr(item, dimension)
    return (value,) if value else ()


def breakdown(group: list[Facts], dimension: str, reg: Registry | None = None) -> dict[str, dict[str, Any]]:
    grouped: dict[str, list[Facts]] = defaultdict(list)
    for f in group:
        for key in _keys(f, dimension, reg):
            grouped[key].append(f)
    return {key: count(members) for key, members in sorted(grouped.items())}


def label(reg: Registry, dimension: str, key: str) -> str:
    if dimension == "unit" and key in reg.units:
        return reg.units[key].name
    if dimension == "person" and key in reg.people:
        return reg.people[key].name
    if dimension == "key_topic":
        for topics in reg.key_topics.values():
            if key in topics:
                return topics[key].title
    return key


def compute(reg: Registry, items: list[Item], when: Period, today: dt.date) -> dict[str, Any]:
    """Everything `sqmy stats` shows, as plain data (the JSON of `--format json`)."""
    group = [facts(i, today) for i in items if i.submitted in when]
    result: dict[str, Any] = {"period": when.label, "from": when.start.isoformat(), "to": when.end.isoformat(), **count(group)}
    adopted_any = sum(bool(f.adopted) for f in group)
    result["funnel"] = {
        "edited_of_collected": _ratio(result["edited"], result["collected"]),
        "reported_of_edited": _ratio(result["reported"], result["edited"]),
        "adopted_of_reported": _ratio(adopted_any, result["reported"]),
    }
    result["median_days"] = durations(group)
    year = when.start.year
    per_unit = Counter(f.item.unit for f in group)
    edited_unit = Counter(f.item.unit for f in group if f.edited)
    result["quota"] = [
        {"unit": u.id, "name": u.name, "quota": u.quota[year], "collected": per_unit[u.id], "edited": edited_unit[u.id],
         "completion": _ratio(per_unit[u.id], u.quota[year])}
        for u in reg.units.values() if u.quota.get(year)
    ]
    topics = reg.key_topics.get(year, {})
    per_topic = Counter(f.item.key_topic for f in group if f.item.key_topic)
    edited_topic = Counter(f.item.key_topic for f in group if f.item.key_topic and f.edited)
    result["key_topics"] = [
        {"id": t.id, "title": t.title, "items": per_topic[t.id], "edited": edited_topic[t.id]} for t in topics.values()
    ]
    result["by"] = {d: breakdown(group, d, reg) for d in DIMENSIONS}
    return result


def report_tables(result: dict[str, Any], reg: Registry, dimensions: Iterable[str]) -> list[Table]:
    """The tables people read: the summary, the breakdowns asked for, quotas and key topics."""
    s = flat(result)
    funnel, days = result["funnel"], result["median_days"]
    summary = [[COLUMNS[key], value] for key, value in s.items()]
    summary += [
        ["采编率（采编/采集）", funnel["edited_of_collected"]], ["上报率（上报/采编）", funnel["reported_of_edited"]],
        ["采用率（被采用/上报）", funnel["adopted_of_reported"]],
        ["报送到初审（天，中位数）", days["submitted_to_first_review"]], ["初审到审定（天，中位数）", days["first_review_to_final"]],
        ["报送到审定（天，中位数）", days["submitted_to_final"]], ["转办到反馈（天，中位数）", days["transfer_to_feedback"]],
    ]
    parts = [Table("总体", ["指标", "数值"], summary)]
    for dimension in dimensions:
        if dimension == "informant" and not reg.has_informants:  # nobody named: every author would be 其他
            continue
        ordered = sorted(result["by"][dimension].items(), key=lambda kv: (-kv[1]["collected"], -kv[1]["edited"], kv[0]))
        if dimension == "month":
            ordered.sort(key=lambda kv: kv[0])
        if dimension == "informant":
            ordered.sort(key=lambda kv: INFORMANT_CLASSES.index(kv[0]))
        rows = [[label(reg, dimension, key), *flat(counts).values()] for key, counts in ordered]
        note = {
            "person": "反映人按每位作者计（第一反映人和合写人各计一次）。",
            "informant": "按作者的身份计：一篇信息的作者分属几种身份时各计一次。特约信息员为各单位指定的特约信息员。",
        }.get(dimension, "")
        parts.append(Table(f"按{DIMENSION_LABELS[dimension]}", [DIMENSION_LABELS[dimension], *COLUMNS.values()], rows, note))
    quota_rows = [[q["name"], q["quota"], q["collected"], q["edited"], q["completion"]] for q in result["quota"]]
    parts.append(Table("任务完成", ["单位", "年度任务", "采集", "采编", "完成率（采集/任务）"], quota_rows))
    topic_rows = [[t["title"], t["items"], t["edited"]] for t in result["key_topics"]]
    parts.append(Table("年度重点选题", ["选题", "信息", "采编"], topic_rows))
    return parts
