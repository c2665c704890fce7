"""查重 of an office: what a report is compared with, the index kept between runs, the results people read.

Three sources (`SOURCES`):

- archive: the office's own items, every year and every status (不予上报 too);
- upstream: the lists of reports the city or province has adopted
  (`upstream/*.yml`, upstream.py), titles and, where known, the text;
- siblings: other offices' published `items.json` (`siblings/*/items.json`).

Lists come from the trusted checkout when there is one (`--rules-from`): a
pull request cannot remove the report it copies from the lists it is checked
against.  The method is sqmy.similar's; this module feeds it and keeps the
n-gram counts of every report between runs (`.sqmy/cache/similar.pickle`,
signed like the items cache, by report: the content digest of each report),
so that only new or changed reports are counted again.

A report is 疑似重复 of another when its text scores DUPLICATE or more; 相似
from SIMILAR; 题目相近 when only the titles are alike (a title-only list
entry, or a text that is not).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, cache, load, schema, similar, upstream
from . import status as status_mod
from .findings import Finding
from .items import Item
from .paths import Repo
from .registry import Registry

ARCHIVE, UPSTREAM, SIBLINGS = "archive", "upstream", "siblings"
SOURCES = (ARCHIVE, UPSTREAM, SIBLINGS)
SOURCE_NAMES = {ARCHIVE: "本会信息", UPSTREAM: "上级已采用", SIBLINGS: "兄弟单位"}
TITLE_ONLY = similar.TITLE_VERDICT
CACHE_FILE = Path(".sqmy") / "cache" / "similar.pickle"
FORMAT = 1
LIMIT = 5  # similar reports shown for one report
_KEY = f"{FORMAT}|{__version__}|{similar.N_FEATURES}|{similar.NGRAMS}|{similar.MIN_PASSAGE}"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Found:
    """One report like the one checked, with the evidence."""

    id: str  # the item id, or the list entry's key (upstream/市政协-2025.yml#3)
    source: str  # archive, upstream or siblings
    label: str  # what people call it: the item id, or 市政协2025年采用的社情民意信息 第3条
    title: str
    score: float | None  # cosine of the texts, None when only titles were compared
    title_ratio: float
    verdict: str
    facts: str  # one line: who, when, what became of it
    shared: tuple[similar.Shared, ...] = ()

    @property
    def duplicate(self) -> bool:
        return self.verdict == similar.DUPLICATE_VERDICT

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "source": self.source, "label": self.label, "title": self.title, "score": self.score,
            "title_ratio": round(self.title_ratio, 1), "verdict": self.verdict, "facts": self.facts,
            "shared_chars": sum(s.chars for s in self.shared),
            "shared": [{"chars": s.chars, "ours": [s.ours.before, s.ours.shared, s.ours.after],
                        "theirs": [s.theirs.before, s.theirs.shared, s.theirs.after]} for s in self.shared],
        }


@dataclass(frozen=True)
class Result:
    """What was found for one report."""

    subject: str  # the item id, the file, or 输入的文字
    title: str
    found: tuple[Found, ...]
    against: tuple[str, ...]

    @property
    def duplicates(self) -> tuple[Found, ...]:
        return tuple(f for f in self.found if f.duplicate)

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject, "title": self.title, "against": list(self.against),
            "thresholds": {"疑似重复": similar.DUPLICATE, "相似": similar.SIMILAR, "题目相近": similar.TITLE_CLOSE},
            "duplicate": bool(self.duplicates), "found": [f.to_json() for f in self.found],
        }


@dataclass
class Corpus:
    """Everything a report is compared with, indexed."""

    index: similar.Index
    items: dict[str, Item]
    references: dict[str, upstream.Reference]
    reg: Registry
    today: dt.date
    findings: list[Finding] = field(default_factory=list)  # problems in the lists (validate reports them too)
    counted: int = 0  # reports whose n-grams were counted in this run (the others came from the cache)

    def facts(self, record_id: str) -> str:
        item = self.items.get(record_id)
        if item is not None:
            return item_facts(self.reg, item, self.today)
        ref = self.references[record_id]
        return " · ".join(x for x in (ref.origin, ref.date.isoformat() if ref.date else "", ref.ref) if x)

    def label(self, record_id: str) -> str:
        ref = self.references.get(record_id)
        return ref.label if ref is not None else record_id

    def check(self, text: str, title: str, exclude: Collection[str] = (), against: Collection[str] = SOURCES,
              limit: int = LIMIT, evidence: bool = True) -> list[Found]:
        """The reports most like `text` (its body) and `title`: by text first (相似 and up), then by title alone."""
        only = set(against)
        by_text = [m for m in self.index.query(text, title, limit, exclude, only) if m.verdict != similar.DISSIMILAR_VERDICT]
        seen = {m.id for m in by_text}
        by_title = self.index.titles(title, limit, [*exclude, *seen], only)
        found = []
        for m in by_text:
            shared = tuple(self.index.evidence(text, m.id)) if evidence else ()
            found.append(self._found(m, m.score, shared))
        scores = self.index.scores(text) if by_title and similar.normalize(text) else None
        for m in by_title:  # alike in title only: the texts' score beside it when both are known
            score = None
            if scores is not None and self.index.record(m.id).body.strip():
                score = round(float(scores[self.index.position(m.id)]), 4)
            found.append(self._found(m, score, ()))
        return found

    def check_many(self, ids: Sequence[str], against: Collection[str] = SOURCES, limit: int = LIMIT, facts: bool = True) -> dict[str, list[Found]]:
        """`check` of each of the office's items `ids` (its own text and title, itself excluded), all at once: for the
        archive's pages, where querying each of 10,000 items would take minutes (similar.Index.neighbours)."""
        positions = [self.index.position(i) for i in ids]
        found = self.index.neighbours(positions, limit, set(against))
        out = {}
        for item_id, n in zip(ids, positions, strict=True):
            rows = []
            has_text = len(self.index.counts[n][0]) > 0  # something is left of its text once normalised
            for m in found[n]:
                if m.verdict != similar.TITLE_VERDICT:
                    rows.append(self._found(m, m.score, (), facts))
                    continue
                score = m.score if has_text and self.index.record(m.id).body.strip() else None
                rows.append(self._found(m, score, (), facts))
            out[item_id] = rows
        return out

    def pair(self, a: str, b: str, facts: bool = True) -> Found | None:
        """How report `b` is like the office's item `a`, as `check` of `a` would list it; None when it would not."""
        i, j = self.index.position(a), self.index.position(b)
        ra, rb = self.index.record(a), self.index.record(b)
        score = round(float(self.index.pair_scores([i], [j])[0]), 4)
        ratio = similar.title_ratio(ra.title, rb.title)
        if score >= similar.SIMILAR:
            return self._found(similar.Match(b, rb.title, score, ratio, similar.verdict(score)), score, (), facts)
        if ratio >= similar.TITLE_CLOSE:
            known = len(self.index.counts[i][0]) > 0 and bool(rb.body.strip())
            return self._found(similar.Match(b, rb.title, score, ratio, similar.TITLE_VERDICT), score if known else None, (), facts)
        return None

    def _found(self, m: similar.Match, score: float | None, shared: tuple[similar.Shared, ...], facts: bool = True) -> Found:
        record = self.index.record(m.id)
        return Found(m.id, record.source, self.label(m.id), m.title, score, m.title_ratio, m.verdict, self.facts(m.id) if facts else "", shared)


def item_facts(reg: Registry, item: Item, today: dt.date) -> str:
    """Who wrote an item, when, and what became of it: one line."""
    unit = reg.units.get(item.unit)
    author = reg.people.get(item.authors[0]) if item.authors else None
    when = item.submitted.isoformat() if item.submitted else "草稿"
    parts = [unit.label if unit else item.unit, author.name if author else "", when, status_mod.derive(item, today).status]
    return " · ".join(p for p in parts if p)


def _digest(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\0{body}".encode()).hexdigest()


def build(repo: Repo, reg: Registry, items: Sequence[Item], today: dt.date, progress: Progress | None = None) -> Corpus:
    """The office's items and the lists beside them, indexed; n-gram counts of unchanged reports come from the cache."""
    references, findings = upstream.load_upstream(repo.rules_root)
    siblings, sibling_findings = upstream.load_siblings(repo.rules_root)
    findings += sibling_findings
    refs = {r.key: r for r in [*references, *siblings]}
    records = [similar.Record(i.id, i.title, i.body, ARCHIVE) for i in sorted(items, key=lambda i: i.id)]
    records += [similar.Record(key, r.title, r.body, r.source) for key, r in refs.items()]
    digests = [i.digest for i in sorted(items, key=lambda i: i.id)] + [_digest(r.title, r.body) for r in refs.values()]
    kept = _read_cache(repo)
    wanted = [n for n, (record, digest) in enumerate(zip(records, digests, strict=True))
              if kept.get(record.id, ("", None))[0] != digest]
    if wanted and progress is not None:
        progress(f"查重：计算 {len(wanted)} 篇的字串特征（其余 {len(records) - len(wanted)} 篇取自缓存）")
    made = dict(zip(wanted, similar.rows([similar.normalize(records[n].body) for n in wanted]), strict=True))
    counts = [made[n] if n in made else kept[r.id][1] for n, r in enumerate(records)]
    if wanted or len(kept) != len(records):
        _write_cache(repo, {r.id: (d, c) for r, d, c in zip(records, digests, counts, strict=True)})
    index = similar.Index(records, counts)
    return Corpus(index, {i.id: i for i in items}, refs, reg, today, findings, len(wanted))


def _read_cache(repo: Repo) -> dict[str, tuple[str, similar.Row]]:
    if not cache.enabled():
        return {}
    return cache._read_signed(repo, CACHE_FILE, _KEY) or {}


def _write_cache(repo: Repo, counts: dict[str, tuple[str, similar.Row]]) -> None:
    if not cache.enabled():
        return
    secret = cache._secret()
    if secret is not None and cache._folder_is_ours(repo):
        cache._write_signed(repo, secret, CACHE_FILE, _KEY, counts)


# --- what people read --------------------------------------------------------


def _score(f: Found) -> str:
    return f"{f.score:.2f}" if f.score is not None else "—"


def lines(result: Result) -> list[str]:
    """The result for a terminal."""
    against = "、".join(SOURCE_NAMES[s] for s in result.against)
    out = [f"查重：{result.subject}  {result.title}", f"比对范围：{against}；阈值：疑似重复 ≥ {similar.DUPLICATE}，相似 ≥ {similar.SIMILAR}"
           f"，题目相近度 ≥ {similar.TITLE_CLOSE:.0f}"]
    if not result.found:
        out.append("没有发现相似的信息。")
        return out
    for n, f in enumerate(result.found, 1):
        out += ["", f"{n}. 【{f.verdict}】{f.label}（{SOURCE_NAMES[f.source]}）{f.title}",
                f"   得分 {_score(f)}，题目相近度 {f.title_ratio:.0f}" + (f"；{f.facts}" if f.facts else "")]
        if f.shared:
            out.append(f"   共同段落 {len(f.shared)} 处，共 {sum(s.chars for s in f.shared)} 字：")
        for k, s in enumerate(f.shared, 1):
            out.append(f"   [{k}] 本篇：…{s.ours.before}【{s.ours.shared}】{s.ours.after}…")
            out.append(f"       对方：…{s.theirs.before}【{s.theirs.shared}】{s.theirs.after}…")
    if result.duplicates:
        out += ["", f"有 {len(result.duplicates)} 篇疑似重复：审核通过时须写明查重结论（如 /初审 通过 非重复 说明理由）"]
    return out


def _md(text: str) -> str:
    """Text in a Markdown table cell: no markup of its own."""
    escaped = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for char in "*_`[]<>#~":
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def markdown(result: Result, heading: str = "###") -> str:
    """The result as Markdown (the required check's job summary): each similar report with its passages side by side."""
    out = [f"{heading} 查重：{_md(result.subject)} {_md(result.title)}", ""]
    if not result.found:
        return "\n".join([*out, "没有发现相似的信息。", ""])
    out += ["| 结论 | 信息 | 来源 | 得分 | 题目相近度 | 共同段落 |", "|---|---|---|---|---|---|"]
    for f in result.found:
        out.append(f"| **{f.verdict}** | {_md(f.label)} {_md(f.title)} | {SOURCE_NAMES[f.source]} | {_score(f)} "
                   f"| {f.title_ratio:.0f} | {len(f.shared)} 处 {sum(s.chars for s in f.shared)} 字 |")
    for f in result.found:
        if not f.shared:
            continue
        out += ["", f"{_md(f.label)}（{f.verdict}）的共同段落：", "", "| 本篇 | 对方 |", "|---|---|"]
        for s in f.shared:
            out.append(f"| …{_md(s.ours.before)}**{_md(s.ours.shared)}**{_md(s.ours.after)}… "
                       f"| …{_md(s.theirs.before)}**{_md(s.theirs.shared)}**{_md(s.theirs.after)}… |")
    if result.duplicates:
        out += ["", f"**有 {len(result.duplicates)} 篇疑似重复**：审核通过时须写明查重结论，如 `/初审 通过 非重复 说明理由`。"]
    return "\n".join(out) + "\n"


def to_json(results: Sequence[Result]) -> str:
    return json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2)


def brief(repo: Repo, reg: Registry, archive_items: Sequence[Item], item_id: str, title: str, body: str, today: dt.date) -> list[dict[str, Any]]:
    """The reports like `title` and `body` (item `item_id` itself left out) as JSON rows without the shared passages,
    each with its source's name: what `sqmy status` and a form's reply show."""
    found = build(repo, reg, archive_items, today).check(body, title, [item_id], SOURCES, evidence=False)
    rows = []
    for f in found:
        row = f.to_json()
        del row["shared"], row["shared_chars"]
        rows.append({**row, "source_name": SOURCE_NAMES[f.source]})
    return rows


# --- for reviews and checks --------------------------------------------------


def archive(repo: Repo, today: dt.date) -> list[Item]:
    """The office's items a report is compared with: those of the trusted checkout when there is one (`--rules-from`:
    the base branch as it is now, not as the pull request's branch saw it), else this repository's."""
    base = repo if repo.rules is None else Repo(repo.rules)
    with load.cycle_collection_paused():
        return load.load_all(base, today).items


def decided(item: Item) -> bool:
    """Whether a review of the item's present text gave the 查重结论 非重复 (then later reviews need not repeat it)."""
    return any(r.duplicate == schema.NOT_DUPLICATE and r.digest == item.digest for r in item.reviews)


def duplicates_of(repo: Repo, reg: Registry, item: Item, today: dt.date) -> list[Found]:
    """The reports `item` is 疑似重复 of, from every source (its own earlier versions are not others)."""
    corpus = build(repo, reg, archive(repo, today), today)
    return [f for f in corpus.check(item.body, item.title, exclude=[item.id], evidence=False) if f.duplicate]
