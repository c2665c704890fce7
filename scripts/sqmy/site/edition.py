"""What each edition of the archive shows, decided in this one place.

The archive is built twice: the internal edition for the office and the
public one for everybody. Pages (pages.py), items.json and the search index
are all made from an `Edition`: the items it may show, each projected into an
`Entry` that holds only the facts this edition shows, and a `Policy` for what
concerns whole pages and sections. Page code shows whatever it is given; no
page decides for itself what the public may see.

| 内容 | 内部版 | 公开版 |
|---|---|---|
| 哪些信息 | 全部（含草稿、待审、退回、审定后改动） | 只有 `audience: 公开`、审定通过且审定后标题和正文没有改动的 |
| 标题、正文、采用说明、推动解决情况 | 原样 | 手机号和身份证号打码（如 138****5678） |
| 状态 | 实际状态 | 转办逾期显示为“转办中” |
| 审核过程 | 日期、环节、审核人、意见（含查重结论）、联合复核专家、所审文本是否一致、说明 | 只有日期、环节、意见 |
| 相似信息（查重：每条信息最相似的信息） | 有 | 没有（会带出内部信息的标题） |
| 公开范围 | 显示 | 不显示 |
| 采用（层级、方式、说明） | 显示 | 显示 |
| 直报、参阅件的报送（日期、报给谁） | 显示 | 不显示（状态仍为“已上报”） |
| 批示 | 层级和领导、批示内容、交办单位、落实情况、逾期天数 | 信息页只有层级和领导；“领导批示”页另有落实结果 |
| 转办 | 承办单位、文号、期限、反馈结果和摘要、逾期天数 | 承办单位和反馈结果；期限只在“转办和反馈”页；逾期显示为“办理中” |
| 推动解决问题的情况 | 显示 | 显示（办公室记录的成效，属公开内容） |
| 名册中的联系电话、邮箱 | 不显示 | 不显示 |
| Git 记录和修改记录链接 | 显示 | 不显示 |
| Word 公文 | 链接并附文件 | 没有 |
| 按反映人索引；items.json 中的 audience、author_ids | 有 | 没有 |
| 任务完成（首页、统计） | 有 | 没有 |
| 首页“逾期未反馈” | 有 | 没有 |
| 晾晒比拼（积分和排名） | 有 | 没有 |
| 统计 | 全部信息 | 只统计公开版中的信息 |
| 各县汇总（有 `exports/` 时） | 各县内部版和公开版导出；任务完成只来自内部版导出 | 只用公开版导出（内部版导出的数据一概不用）；没有任务完成 |
| 办理情况更新 `feed/`（有签名的 `feed/updates.json` 时） | 发布（须能用本会公钥核验） | 没有 |
| 搜索各县公开版（`units/network.yml` 中写了 `site` 时） | 有 | 有 |

相似信息 are made by site/similarity.py.

README.md (归档网站) carries the same table; tests/test_site_pages.py keeps
both editions' pages as golden copies and test_site.py reads every file of a
built public edition for anything internal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import personal, schema
from .. import stats as stats_mod
from ..history import Step
from ..items import Adoption, Feedback, Imported, Instruction, Item, Journal, Review, Solved, Transfer
from ..registry import Registry
from ..status import APPROVED, OVERDUE, PRIORITY, TRANSFERRING, Status, derive

if TYPE_CHECKING:
    from .render import Memo

INTERNAL, PUBLIC = "internal", "public"
AUDIENCES = (INTERNAL, PUBLIC)


@dataclass(frozen=True)
class Policy:
    """What an edition shows of whole pages and sections (the rows of the table above that are not per item)."""

    label: str  # how the edition names itself: "" for the internal edition, "（公开版）"
    git_trail: bool  # Git 记录 (commits are read from Git only when shown)
    documents: bool  # the Word documents, copied into the site and linked
    people_index: bool  # 按反映人, and the people's ids in items.json
    quota: bool  # 任务完成 on the home page and in the statistics
    rankings: bool  # 晾晒比拼: people's and units' points
    partial_stats: bool  # the statistics count only what the edition shows, and say so
    similar: bool = False  # 相似信息 on the item pages (and 查重结论 in the review chain): titles of internal reports
    # 各县汇总: the audiences of the counties' exports (exports/, overview.py) the edition counts
    exports: frozenset[str] = frozenset({PUBLIC})


POLICIES = {
    INTERNAL: Policy("", git_trail=True, documents=True, people_index=True, quota=True, rankings=True, partial_stats=False,
                      similar=True, exports=frozenset({INTERNAL, PUBLIC})),
    PUBLIC: Policy("（公开版）", git_trail=False, documents=False, people_index=False, quota=False, rankings=False, partial_stats=True),
}


# --- an item as an edition shows it ----------------------------------------------------------------


@dataclass(frozen=True)
class ReviewShown:
    date: dt.date
    stage: str
    decision: str
    reviewer: str | None = None  # None: the edition does not say who reviewed (nor the rest below)
    experts: tuple[str, ...] = ()  # names of the experts 初审 referred the item to
    matches: bool = True  # what was reviewed is the current text
    imported: bool = False  # recorded before the office used sqmy (its digest was set on import)
    comment: str = ""
    duplicate: str = ""  # the reviewer's 查重结论 (非重复, 重复), where the edition shows it


@dataclass(frozen=True)
class SimilarShown:
    """One report like the item (查重, site/similarity.py), as the internal edition's item page shows it."""

    verdict: str  # 疑似重复, 相似 or 题目相近
    source: str  # where it is from: 本会信息, 上级已采用, 兄弟单位
    title: str
    label: str  # the item's id, or how the list names the report (市政协2025年采用的社情民意信息 第3条)
    score: str  # the texts' score, two decimals, or "—" when only the titles were compared
    title_ratio: str  # how alike the titles are, 0–100
    facts: str  # one line: who, when, what became of it (where known)
    page: str | None = None  # the office's own item: its page (source path)
    url: str | None = None  # a sibling office's report: its web address

    @property
    def duplicate(self) -> bool:
        return self.verdict == "疑似重复"


@dataclass(frozen=True)
class InstructionShown:
    date: dt.date
    level: str
    leader: str
    summary: str = ""
    assigned: tuple[str, ...] = ()  # names of the units it was assigned to
    feedback: Feedback | None = None  # the reported result, on the item's page
    result: str = ""  # the reported result, in the list of instructions
    overdue_days: int = 0  # followed up and late (督办)


@dataclass(frozen=True)
class TransferShown:
    date: dt.date
    unit: str  # the unit's id
    unit_name: str
    due: dt.date  # shown in the list of transfers
    letter: str = ""
    feedback: Feedback | None = None  # its summary only where the edition shows summaries
    overdue_days: int = 0  # late without feedback (督办)
    deadline: dt.date | None = None  # the due date as part of the follow-up on the item's page (督办)


@dataclass(frozen=True)
class Entry:
    """One item as an edition shows it: nothing here that the edition hides."""

    id: str
    title: str
    body: str
    unit: str
    unit_name: str
    authors: tuple[str, ...]  # names
    author_ids: tuple[str, ...]  # only where the edition has an index of people
    submitted: dt.date | None
    category: str
    focus: str
    source: str
    key_topic: str | None
    journal: Journal | None
    routes: tuple[str, ...]
    audience: str | None  # 公开范围, where shown
    status: Status
    reviews: tuple[ReviewShown, ...]
    adoptions: tuple[Adoption, ...]
    instructions: tuple[InstructionShown, ...]
    transfers: tuple[TransferShown, ...]
    solved: tuple[Solved, ...]
    sent: tuple[str, ...] = ()  # "date route（to whom）" of each 直报/参阅件 sent: internal (to whom is the office's)
    history: tuple[Step, ...] = ()  # its commits
    documents: tuple[tuple[str, str], ...] = ()  # (label, site path) of its Word files
    source_url: str | None = None  # the file's history in the office's repository
    similar: tuple[SimilarShown, ...] = ()  # its most similar reports, where the edition shows them

    @property
    def year(self) -> int:
        return int(self.id[:4])


@dataclass(frozen=True)
class Edition:
    reg: Registry
    audience: str
    today: dt.date
    shows: Policy
    items: list[Item]  # the items it shows, as recorded, newest first: what its statistics count
    entries: Mapping[str, Entry]  # how it shows each of them, in the same order
    templates: Path | None = None  # the office's own page templates (render.py), if any
    # charts (inline SVG) by the placeholder paragraph that stands for them in the pages; filled as the pages
    # are made, put back by the plugin after it has sanitized the page (the placeholder carries a nonce)
    figures: dict[str, str] = field(default_factory=dict)
    nonce: str = field(default_factory=lambda: secrets.token_hex(12))
    # what a later edition of the same office may take over (`edition(previous=…)`, mkdocs serve): every recorded
    # item with its status, and the Git steps and Word files the entries were made from
    basis: Mapping[str, tuple[Item, Status]] = field(default_factory=dict, repr=False)
    history: Mapping[str, list[Step]] = field(default_factory=dict, repr=False)
    documents: Mapping[str, list[tuple[str, str]]] = field(default_factory=dict, repr=False)
    similar: Mapping[str, tuple[SimilarShown, ...]] = field(default_factory=dict, repr=False)
    # pages rendered before, taken over where their values are equal (render.Memo); None: render every page
    memo: Memo | None = field(default=None, repr=False)
    # stats.compute's results by period, for the pages that show the same period (home page and statistics)
    computed: dict[tuple[dt.date, dt.date], dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def shown(self) -> list[Entry]:
        return list(self.entries.values())

    def stats(self, when: stats_mod.Period) -> dict[str, Any]:
        """stats.compute of the items this edition shows (and counts), over `when`, computed once per period."""
        key = (when.start, when.end)
        if key not in self.computed:
            self.computed[key] = stats_mod.compute(self.reg, self.items, when, self.today)
        return self.computed[key]

    def figure(self, svg: str) -> str:
        """A paragraph of Markdown standing for `svg` (see `figures`)."""
        key = f"SQMYFIGURE{self.nonce}N{len(self.figures)}"
        self.figures[f"<p>{key}</p>"] = svg
        return key


# --- the projection ----------------------------------------------------------------------------------


def is_public(item: Item, st: Status) -> bool:
    """What the public edition shows: public items whose 审定 still holds (not changed since)."""
    return item.audience == schema.PUBLIC and APPROVED in st.statuses


def public_status(st: Status) -> Status:
    """The status the public sees: an overdue transfer is 转办中 (the overdue marker is internal 督办 information)."""
    if OVERDUE not in st.statuses:
        return st
    found = {TRANSFERRING if s == OVERDUE else s for s in st.statuses}
    ordered = tuple(s for s in PRIORITY if s in found)
    return dataclasses.replace(st, status=ordered[0], statuses=ordered, overdue_days=0)


def edition(
    reg: Registry, items: Iterable[Item], audience: str, today: dt.date, history: Mapping[str, list[Step]] | None = None,
    documents: Mapping[str, list[tuple[str, str]]] | None = None, templates: Path | None = None, previous: Edition | None = None,
    memo: Memo | None = None, similar: Mapping[str, tuple[SimilarShown, ...]] | None = None,
) -> Edition:
    """The edition for `audience` of `items`; `history`, `documents` and `similar` (each item's similar reports,
    site/similarity.py) are left out where the edition hides them.

    `previous`, an earlier edition of the same office (mkdocs serve rebuilding after a change), lends its statuses
    and entries to the items that are equal to what they were, under the same registry, day and audience: an equal
    item has an equal status and entry, so nothing shown changes, and pages can tell unchanged entries by identity.
    `memo` keeps the rendered pages (render.Memo)."""
    if audience not in AUDIENCES:
        raise ValueError(audience)
    internal = audience == INTERNAL
    history, documents = history or {}, documents or {}
    similar = (similar or {}) if POLICIES[audience].similar else {}
    recorded = list(items)
    earlier = previous if previous is not None and (previous.reg, previous.today, previous.audience) == (reg, today, audience) else None
    basis: dict[str, tuple[Item, Status]] = {}
    same: set[str] = set()  # the items equal to what they were
    for i in recorded:
        old = earlier.basis.get(i.id) if earlier is not None else None
        if old is not None and old[0] == i:
            same.add(i.id)
            basis[i.id] = (i, old[1])
        else:
            basis[i.id] = (i, derive(i, today))
    statuses = {i: st for i, (_, st) in basis.items()}
    if internal:
        shown = recorded
    else:
        shown = [i for i in recorded if is_public(i, statuses[i.id])]
        statuses = {i.id: public_status(statuses[i.id]) for i in shown}
    shown.sort(key=lambda i: (i.submitted or dt.date.max, i.id), reverse=True)
    projection = _Projection(reg, today, internal, POLICIES[audience], history, documents, similar)
    entries = {}
    for i in shown:
        old_entry = earlier.entries.get(i.id) if earlier is not None and i.id in same else None
        if (old_entry is not None and earlier is not None and old_entry.status == statuses[i.id]
                and earlier.history.get(i.id) == history.get(i.id) and earlier.documents.get(i.id) == documents.get(i.id)
                and earlier.similar.get(i.id) == similar.get(i.id)):
            entries[i.id] = old_entry
        else:
            entries[i.id] = projection.entry(i, statuses[i.id])
    return Edition(reg, audience, today, POLICIES[audience], shown, entries, templates, basis=basis, history=history,
                   documents=documents, similar=similar, memo=memo)


@dataclass(frozen=True)
class _Projection:
    """One item's facts as the edition shows them: every per-item row of the table above is decided here."""

    reg: Registry
    today: dt.date
    internal: bool  # the office's own edition: everything as recorded
    shows: Policy
    history: Mapping[str, list[Step]]
    documents: Mapping[str, list[tuple[str, str]]]
    similar: Mapping[str, tuple[SimilarShown, ...]]

    def text(self, text: str) -> str:
        """Item text: the public edition masks phone and ID numbers."""
        return text if self.internal else personal.mask(text)

    def unit(self, unit_id: str) -> str:
        return self.reg.units[unit_id].name if unit_id in self.reg.units else unit_id

    def names(self, ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(self.reg.people[i].name if i in self.reg.people else i for i in ids)

    def entry(self, item: Item, st: Status) -> Entry:
        url = (self.reg.office.repository_url or "").rstrip("/")
        digest = item.digest
        return Entry(
            id=item.id, title=self.text(item.title), body=self.text(item.body), unit=item.unit, unit_name=self.unit(item.unit),
            authors=self.names(item.authors), author_ids=item.authors if self.shows.people_index else (),
            submitted=item.submitted, category=item.category, focus=item.focus, source=item.source, key_topic=item.key_topic,
            journal=item.journal, routes=item.routes, audience=item.audience if self.internal else None, status=st,
            reviews=tuple(self.review(r, digest, item.imported) for r in item.reviews),
            adoptions=tuple(dataclasses.replace(a, ref=self.text(a.ref)) for a in item.adoptions),
            instructions=tuple(self.instruction(i) for i in item.instructions),
            transfers=tuple(self.transfer(t) for t in item.transfers),
            # what the office achieved is shown to everybody, as the adoptions are (masked like all item text)
            solved=tuple(dataclasses.replace(s, summary=self.text(s.summary)) for s in item.solved),
            sent=tuple(f"{s.date} {'参阅件' if s.route == schema.REFERRAL else s.route}（{s.to}）" for s in item.sent) if self.internal else (),
            history=tuple(self.history.get(item.id, ())) if self.shows.git_trail else (),
            documents=tuple(self.documents.get(item.id, ())) if self.shows.documents else (),
            source_url=f"{url}/commits/main/{item.path}" if url and self.shows.git_trail else None,
            similar=self.similar.get(item.id, ()) if self.shows.similar else (),
        )

    def review(self, r: Review, digest: str, imported: Imported | None) -> ReviewShown:
        if not self.internal:  # who reviewed, whom they asked and what they wrote is the office's
            return ReviewShown(r.date, r.stage, r.decision)
        return ReviewShown(r.date, r.stage, r.decision, self.names([r.by])[0], self.names(r.experts), r.digest == digest,
                           imported is not None and r.date <= imported.date, r.comment, r.duplicate)

    def instruction(self, i: Instruction) -> InstructionShown:
        result = i.feedback.result if i.feedback else ""
        if not self.internal:  # what a leader wrote, to whom it went and the follow-up are internal; the result is not
            return InstructionShown(i.date, i.level, i.leader, result=result)
        late = i.overdue_days(self.today, self.reg.office.instruction_due_days)
        return InstructionShown(i.date, i.level, i.leader, i.summary, tuple(self.unit(u) for u in i.assigned), i.feedback,
                                result, late)

    def transfer(self, t: Transfer) -> TransferShown:
        if not self.internal:  # no letter number, no summary of the reply, no follow-up (督办)
            feedback = dataclasses.replace(t.feedback, summary="") if t.feedback else None
            return TransferShown(t.date, t.to, self.text(self.unit(t.to)), t.due, feedback=feedback)
        return TransferShown(t.date, t.to, self.unit(t.to), t.due, t.letter, t.feedback, t.overdue_days(self.today), t.due)
