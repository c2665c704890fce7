"""Items as frozen dataclasses, built once from validated front matter."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import marshal
import unicodedata
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Review:
    stage: str
    by: str
    decision: str
    date: dt.date
    digest: str
    comment: str = ""
    experts: tuple[str, ...] = ()
    duplicate: str = ""  # 查重结论 of the reviewer: 非重复 or 重复 ("" when none was needed or given)


@dataclass(frozen=True)
class Journal:
    year: int
    issue: int
    token: str = ""  # the mark `sqmy journal new` gives an issue: equal within an issue


@dataclass(frozen=True)
class Adoption:
    level: str
    date: dt.date
    ref: str = ""
    mode: str = "单篇采用"
    update: str = ""  # the id of the higher office's update it came from (sqmy pull-updates)


@dataclass(frozen=True)
class Feedback:
    date: dt.date
    result: str
    summary: str = ""


FOLLOWED_LEVELS = ("县委", "县政府")


@dataclass(frozen=True)
class Instruction:
    level: str
    leader: str
    date: dt.date
    summary: str = ""
    assigned: tuple[str, ...] = ()
    feedback: Feedback | None = None
    update: str = ""  # the id of the higher office's update it came from (sqmy pull-updates)

    @property
    def followed_up(self) -> bool:
        """County leaders' instructions are assigned by the 两办 and followed up by the office;
        higher ones are recorded as honours, not chased."""
        return self.level in FOLLOWED_LEVELS

    def overdue_days(self, today: dt.date, due_days: int) -> int:
        """Days past `due_days` after the instruction without a reported result (0 when not overdue)."""
        if self.feedback is not None or not self.followed_up:
            return 0
        late = (today - self.date).days - due_days
        return max(late, 0)


@dataclass(frozen=True)
class Solved:
    date: dt.date
    summary: str


@dataclass(frozen=True)
class Sent:
    """A 直报 or 参阅件 actually sent: the route, to whom, and when."""

    route: str
    to: str
    date: dt.date


@dataclass(frozen=True)
class Transfer:
    to: str
    date: dt.date
    due: dt.date
    letter: str = ""
    feedback: Feedback | None = None

    def overdue_days(self, today: dt.date) -> int:
        """Days past the due date without feedback (0 when not overdue)."""
        if self.feedback is not None or today <= self.due:
            return 0
        return (today - self.due).days


@dataclass(frozen=True)
class Imported:
    date: dt.date
    note: str = ""


@dataclass(frozen=True)
class Forwarded:
    """Where a report forwarded by another office came from (sqmy receive): that office's report, as approved there."""

    office: str  # the office's id (units/network.yml)
    item: str  # the report's id there
    bundle: str  # the bundle's id (sha256 of origin, report, sequence and digest)
    sequence: int  # 1 for the first bundle of that report, more for a resend after it was approved again
    commit: str = ""  # the commit of its 审定 there
    sha256: str = ""  # of the bundle file received
    office_name: str = ""
    authors: tuple[str, ...] = ()  # the authors' names there
    unit: str = ""  # the unit's name there


@dataclass(frozen=True)
class Item:
    id: str
    path: str  # POSIX path inside the repository
    title: str
    authors: tuple[str, ...]
    unit: str
    submitted: dt.date | None
    category: str
    focus: str
    source: str
    audience: str
    body: str
    body_line: int  # 1-based line where the body starts
    key_topic: str | None = None
    source_ref: str | None = None
    imported: Imported | None = None
    reviews: tuple[Review, ...] = ()
    routes: tuple[str, ...] = ()
    journal: Journal | None = None
    sent: tuple[Sent, ...] = ()
    adoptions: tuple[Adoption, ...] = ()
    instructions: tuple[Instruction, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    solved: tuple[Solved, ...] = ()
    forwarded_from: Forwarded | None = None

    @property
    def year(self) -> int:
        return int(self.id[:4])

    @functools.cached_property
    def digest(self) -> str:
        """The digest of the title and body (computed once: status, stats and the site ask often)."""
        return content_digest(self.title, self.body)


def normalize_text(text: str) -> str:
    """What a digest covers: NFC, LF, no trailing spaces, no blank lines at either end."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def content_digest(title: str, body: str) -> str:
    """The digest a review binds to: the title and the body, normalised."""
    payload = normalize_text(title).strip() + "\n\n" + normalize_text(body)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _d(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _feedback(d: dict[str, Any] | None) -> Feedback | None:
    if not d:
        return None
    return Feedback(_d(d["date"]), d["result"], d.get("summary") or "")


def _forwarded(f: dict[str, Any]) -> Forwarded:
    return Forwarded(f["office"], f["item"], f["bundle"], f["sequence"], f.get("commit") or "", f.get("sha256") or "",
                     f.get("office_name") or "", tuple(f.get("authors") or ()), f.get("unit") or "")


def build(data: dict[str, Any], path: str, body: str, body_line: int) -> Item:
    """An Item from front matter that passed the schema."""
    imported = data.get("imported")
    journal = data.get("journal")
    forwarded = data.get("forwarded_from")
    return Item(
        id=data["id"],
        path=path,
        title=data["title"],
        authors=tuple(data["authors"]),
        unit=data["unit"],
        submitted=_d(data["submitted"]) if data.get("submitted") else None,
        category=data["category"],
        focus=data["focus"],
        source=data["source"],
        audience=data["audience"],
        body=body,
        body_line=body_line,
        key_topic=data.get("key_topic"),
        source_ref=data.get("source_ref"),
        imported=Imported(_d(imported["date"]), imported.get("note") or "") if imported else None,
        reviews=tuple(
            Review(
                r["stage"], r["by"], r["decision"], _d(r["date"]), r["digest"],
                r.get("comment") or "", tuple(r.get("experts") or ()), r.get("duplicate") or "",
            )
            for r in data.get("reviews") or ()
        ),
        routes=tuple(data.get("routes") or ()),
        journal=Journal(journal["year"], journal["issue"], journal.get("token") or "") if journal else None,
        sent=tuple(Sent(s["route"], s["to"], _d(s["date"])) for s in data.get("sent") or ()),
        adoptions=tuple(
            Adoption(a["level"], _d(a["date"]), a.get("ref") or "", a.get("mode") or "单篇采用", a.get("update") or "")
            for a in data.get("adoptions") or ()
        ),
        instructions=tuple(
            Instruction(
                i["level"], i["leader"], _d(i["date"]), i.get("summary") or "", tuple(i.get("assigned") or ()), _feedback(i.get("feedback")),
                i.get("update") or "",
            )
            for i in data.get("instructions") or ()
        ),
        solved=tuple(Solved(_d(s["date"]), s["summary"]) for s in data.get("solved") or ()),
        forwarded_from=_forwarded(forwarded) if forwarded else None,
        transfers=tuple(
            Transfer(t["to"], _d(t["date"]), _d(t["due"]), t.get("letter") or "", _feedback(t.get("feedback")))
            for t in data.get("transfers") or ()
        ),
    )


# --- kept between runs ------------------------------------------------------------------------------
# The local cache (cache.py) keeps each checked Item as plain values in marshal's format: rebuilding
# 10,000 Items from it takes a fraction of what unpickling the dataclasses does (pickle names every
# class of every object). `pack` and `unpack` must follow the dataclasses above field by field;
# tests/test_items.py checks that they do.

_NONE = -1  # a missing date


def _day(value: dt.date | None) -> int:
    return value.toordinal() if value is not None else _NONE


def _undate(value: int) -> dt.date:
    return dt.date.fromordinal(value)


def _pack_feedback(f: Feedback | None) -> tuple[Any, ...] | None:
    return (f.date.toordinal(), f.result, f.summary) if f is not None else None


def _unpack_feedback(f: tuple[Any, ...] | None) -> Feedback | None:
    return Feedback(_undate(f[0]), f[1], f[2]) if f is not None else None


def pack(item: Item) -> bytes:
    """`item` as bytes for the local cache (see unpack)."""
    i = item
    return marshal.dumps((
        i.id, i.path, i.title, i.authors, i.unit, _day(i.submitted), i.category, i.focus, i.source, i.audience, i.body, i.body_line,
        i.key_topic, i.source_ref,
        (i.imported.date.toordinal(), i.imported.note) if i.imported else None,
        tuple((r.stage, r.by, r.decision, r.date.toordinal(), r.digest, r.comment, r.experts, r.duplicate) for r in i.reviews),
        i.routes,
        (i.journal.year, i.journal.issue, i.journal.token) if i.journal else None,
        tuple((s.route, s.to, s.date.toordinal()) for s in i.sent),
        tuple((a.level, a.date.toordinal(), a.ref, a.mode, a.update) for a in i.adoptions),
        tuple((n.level, n.leader, n.date.toordinal(), n.summary, n.assigned, _pack_feedback(n.feedback), n.update) for n in i.instructions),
        tuple((t.to, t.date.toordinal(), t.due.toordinal(), t.letter, _pack_feedback(t.feedback)) for t in i.transfers),
        tuple((s.date.toordinal(), s.summary) for s in i.solved),
        dataclasses.astuple(i.forwarded_from) if i.forwarded_from else None,
        i.__dict__.get("digest"),  # Item.digest, when it was computed (the check does, for an item with reviews)
    ))


def unpack(data: bytes) -> Item:
    """The Item `pack` wrote."""
    (id_, path, title, authors, unit, submitted, category, focus, source, audience, body, body_line, key_topic, source_ref,
     imported, reviews, routes, journal, sent, adoptions, instructions, transfers, solved, forwarded, digest) = marshal.loads(data)
    item = Item(
        id_, path, title, authors, unit, _undate(submitted) if submitted != _NONE else None, category, focus, source, audience, body,
        body_line, key_topic, source_ref,
        Imported(_undate(imported[0]), imported[1]) if imported else None,
        tuple(Review(r[0], r[1], r[2], _undate(r[3]), r[4], r[5], r[6], r[7]) for r in reviews),
        routes,
        Journal(*journal) if journal else None,
        tuple(Sent(s[0], s[1], _undate(s[2])) for s in sent),
        tuple(Adoption(a[0], _undate(a[1]), a[2], a[3], a[4]) for a in adoptions),
        tuple(Instruction(n[0], n[1], _undate(n[2]), n[3], n[4], _unpack_feedback(n[5]), n[6]) for n in instructions),
        tuple(Transfer(t[0], _undate(t[1]), _undate(t[2]), t[3], _unpack_feedback(t[4])) for t in transfers),
        tuple(Solved(_undate(s[0]), s[1]) for s in solved),
        Forwarded(*forwarded) if forwarded else None,
    )
    if digest is not None:
        item.__dict__["digest"] = digest
    return item
