"""`sqmy export`: the office's data as Parquet files, for the city's and the province's overviews.

A city CPPCC collects its counties' exports and builds its overviews with DuckDB or any
Parquet reader (funnel by county and year, adoption rates, quota completion, key topics):

    SELECT county, year, count(*) AS collected, count(*) FILTER (approved) AS edited
    FROM read_parquet('exports/*/items.parquet', union_by_name = true) GROUP BY ALL

(union_by_name: the editions' files differ in the columns they leave out.)

What a file holds is decided by the archive's editions (site/edition.py): every row of
items.parquet is an `Entry` of the chosen edition, every value is taken from it, and a
column the edition does not show is left out of the file. An export of the public edition
(the default: exports travel outside the office) therefore holds only what the public
archive shows, masked as it masks; this module decides no privacy of its own.

The files, written into one folder (each written whole, then renamed into place;
export.json last):

items.parquet — one row per item the edition shows, ordered by id:

| 列 | 类型 | 说明 |
|---|---|---|
| county | string | 县（市、区）名（units/office.yml county） |
| office | string | 政协简称（units/office.yml short_name） |
| id | string | 信息编号 |
| title | string | 标题（公开版手机号、身份证号打码） |
| unit | string | 报送单位编号 |
| unit_name | string | 报送单位名称 |
| author_ids | list<string> | 反映人编号（只在内部版） |
| authors | list<string> | 反映人姓名 |
| submitted | date32 | 报送日期（草稿为空） |
| year | int32 | 统计年度：报送日期所在年份，sqmy stats 按此计入（草稿为空） |
| category | string | 选题类别 |
| focus | string | 选题重点 |
| source | string | 信息来源 |
| converted | bool | 由提案、视察报告、会议发言等转化（计入“转化”） |
| key_topic | string | 年度重点选题编号（没有为空） |
| key_topic_title | string | 年度重点选题名称 |
| audience | string | 公开范围：内部或公开（只在内部版） |
| status | string | 状态（公开版逾期未反馈显示为转办中） |
| statuses | list<string> | 适用的全部状态（如 已审定、已编发、已上报、已采用） |
| approved | bool | 已审定（审定通过且审定后未改动；计入“采编”） |
| routes | list<string> | 审定时确定的报送方式：直报、参阅、转办 |
| journal_year | int32 | 编发的刊物年份 |
| journal_issue | int32 | 编发的刊物期号 |
| sent | list<struct<date, route, recipient>> | 直报、参阅件的报送：日期、方式、报给谁（只在内部版） |
| adoptions | list<struct<level, date, mode, ref>> | 采用：层级（市政协、省政协、全国政协）、日期、方式、采用说明 |
| instructions | list<struct<level, leader, date, result>> | 批示：层级、领导、日期、落实结果 |
| transfers | list<struct<unit, unit_name, date, due, feedback_result, feedback_date>> | 转办：承办单位编号和名称、日期、期限、反馈结果、反馈日期 |
| solved | int32 | 推动解决问题的记录条数 |
| body | string | 正文（只在 --bodies 时；公开版手机号、身份证号打码） |

units.parquet — one row per unit and year (the years of the items and of the quotas):

| 列 | 类型 | 说明 |
|---|---|---|
| county | string | 县（市、区）名 |
| office | string | 政协简称 |
| unit | string | 单位编号 |
| name | string | 单位名称 |
| kind | string | 单位类别（机关委办、委员联络组、部门等） |
| year | int32 | 年份 |
| quota | int32 | 年度任务（篇）；没有任务为空；公开版不显示任务完成，全为空 |

export.json — the manifest: format version, office, generated date, audience, sqmy version,
row counts, the sha256 of each Parquet file, and this schema (column → type and description),
generated from the files' own schemas.

The counts of `sqmy stats` from items.parquet (for one year Y, `WHERE year = Y`):
collected `count(*)`; edited `approved`; reported `list_contains(statuses, '已上报')`;
adopted at a level `len(list_filter(adoptions, lambda a: a.level = '市政协')) > 0`; instructed `len(instructions) > 0`;
transferred `len(transfers) > 0`; feedback `len(list_filter(transfers, lambda t: t.feedback_result IS NOT NULL)) > 0`;
implemented `solved > 0` or a transfer's or an instruction's result is 已落实; converted `converted`;
rejected `status = '不予上报'`. Quota completion: a unit's collected in Y / its quota in units.parquet
(`quota > 0`). tests/test_export.py holds these queries to `sqmy stats`. An export of the public edition
counts only the public items, as the public archive's statistics do.

Writing is deterministic: the same data on the same day gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from . import __version__, schema
from .items import Item
from .registry import Registry
from .site.edition import INTERNAL, Edition, Entry, edition
from .status import APPROVED

FORMAT_VERSION = 1
ITEMS, UNITS, MANIFEST = "items.parquet", "units.parquet", "export.json"
EDITION_LABELS = {INTERNAL: "内部版", "public": "公开版"}

# deterministic, compact, readable by DuckDB, Spark, pandas and R arrow alike
_WRITER: dict[str, Any] = {
    "compression": "zstd", "compression_level": 9, "use_dictionary": True, "write_statistics": True,
    "version": "2.6", "data_page_version": "1.0", "row_group_size": 1 << 20,
}

_SENT = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\S+?)（(.*)）$")  # how the projection writes a sending: "date route（to whom）"


@dataclass(frozen=True)
class Column:
    """One column: its name, Arrow type, Chinese description and value of an entry."""

    name: str
    type: pa.DataType
    description: str
    value: Callable[[Entry], Any]


def _struct(**fields: pa.DataType) -> pa.DataType:
    return pa.list_(pa.struct([pa.field(name, kind) for name, kind in fields.items()]))


def _or_none(text: str | None) -> str | None:
    return text or None


def _sent(entry: Entry) -> list[dict[str, Any]]:
    """The sendings as the edition shows them, split back into their parts."""
    found = []
    for shown in entry.sent:
        m = _SENT.match(shown)
        if m is None:  # the projection's format changed: better no export than a wrong one
            raise ValueError(f"报送记录格式无法识别：{shown}")
        route = schema.REFERRAL if m.group(2) == "参阅件" else m.group(2)
        found.append({"date": dt.date.fromisoformat(m.group(1)), "route": route, "recipient": m.group(3)})
    return found


def item_columns(ed: Edition, *, bodies: bool = False) -> list[Column]:
    """The columns of items.parquet for edition `ed`: those it shows (see the table above)."""
    reg, office = ed.reg, ed.reg.office
    internal = ed.audience == INTERNAL  # the projection sets Entry.audience and Entry.sent for the internal edition only

    def topic_title(e: Entry) -> str | None:
        if not e.key_topic:
            return None
        topic = reg.key_topics.get(e.year, {}).get(e.key_topic)
        return topic.title if topic else None

    string, date, int32, boolean = pa.string(), pa.date32(), pa.int32(), pa.bool_()
    columns = [
        Column("county", string, "县（市、区）名（units/office.yml county）", lambda e: office.county),
        Column("office", string, "政协简称（units/office.yml short_name）", lambda e: office.short_name),
        Column("id", string, "信息编号", lambda e: e.id),
        Column("title", string, "标题（公开版手机号、身份证号打码）", lambda e: e.title),
        Column("unit", string, "报送单位编号", lambda e: e.unit),
        Column("unit_name", string, "报送单位名称", lambda e: e.unit_name),
        *([Column("author_ids", pa.list_(string), "反映人编号（只在内部版）", lambda e: list(e.author_ids))] if ed.shows.people_index else []),
        Column("authors", pa.list_(string), "反映人姓名", lambda e: list(e.authors)),
        Column("submitted", date, "报送日期（草稿为空）", lambda e: e.submitted),
        Column("year", int32, "统计年度：报送日期所在年份，sqmy stats 按此计入（草稿为空）",
               lambda e: e.submitted.year if e.submitted else None),
        Column("category", string, "选题类别", lambda e: e.category),
        Column("focus", string, "选题重点", lambda e: e.focus),
        Column("source", string, "信息来源", lambda e: e.source),
        Column("converted", boolean, "由提案、视察报告、会议发言等转化（计入“转化”）", lambda e: e.source in schema.CONVERTED_SOURCES),
        Column("key_topic", string, "年度重点选题编号（没有为空）", lambda e: e.key_topic or None),
        Column("key_topic_title", string, "年度重点选题名称", topic_title),
        *([Column("audience", string, "公开范围：内部或公开（只在内部版）", lambda e: e.audience)] if internal else []),
        Column("status", string, "状态（公开版逾期未反馈显示为转办中）", lambda e: e.status.status),
        Column("statuses", pa.list_(string), "适用的全部状态（如 已审定、已编发、已上报、已采用）", lambda e: list(e.status.statuses)),
        Column("approved", boolean, "已审定（审定通过且审定后未改动；计入“采编”）", lambda e: APPROVED in e.status.statuses),
        Column("routes", pa.list_(string), "审定时确定的报送方式：直报、参阅、转办", lambda e: list(e.routes)),
        Column("journal_year", int32, "编发的刊物年份", lambda e: e.journal.year if e.journal else None),
        Column("journal_issue", int32, "编发的刊物期号", lambda e: e.journal.issue if e.journal else None),
        *([Column("sent", _struct(date=date, route=string, recipient=string), "直报、参阅件的报送：日期、方式、报给谁（只在内部版）", _sent)]
          if internal else []),
        Column("adoptions", _struct(level=string, date=date, mode=string, ref=string),
               "采用：层级（市政协、省政协、全国政协）、日期、方式、采用说明",
               lambda e: [{"level": a.level, "date": a.date, "mode": a.mode, "ref": _or_none(a.ref)} for a in e.adoptions]),
        Column("instructions", _struct(level=string, leader=string, date=date, result=string), "批示：层级、领导、日期、落实结果",
               lambda e: [{"level": i.level, "leader": i.leader, "date": i.date, "result": _or_none(i.result)} for i in e.instructions]),
        Column("transfers", _struct(unit=string, unit_name=string, date=date, due=date, feedback_result=string, feedback_date=date),
               "转办：承办单位编号和名称、日期、期限、反馈结果、反馈日期",
               lambda e: [{"unit": t.unit, "unit_name": t.unit_name, "date": t.date, "due": t.due,
                           "feedback_result": t.feedback.result if t.feedback else None,
                           "feedback_date": t.feedback.date if t.feedback else None} for t in e.transfers]),
        Column("solved", int32, "推动解决问题的记录条数", lambda e: len(e.solved)),
        *([Column("body", string, "正文（公开版手机号、身份证号打码）", lambda e: e.body)] if bodies else []),
    ]
    if not ed.shows.people_index:  # what is left out must be what the projection left empty
        assert all(not e.author_ids for e in ed.shown)
    if not internal:
        assert all(e.audience is None and not e.sent for e in ed.shown)
    return columns


def unit_columns(ed: Edition) -> list[tuple[str, pa.DataType, str]]:
    return [
        ("county", pa.string(), "县（市、区）名"),
        ("office", pa.string(), "政协简称"),
        ("unit", pa.string(), "单位编号"),
        ("name", pa.string(), "单位名称"),
        ("kind", pa.string(), "单位类别（机关委办、委员联络组、部门等）"),
        ("year", pa.int32(), "年份"),
        ("quota", pa.int32(), "年度任务（篇）；没有任务为空" + ("" if ed.shows.quota else "；公开版不显示任务完成，全为空")),
    ]


def _table(fields: Sequence[tuple[str, pa.DataType, str]], rows: dict[str, list[Any]]) -> pa.Table:
    arrow = pa.schema([pa.field(name, kind, metadata={"description": text}) for name, kind, text in fields])
    return pa.Table.from_arrays([pa.array(rows[name], type=kind) for name, kind, _ in fields], schema=arrow)


def items_table(ed: Edition, *, bodies: bool = False) -> pa.Table:
    columns = item_columns(ed, bodies=bodies)
    entries = sorted(ed.shown, key=lambda e: e.id)
    return _table([(c.name, c.type, c.description) for c in columns], {c.name: [c.value(e) for e in entries] for c in columns})


def units_table(ed: Edition) -> pa.Table:
    reg, office = ed.reg, ed.reg.office
    years = sorted({e.submitted.year for e in ed.shown if e.submitted} | {y for u in reg.units.values() for y in u.quota})
    fields = unit_columns(ed)
    rows: dict[str, list[Any]] = {name: [] for name, _, _ in fields}
    for unit in sorted(reg.units.values(), key=lambda u: u.id):
        for year in years:
            for name, value in (("county", office.county), ("office", office.short_name), ("unit", unit.id), ("name", unit.name),
                                ("kind", unit.kind), ("year", year), ("quota", unit.quota.get(year) if ed.shows.quota else None)):
                rows[name].append(value)
    return _table(fields, rows)


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **_WRITER)
    return bytes(sink.getvalue().to_pybytes())


def _describe(table: pa.Table) -> dict[str, dict[str, str]]:
    return {f.name: {"type": str(f.type), "description": (f.metadata or {})[b"description"].decode("utf-8")} for f in table.schema}


@dataclass(frozen=True)
class Exported:
    folder: Path
    manifest: dict[str, Any]


def _write_all(folder: Path, files: Iterable[tuple[str, bytes]]) -> None:
    """Each file written whole beside its place, then renamed into it, in the order given."""
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, data in files:
            fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            staged.append((name, Path(temporary)))
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o644)  # made to be sent on: readable like any file written, not private as mkstemp's
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for name, tmp in staged:
            os.replace(tmp, folder / name)
    finally:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)


def export(reg: Registry, items: Iterable[Item], folder: Path, audience: str, today: dt.date, *, bodies: bool = False) -> Exported:
    """Write items.parquet, units.parquet and export.json of the `audience` edition of `items` into `folder`."""
    ed = edition(reg, items, audience, today)
    tables = {ITEMS: items_table(ed, bodies=bodies), UNITS: units_table(ed)}
    data = {name: _parquet_bytes(table) for name, table in tables.items()}
    office = reg.office
    manifest = {
        "format": "sqmy-export",
        "format_version": FORMAT_VERSION,
        "office": {"name": office.name, "short_name": office.short_name, "county": office.county},
        "generated": today.isoformat(),
        "audience": audience,
        "edition": EDITION_LABELS[audience],
        "bodies": bodies,
        "sqmy_version": __version__,
        "rows": {name: table.num_rows for name, table in tables.items()},
        "sha256": {name: hashlib.sha256(raw).hexdigest() for name, raw in data.items()},
        "schema": {name: _describe(table) for name, table in tables.items()},
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    _write_all(folder, [*data.items(), (MANIFEST, text.encode("utf-8"))])
    return Exported(folder, manifest)
