"""`sqmy overview`: a city's (or a province's) overview of its counties, from the exports they sent in.

Each county runs `sqmy export` and sends the three files up; the city keeps them in its own repository as
`exports/<office-id>/` (items.parquet, units.parquet, export.json), the folder named by the county's id in
the city's units/network.yml. Before a byte of them is counted, every export is checked (`find`):

- the folder is a real folder (no symbolic link), named by an office of units/network.yml: any other is
  skipped with a warning (the city decides whose data it counts, not whoever put a folder there);
- export.json is a regular file of at most MANIFEST_LIMIT bytes, of a format and version this sqmy reads,
  for the internal or the public edition;
- items.parquet and units.parquet are regular files (no link, device or pipe) of at most PARQUET_LIMIT
  bytes, and their SHA-256 is the one export.json gives: a file changed on the way is refused, named;
- the files' columns are the ones export.json describes, with those the overview counts; an export that
  says it is public holds none of the columns only the internal edition has (so a public export is what
  the public archive shows, export.py).

A refused export is left out of the overview, with the reason; the others are counted.

Each file is read once: its bytes are hashed and copied into a private folder of this run, which is what DuckDB
reads, so what is counted is what was verified (a file swapped in the city's folder after the check is never read).
Then DuckDB reads the verified files (`read_parquet([...], union_by_name = true)`: the editions leave out
different columns) and computes, with the definitions of `sqmy stats` (export.py's description; its
tests hold them to `sqmy stats`):

- the funnel by county and year: 采集, 采编, 上报, 市政协/省政协/全国政协采用, 批示, 转办, 反馈, 落实, 转化,
  不予上报, with 被采用 (at any level) and the rates 采编率, 上报率, 采用率 as `sqmy stats` gives them;
- quota completion by county and year, and by unit: only an internal export carries the units' quotas (the
  public edition shows no quota completion: a public export's quota column is empty);
- the key topics across counties by year: each county's key topics are its own, so they are matched by title.

The results are plain data (`Overview`, its `as_json`). The archive shows them on the page 各县汇总
(site/pages.py): the public edition only from exports whose export.json says public.

DuckDB is imported only here, and this module only by `sqmy overview` and by a build of an office that has
an exports/ folder: startup stays fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
import weakref
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import SqmyError
from .registry import Network, NotRegular
from .upstream import read_regular

if TYPE_CHECKING:
    import duckdb

    from .report import Table

# export.py's names (not imported from it: it loads pyarrow, which reading needs not); tests hold them equal
FORMAT, VERSIONS = "sqmy-export", frozenset({1})
ITEMS, UNITS, MANIFEST = "items.parquet", "units.parquet", "export.json"
AUDIENCES = {"internal": "内部版", "public": "公开版"}
INTERNAL_ONLY = frozenset({"author_ids", "audience", "sent"})  # the columns only an internal export has (export.py)
NEEDED = {
    ITEMS: frozenset({"id", "unit", "year", "approved", "statuses", "status", "adoptions", "instructions", "transfers", "solved",
                      "converted", "key_topic", "key_topic_title"}),
    UNITS: frozenset({"unit", "name", "year", "quota"}),
}
EXPORTS = Path("exports")  # where an office keeps its counties' exports
MANIFEST_LIMIT = 4 << 20
PARQUET_LIMIT = 1 << 30  # a county's 10,000 items a year for 10 years are about 20 MB

LEVELS = ("市政协", "省政协", "全国政协")
COUNTS = {  # the funnel's counts with their Chinese names: stats.COLUMNS, with 被采用 (at any level)
    "collected": "采集", "edited": "采编", "reported": "上报", "adopted": "被采用", "adopted_city": "市政协采用",
    "adopted_province": "省政协采用", "adopted_national": "全国政协采用", "instructed": "获批示", "transferred": "转办",
    "feedback": "反馈", "implemented": "落实", "converted": "转化", "rejected": "不予上报",
}
RATES = {"edited_of_collected": "采编率（采编/采集）", "reported_of_edited": "上报率（上报/采编）",
         "adopted_of_reported": "采用率（被采用/上报）"}
NO_QUOTA = "公开版导出不含年度任务（任务完成只在内部版），没有任务完成情况"


@dataclass(frozen=True)
class County:
    """One verified export: the office (its id and name in units/network.yml) and what export.json says of it."""

    office: str  # the folder's name: the office's id in units/network.yml
    name: str  # its name there
    county: str  # export.json: office.county
    short_name: str  # export.json: office.short_name
    audience: str  # internal | public
    generated: str  # the day it was exported
    sqmy_version: str
    rows: int  # items.parquet's rows
    folder: Path  # the verified copy of its files (Found.stage), which DuckDB reads

    @property
    def edition(self) -> str:
        return AUDIENCES[self.audience]


@dataclass(frozen=True)
class Problem:
    """An export not counted: skipped (`refused` False: not one of the offices of units/network.yml) or refused (it failed a check)."""

    folder: str  # as the office sees it: exports/<name>
    message: str
    refused: bool = True


class Stage:
    """A private folder (0700) for the verified copies of the exports, removed when nothing refers to it any more."""

    def __init__(self) -> None:
        self.name = tempfile.mkdtemp(prefix="sqmy-exports-")
        weakref.finalize(self, shutil.rmtree, self.name, True)


@dataclass(frozen=True)
class Found:
    counties: tuple[County, ...]
    problems: tuple[Problem, ...] = ()
    # the private folder the verified copies are in (the counties' paths): removed when no Found holds it any more
    stage: Stage | None = field(default=None, compare=False, repr=False)

    def only(self, audiences: Collection[str] | None) -> Found:
        """The exports of `audiences` (None: all of them)."""
        return Found(tuple(c for c in self.counties if audiences is None or c.audience in audiences), self.problems, self.stage)


@dataclass
class Overview:
    """What the overview shows, as plain data; ratios rounded to four places as `sqmy stats` rounds them."""

    counties: list[County]
    years: list[int]  # newest first
    funnel: list[dict[str, Any]]  # a row per county and year: office, name, year, COUNTS, RATES
    totals: list[dict[str, Any]]  # a row per year: all the counties together
    quota: list[dict[str, Any]]  # a row per county and year of an internal export with quotas
    quota_units: list[dict[str, Any]]  # a row per unit with a quota: as `sqmy stats` gives "quota", with office and year
    topics: list[dict[str, Any]]  # a row per year and key topic title across counties
    county_topics: list[dict[str, Any]]  # a row per county, year and key topic: as `sqmy stats` gives "key_topics"
    problems: list[Problem] = field(default_factory=list)

    @property
    def without_quota(self) -> list[County]:
        """The counties whose export carries no quota (public exports)."""
        return [c for c in self.counties if c.audience != "internal"]

    def as_json(self) -> dict[str, Any]:
        return {
            "counties": [{"office": c.office, "name": c.name, "county": c.county, "short_name": c.short_name, "audience": c.audience,
                          "generated": c.generated, "sqmy_version": c.sqmy_version, "items": c.rows} for c in self.counties],
            "years": self.years, "funnel": self.funnel, "totals": self.totals, "quota": self.quota, "quota_units": self.quota_units,
            "quota_note": NO_QUOTA if self.without_quota else "", "topics": self.topics, "county_topics": self.county_topics,
            "problems": [{"folder": p.folder, "message": p.message, "refused": p.refused} for p in self.problems],
        }


# --- finding and checking the exports ------------------------------------------------------------------------------


class _Refused(Exception):
    pass


def _regular(path: Path, limit: int) -> os.stat_result:
    """`path` is a regular file (not a link) of at most `limit` bytes."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise _Refused(f"缺少 {path.name}") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise _Refused(f"{path.name} 不是普通文件（符号链接或特殊文件），拒绝读取")
    if info.st_size > limit:
        raise _Refused(f"{path.name} 有 {info.st_size:,} 字节，超过上限 {limit:,} 字节")
    return info


def _read(path: Path, limit: int) -> bytes:
    """The bytes of regular file `path`, opened without following a link, no more than `limit`."""
    _regular(path, limit)
    try:
        return read_regular(path, limit)
    except NotRegular:
        raise _Refused(f"{path.name} 不是普通文件，拒绝读取") from None
    except ValueError:
        raise _Refused(f"{path.name} 超过上限 {limit:,} 字节") from None


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads(_read(folder / MANIFEST, MANIFEST_LIMIT).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Refused(f"{MANIFEST} 不是有效的 JSON：{exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _Refused(f"{MANIFEST} 不是 sqmy export 的导出说明")
    if data.get("format_version") not in VERSIONS:
        raise _Refused(f"{MANIFEST} 的格式版本 {data.get('format_version')!r} 无法识别（本版 sqmy 读取版本 "
                       f"{'、'.join(str(v) for v in sorted(VERSIONS))}）：请用相同版本的 sqmy 重新导出")
    if data.get("audience") not in AUDIENCES:
        raise _Refused(f"{MANIFEST} 的 audience {data.get('audience')!r} 无法识别")
    office, sha, schema, rows = data.get("office"), data.get("sha256"), data.get("schema"), data.get("rows")
    if not (isinstance(office, dict) and all(isinstance(office.get(k), str) for k in ("county", "short_name"))
            and isinstance(sha, dict) and isinstance(schema, dict) and isinstance(rows, dict)
            and all(isinstance(sha.get(n), str) and isinstance(schema.get(n), dict) and isinstance(rows.get(n), int) for n in (ITEMS, UNITS))):
        raise _Refused(f"{MANIFEST} 缺少单位、校验值、各列说明或行数")
    return data


def _columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    return [str(row[0]) for row in con.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(path)}).fetchall()]


def _check(folder: Path, con: duckdb.DuckDBPyConnection, copy: Path) -> dict[str, Any]:
    """The export in `folder`, checked (see the module's description), its files copied into `copy` as they were
    verified (read once); its manifest."""
    manifest = _manifest(folder)
    verified = {}
    for name in (ITEMS, UNITS):
        data = _read(folder / name, PARQUET_LIMIT)
        if hashlib.sha256(data).hexdigest() != manifest["sha256"][name].lower():
            raise _Refused(f"{name} 的 SHA-256 校验值与 {MANIFEST} 不符：文件在导出后被改动或传送中损坏，拒绝使用；请该单位重新导出")
        verified[name] = data
    copy.mkdir(mode=0o700)
    for name, data in verified.items():
        (copy / name).write_bytes(data)
    import duckdb  # noqa: PLC0415 - only an overview needs it

    for name in (ITEMS, UNITS):
        try:
            columns = _columns(con, copy / name)
        except duckdb.Error as exc:
            raise _Refused(f"{name} 无法读取：{exc}") from None
        if columns != list(manifest["schema"][name]):
            raise _Refused(f"{name} 的列与 {MANIFEST} 的说明不符")
        missing = NEEDED[name] - set(columns)
        if missing:
            raise _Refused(f"{name} 缺少列：{'、'.join(sorted(missing))}")
        if manifest["audience"] == "public" and INTERNAL_ONLY & set(columns):
            raise _Refused(f"{MANIFEST} 说是公开版，但 {name} 含内部版才有的列（{'、'.join(sorted(INTERNAL_ONLY & set(columns)))}）")
    return manifest


def find(exports: Path, network: Network | None, shown: Path | None = None) -> Found:
    """The exports in `exports` (exports/<office-id>/), each checked, in the order units/network.yml lists the offices;
    `shown`: the folder as people name it (its path by default). An office's export is counted only if units/network.yml
    lists the office."""
    if not exports.exists():
        return Found(())
    label = shown if shown is not None else exports
    if exports.is_symlink() or not exports.is_dir():
        return Found((), (Problem(label.as_posix(), f"{label.as_posix()} 不是文件夹（符号链接或特殊文件），未读取"),))
    offices = network.offices if network is not None else {}
    counties: list[County] = []
    problems: list[Problem] = []
    import duckdb  # noqa: PLC0415 - only an overview needs it

    stage = Stage()  # what DuckDB reads
    with duckdb.connect() as con:
        for entry in sorted(os.scandir(exports), key=lambda e: e.name):
            where = f"{label.as_posix()}/{entry.name}"
            if entry.name.startswith("."):
                continue
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                problems.append(Problem(where, f"{where} 不是文件夹（符号链接或特殊文件），拒绝读取"))
                continue
            peer = offices.get(entry.name)
            if peer is None:
                why = "本会没有 units/network.yml" if network is None else "不是 units/network.yml 中登记的往来单位"
                problems.append(Problem(where, f"{where}：“{entry.name}”{why}，已跳过", refused=False))
                continue
            folder = Path(entry.path)
            copy = Path(stage.name) / entry.name
            try:
                manifest = _check(folder, con, copy)
            except _Refused as exc:
                problems.append(Problem(where, f"{where}：{exc}"))
                continue
            except OSError as exc:
                problems.append(Problem(where, f"{where}：无法读取：{exc.strerror or exc}"))
                continue
            office = manifest["office"]
            counties.append(County(entry.name, peer.name, office["county"], office["short_name"], manifest["audience"],
                                   str(manifest.get("generated", "")), str(manifest.get("sqmy_version", "")), manifest["rows"][ITEMS],
                                   copy))
    listed = {office: n for n, office in enumerate(offices)}
    return Found(tuple(sorted(counties, key=lambda c: listed[c.office])), tuple(problems), stage)  # in units/network.yml's order


# --- the figures ------------------------------------------------------------------------------------------------------

# one row per item counted (a year: drafts are not), with what the counts need; sqmy stats' definitions (export.py)
_FACTS = """
CREATE TEMP TABLE facts AS
SELECT o.office, i.year, i.unit, i.key_topic, i.key_topic_title,
       coalesce(i.approved, false) AS edited,
       coalesce(list_contains(i.statuses, '已上报'), false) AS reported,
       coalesce(len(i.adoptions) > 0, false) AS adopted,
       coalesce(len(list_filter(i.adoptions, lambda a: a.level = '市政协')) > 0, false) AS adopted_city,
       coalesce(len(list_filter(i.adoptions, lambda a: a.level = '省政协')) > 0, false) AS adopted_province,
       coalesce(len(list_filter(i.adoptions, lambda a: a.level = '全国政协')) > 0, false) AS adopted_national,
       coalesce(len(i.instructions) > 0, false) AS instructed,
       coalesce(len(i.transfers) > 0, false) AS transferred,
       coalesce(len(list_filter(i.transfers, lambda t: t.feedback_result IS NOT NULL)) > 0, false) AS feedback,
       coalesce(i.solved > 0 OR len(list_filter(i.transfers, lambda t: t.feedback_result = '已落实')) > 0
                OR len(list_filter(i.instructions, lambda x: x.result = '已落实')) > 0, false) AS implemented,
       coalesce(i.converted, false) AS converted,
       coalesce(i.status = '不予上报', false) AS rejected
FROM read_parquet($items, union_by_name = true, filename = true) i JOIN offices o ON o.filename = i.filename
WHERE i.year IS NOT NULL AND ($year IS NULL OR i.year = $year)
"""

_FUNNEL = "SELECT office, year, count(*) AS collected, " + ", ".join(
    f"count(*) FILTER ({key}) AS {key}" for key in COUNTS if key != "collected") + " FROM facts GROUP BY office, year"

_QUOTA_UNITS = """
WITH done AS (SELECT office, year, unit, count(*) AS collected, count(*) FILTER (edited) AS edited FROM facts GROUP BY ALL)
SELECT o.office, u.year, u.unit, u.name, u.quota, coalesce(d.collected, 0) AS collected, coalesce(d.edited, 0) AS edited
FROM read_parquet($units, union_by_name = true, filename = true) u JOIN offices o ON o.filename = u.filename
LEFT JOIN done d ON d.office = o.office AND d.year = u.year AND d.unit = u.unit
WHERE u.quota > 0 AND ($year IS NULL OR u.year = $year)
"""

_TOPICS = """
SELECT office, year, key_topic, any_value(key_topic_title) AS title, count(*) AS items, count(*) FILTER (edited) AS edited,
       count(*) FILTER (adopted) AS adopted
FROM facts WHERE key_topic IS NOT NULL GROUP BY office, year, key_topic
"""


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None  # as stats._ratio


def rates(counts: Mapping[str, int]) -> dict[str, float | None]:
    """采编率, 上报率 and 采用率 as `sqmy stats` gives them (its "funnel")."""
    return {"edited_of_collected": _ratio(counts["edited"], counts["collected"]),
            "reported_of_edited": _ratio(counts["reported"], counts["edited"]),
            "adopted_of_reported": _ratio(counts["adopted"], counts["reported"])}


def _dicts(result: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in result.description or []]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def compute(found: Found | Sequence[County], year: int | None = None) -> Overview:
    """The overview of the verified exports (`find`), of one year or all of them."""
    counties = list(found.counties if isinstance(found, Found) else found)
    problems = list(found.problems) if isinstance(found, Found) else []
    if not counties:
        return Overview(counties, [], [], [], [], [], [], [], problems)
    import duckdb  # noqa: PLC0415 - only an overview needs it

    try:
        return _compute(duckdb, counties, problems, year)
    except duckdb.Error as exc:
        raise SqmyError(f"各县导出无法汇总：{exc}") from None


def _compute(duckdb: Any, counties: list[County], problems: list[Problem], year: int | None) -> Overview:
    names = {c.office: c.name for c in counties}
    order = {c.office: n for n, c in enumerate(counties)}
    with duckdb.connect() as con:
        con.execute("CREATE TEMP TABLE offices (filename VARCHAR, office VARCHAR)")
        files = {c.office: (str(c.folder / ITEMS), str(c.folder / UNITS)) for c in counties}
        con.executemany("INSERT INTO offices VALUES (?, ?)", [(path, office) for office, pair in files.items() for path in pair])
        con.execute(_FACTS, {"items": [items for items, _ in files.values()], "year": year})
        funnel = _dicts(con.execute(_FUNNEL))
        internal = [units for office, (_, units) in files.items() if next(c for c in counties if c.office == office).audience == "internal"]
        quota_units = _dicts(con.execute(_QUOTA_UNITS, {"units": internal, "year": year})) if internal else []
        county_topics = _dicts(con.execute(_TOPICS))
    for row in funnel:
        row["name"] = names[row["office"]]
        row.update(rates(row))
    funnel.sort(key=lambda r: (-r["year"], order[r["office"]]))
    years = sorted({r["year"] for r in funnel} | {q["year"] for q in quota_units}, reverse=True)
    totals = []
    for y in years:
        rows = [r for r in funnel if r["year"] == y]
        total: dict[str, Any] = {"year": y, "counties": len(rows), **{k: sum(r[k] for r in rows) for k in COUNTS}}
        totals.append(total | rates(total))
    for q in quota_units:
        q["office_name"] = names[q["office"]]
        q["completion"] = _ratio(q["collected"], q["quota"])
    quota_units.sort(key=lambda q: (-q["year"], order[q["office"]], q["unit"]))
    quota = _quota_by_county(quota_units, names, order)
    for t in county_topics:
        t["name"] = names[t["office"]]
    county_topics.sort(key=lambda t: (-t["year"], order[t["office"]], t["key_topic"]))
    return Overview(counties, years, funnel, totals, quota, quota_units, _topics(county_topics), county_topics, problems)


def _quota_by_county(units: Iterable[dict[str, Any]], names: Mapping[str, str], order: Mapping[str, int]) -> list[dict[str, Any]]:
    grouped: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for q in units:
        grouped[q["office"], q["year"]].append(q)
    rows = [{"office": office, "name": names[office], "year": year, "units": len(members),
             "units_done": sum(q["collected"] >= q["quota"] for q in members), "quota": sum(q["quota"] for q in members),
             "collected": sum(q["collected"] for q in members), "edited": sum(q["edited"] for q in members)}
            for (office, year), members in grouped.items()]
    for r in rows:
        r["completion"] = _ratio(r["collected"], r["quota"])
    return sorted(rows, key=lambda r: (-r["year"], order[r["office"]]))


def _topics(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The key topics across counties: by year and title (each county's topics are its own: matched by title)."""
    grouped: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for t in rows:
        grouped[t["year"], t["title"] or t["key_topic"]].append(t)
    found = [{"year": year, "title": title, "items": sum(t["items"] for t in members), "edited": sum(t["edited"] for t in members),
              "adopted": sum(t["adopted"] for t in members), "counties": sorted({t["name"] for t in members})}
             for (year, title), members in grouped.items()]
    return sorted(found, key=lambda t: (-t["year"], -t["items"], t["title"]))


# --- the tables people read ---------------------------------------------------------------------------------------------

FUNNEL_HEADERS = ("单位", *(COUNTS[k] for k in COUNTS))
TOTAL = "合计"


def _partial(ov: Overview) -> str:
    public = [c.name for c in ov.counties if c.audience == "public"]
    return f"{'、'.join(public)}报来的是公开版导出，只计公开的信息。" if public else ""


def year_tables(ov: Overview, year: int, *, quota: bool = True) -> list[Table]:
    """The tables of `year`: the funnel by county, the rates, quota completion (when `quota`) and the key topics."""
    from .report import Ratio, Table  # noqa: PLC0415 - Table is only a type above

    funnel = [r for r in ov.funnel if r["year"] == year]
    total = next((t for t in ov.totals if t["year"] == year), None)
    totals = [total] if total is not None and len(funnel) > 1 else []
    parts = [Table(f"{year}年各县转化情况", list(FUNNEL_HEADERS),
                   [[r["name"], *(r[k] for k in COUNTS)] for r in funnel] + [[TOTAL, *(t[k] for k in COUNTS)] for t in totals],
                   "按报送日期计入年度，草稿不计；各项口径与 sqmy stats 相同（被采用：任一层级采用）。" + _partial(ov))]

    def ratio(value: float | None) -> Ratio | None:
        return None if value is None else Ratio(value)

    parts.append(Table(f"{year}年各县采用率", ["单位", "采集", "上报", "被采用", *RATES.values()],
                       [[r["name"], r["collected"], r["reported"], r["adopted"], *(ratio(r[k]) for k in RATES)] for r in funnel]
                       + [[TOTAL, t["collected"], t["reported"], t["adopted"], *(ratio(t[k]) for k in RATES)] for t in totals]))
    if quota:
        rows = [q for q in ov.quota if q["year"] == year]
        lacking = [c.name for c in ov.without_quota]
        note = f"{'、'.join(lacking)}：{NO_QUOTA}。" if lacking else ""
        parts.append(Table(f"{year}年各县任务完成", ["单位", "有任务的单位", "完成任务的单位", "年度任务", "采集", "完成率（采集/任务）"],
                           [[q["name"], q["units"], q["units_done"], q["quota"], q["collected"], ratio(q["completion"])] for q in rows],
                           note))
    topics = [t for t in ov.topics if t["year"] == year]
    parts.append(Table(f"{year}年年度重点选题", ["选题", "信息", "采编", "被采用", "涉及单位"],
                       [[t["title"], t["items"], t["edited"], t["adopted"], "、".join(t["counties"])] for t in topics],
                       "各县的年度重点选题按名称合并。"))
    return parts


def counties_table(ov: Overview) -> Table:
    from .report import Table  # noqa: PLC0415

    return Table("各县导出", ["单位", "编号", "版本", "导出日期", "信息"],
                 [[c.name, c.office, c.edition, c.generated, c.rows] for c in ov.counties])


def overview(root: Path, network: Network | None, *, audiences: Collection[str] | None = None, year: int | None = None,
             exports: Path | None = None) -> Overview:
    """The overview of the office at `root` from its exports/ (or `exports`), of the exports of `audiences` (None: all)."""
    folder = exports if exports is not None else root / EXPORTS
    shown = EXPORTS if exports is None else None
    return compute(find(folder, network, shown).only(audiences), year)
