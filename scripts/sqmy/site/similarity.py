"""相似信息 on the internal archive's item pages: each item's most similar reports (查重, sqmy.likeness).

Only the internal edition shows them (edition.Policy.similar): the titles of
the office's internal reports would reach the public through the lists of
public items. Each list holds up to `LIMIT` reports from the three sources
likeness compares with (本会信息, 上级已采用, 兄弟单位), best first: 疑似重复
and 相似 by score, then 题目相近 by how alike the titles are.

Cost: a query costs about 10 ms at 10,000 items, so querying every item on
every build would add minutes. When more than `BATCH` items are to be
queried (a cold build), they are checked all at once (likeness.check_many:
only pairs sharing rare n-grams are scored; 9,812 items of the 10,000-item
demo office in about 7 s); a few are queried one by one. The lists are kept between builds in
`.sqmy/cache/similar-pages.pickle` (signed like sqmy's other caches, only
plain tuples and strings in it): item id -> (the item's digest, its rows), and
the digest of every reference (upstream lists, siblings). A build queries:

- every item that is new or whose title or text changed (its digest);
- every reference that is new or changed, against the office's items only.

First every changed or removed report is taken out of every list. A changed
item's own list is its query's result; then, the score of a pair being the
same either way (cosine; the titles' likeness is symmetric too), the changed
report is put into the list of each unchanged item its query found (up to
`WIDE` of them), which keeps its best `LIMIT`; an unchanged list that held it
and was not among those has that one pair scored again (no query), so that a
small edit leaves the other lists, and their pages, as they were. An unchanged
item whose list was full and lost a report is queried again (another report
may take the place). So a pair's score is the one computed when either report
last changed (or the list was refilled): the weights of the n-grams (TF-IDF, over all
reports) drift as the archive grows, and scores computed at other times may
differ slightly. A cold build, or one with `SQMY_NO_CACHE=1`, queries every
item; a change in the method (similar.py, likeness.py, sqmy's version)
invalidates the whole file.

Nothing of scikit-learn is loaded (likeness, about a second) unless something
has to be queried: a build in which no item changed reads the lists and the
references only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .. import __version__, cache, upstream
from ..items import Item
from ..paths import Repo
from ..registry import Registry
from ..status import derive
from .edition import SimilarShown

CACHE_FILE = Path(".sqmy") / "cache" / "similar-pages.pickle"
FORMAT = 1
LIMIT = 5  # similar reports shown on an item's page
WIDE = 20  # reports a changed report is offered to (each keeps its own best LIMIT)
BATCH = 200  # more items than this to query: all at once (likeness.Corpus.check_many)

# as likeness and similar name them (importing them loads scikit-learn: tests check these are the same)
ARCHIVE = "archive"
SOURCE_NAMES = {"archive": "本会信息", "upstream": "上级已采用", "siblings": "兄弟单位"}
DUPLICATE_VERDICT = "疑似重复"
TEXT_VERDICTS = frozenset({"疑似重复", "相似"})  # by the texts' score; any other (题目相近) by the titles only

# one similar report as kept: (id or reference key, source, score or None, title likeness 0–100, verdict)
Row = tuple[str, str, float | None, float, str]


@dataclass
class Lists:
    """Every item's similar reports, and what this build did to get them."""

    rows: dict[str, list[Row]]  # item id -> its similar reports, best first
    references: dict[str, upstream.Reference]  # the upstream and sibling reports the rows may name
    queried: int = 0  # queries run in this build (items and references); 0: everything came from the cache
    kept: int = 0  # items whose list came from the cache (perhaps with a changed report put in or taken out)


def version() -> str:
    """What the kept lists depend on: this module's format and sqmy's method of 查重 (the source of similar and likeness)."""
    digest = hashlib.sha256(f"{FORMAT}|{__version__}|{LIMIT}|{WIDE}".encode())
    for name in ("similar.py", "likeness.py"):
        try:
            digest.update(resources.files("sqmy").joinpath(name).read_bytes())
        except OSError:  # pragma: no cover - a package without its sources: the version alone
            digest.update(name.encode())
    return digest.hexdigest()


def _reference_digest(ref: upstream.Reference) -> str:
    return hashlib.sha256(f"{ref.source}\0{ref.title}\0{ref.body}".encode()).hexdigest()


def _rank(row: Row) -> tuple[int, float, str]:
    """Best first: by score those alike in text, then by title likeness those alike in title only (as likeness lists them)."""
    if row[4] in TEXT_VERDICTS:
        return (0, -(row[2] or 0.0), row[0])
    return (1, -row[3], row[0])


def _best(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=_rank)[:LIMIT]


def _read(repo: Repo, key: str) -> tuple[dict[str, tuple[str, list[Row]]], dict[str, str]]:
    if not cache.enabled():
        return {}, {}
    found = cache._read_signed(repo, CACHE_FILE, key) or {}
    items, refs = found.get("items"), found.get("references")
    if not isinstance(items, dict) or not isinstance(refs, dict):
        return {}, {}
    return items, refs


def _write(repo: Repo, key: str, items: dict[str, tuple[str, list[Row]]], refs: dict[str, str]) -> None:
    if not cache.enabled():
        return
    secret = cache._secret()
    if secret is not None and cache._folder_is_ours(repo):
        cache._write_signed(repo, secret, CACHE_FILE, key, {"items": items, "references": refs})


def lists(repo: Repo, reg: Registry, items: Sequence[Item], today: dt.date) -> Lists:
    """Every item's similar reports, querying only what changed since the lists were kept (see the module's description)."""
    found_refs = upstream.load_upstream(repo.rules_root)[0] + upstream.load_siblings(repo.rules_root)[0]
    references = {r.key: r for r in found_refs}
    digests = {i.id: i.digest for i in items}
    ref_digests = {key: _reference_digest(r) for key, r in references.items()}
    key = version()
    kept, kept_refs = _read(repo, key)
    changed = sorted(i for i, d in digests.items() if kept.get(i, ("", []))[0] != d)
    changed_refs = sorted(k for k, d in ref_digests.items() if kept_refs.get(k) != d)
    gone = {*changed, *(set(kept) - set(digests)), *changed_refs, *(set(kept_refs) - set(ref_digests))}
    rows: dict[str, list[Row]] = {}
    full: set[str] = set()  # unchanged items whose list was full: one that loses a report is queried again
    lost: dict[str, list[str]] = {}  # unchanged item -> the changed items its list held (scored again directly)
    changed_set = set(changed)
    for item_id in digests:
        if item_id in kept and item_id not in gone:
            old = kept[item_id][1]
            rows[item_id] = [r for r in old if r[0] not in gone]
            if len(old) >= LIMIT:
                full.add(item_id)
            held = [r[0] for r in old if r[0] in changed_set]
            if held:
                lost[item_id] = held
    result = Lists(rows, references, kept=len(digests) - len(changed))
    refill = [i for i in full if len(rows[i]) < LIMIT and i not in lost]  # lost a removed report or a changed reference
    if changed or changed_refs or refill:
        _query(repo, reg, items, today, result, changed, changed_refs, lost, full, refill)
    if gone or result.queried or len(kept) != len(digests) or len(kept_refs) != len(ref_digests):
        _write(repo, key, {i: (digests[i], rows[i]) for i in digests}, ref_digests)
    return result


def _query(repo: Repo, reg: Registry, items: Sequence[Item], today: dt.date, result: Lists, fresh: list[str],
           changed_refs: list[str], lost: dict[str, list[str]], full: set[str], refill: list[str]) -> None:
    """The lists of the `fresh` items from their own queries; each of them, and each changed reference, put into the
    lists of the other items that keep theirs (`receivers`); a changed item an unchanged list held, scored with that
    item again; unchanged lists that were full and are no longer, queried again."""
    from ..likeness import build  # noqa: PLC0415 - loads scikit-learn: only when something is queried

    corpus = build(repo, reg, items, today)
    by_id = {i.id: i for i in items}
    receivers = set(by_id) - set(fresh)
    wide = WIDE if receivers else LIMIT  # (nobody to offer a report to: its own list is all a query is for)
    offered: dict[str, list[Row]] = {}
    # many items (a cold build): all at once, scoring only the pairs that share rare n-grams (Index.neighbours);
    # a few: each queried (at 10,000 items, finding the candidates of all costs about what 300 queries cost)
    many = corpus.check_many(fresh, limit=wide, facts=False) if len(fresh) > BATCH else {}
    for item_id in fresh:
        item = by_id[item_id]
        checked = many[item_id] if item_id in many else corpus.check(item.body, item.title, exclude=[item_id], limit=wide, evidence=False)
        found = [(f.id, f.source, f.score, f.title_ratio, f.verdict) for f in checked]
        result.rows[item_id] = _best(found)
        for other, source, score, ratio, verdict in found:
            if source == ARCHIVE and other in receivers:
                offered.setdefault(other, []).append((item_id, ARCHIVE, score, ratio, verdict))
    result.queried += len(fresh)
    # a changed item an unchanged list held, not among what its query listed: that pair scored again (no query)
    for other, held in lost.items():
        given = {r[0] for r in offered.get(other, [])}
        for item_id in held:
            if item_id not in given and (f := corpus.pair(other, item_id, facts=False)) is not None:
                offered.setdefault(other, []).append((item_id, ARCHIVE, f.score, f.title_ratio, f.verdict))
    if receivers:
        for ref_key in changed_refs:
            ref = result.references[ref_key]
            for f in corpus.check(ref.body, ref.title, against=[ARCHIVE], limit=WIDE, evidence=False):
                if f.id in receivers:
                    offered.setdefault(f.id, []).append((ref_key, ref.source, f.score, f.title_ratio, f.verdict))
        result.queried += len(changed_refs)
    for other, new in offered.items():
        names = {r[0] for r in new}
        result.rows[other] = _best([*(r for r in result.rows[other] if r[0] not in names), *new])
    # a list that was full and is no longer (a report left it): queried again, another report may take the place
    again = sorted({*refill, *(i for i in lost if i in full and len(result.rows[i]) < LIMIT)})
    for item_id in again:
        item = by_id[item_id]
        checked = corpus.check(item.body, item.title, exclude=[item_id], limit=LIMIT, evidence=False)
        result.rows[item_id] = _best((f.id, f.source, f.score, f.title_ratio, f.verdict) for f in checked)
    result.queried += len(again)
    result.kept -= len(again)


# --- what the page shows ----------------------------------------------------------------------------------------


def item_facts(reg: Registry, item: Item, today: dt.date) -> str:
    """Who wrote an item, when, and what became of it: one line, as likeness.item_facts writes it."""
    unit = reg.units.get(item.unit)
    author = reg.people.get(item.authors[0]) if item.authors else None
    when = item.submitted.isoformat() if item.submitted else "草稿"
    parts = [unit.label if unit else item.unit, author.name if author else "", when, derive(item, today).status]
    return " · ".join(p for p in parts if p)


def _link(ref: upstream.Reference) -> str | None:
    """A sibling's report on its own archive: a web address (a relative one would point into this site)."""
    if ref.source == upstream.SIBLINGS and ref.ref.startswith(("https://", "http://")):
        return ref.ref
    return None


def shown(found: Lists, reg: Registry, items: Iterable[Item], today: dt.date) -> dict[str, tuple[SimilarShown, ...]]:
    """Each item's similar reports as its page shows them (items without any are left out)."""
    by_id = {i.id: i for i in items}
    facts: dict[str, str] = {}
    out: dict[str, tuple[SimilarShown, ...]] = {}
    for item_id, rows in found.rows.items():
        made = []
        for other, source, score, ratio, verdict in rows:
            common = {"verdict": verdict, "source": SOURCE_NAMES.get(source, source),
                      "score": f"{score:.2f}" if score is not None else "—", "title_ratio": f"{ratio:.0f}"}
            if source == ARCHIVE:
                item = by_id.get(other)
                if item is None:
                    continue
                if other not in facts:
                    facts[other] = item_facts(reg, item, today)
                made.append(SimilarShown(title=item.title, label=other, facts=facts[other],
                                         page=f"items/{other[:4]}/{other}.md", **common))
                continue
            ref = found.references.get(other)
            if ref is None:
                continue
            link = _link(ref)
            line = " · ".join(x for x in (ref.origin, ref.date.isoformat() if ref.date else "", "" if link else ref.ref) if x)
            made.append(SimilarShown(title=ref.title, label=ref.label, facts=line, url=link, **common))
        if made:
            out[item_id] = tuple(made)
    return out
