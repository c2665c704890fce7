"""Plain data for the listing commands (people, units, status); the CLI only prints it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from . import chain, schema
from .chain import ROLE_OF_STAGE
from .errors import NotFound, SqmyError
from .items import Item
from .registry import Registry
from .schema import CHAIN_STAGES
from .status import ALL, DRAFT, EXPERT_REVIEW, RETURNED, STALE, Status, derive, explain, waiting


def people(reg: Registry, day: dt.date, role: str | None = None, contact: bool = False) -> list[dict[str, Any]]:
    rows = []
    for p in reg.people.values():
        if role and not p.has_role(role, day):
            continue
        unit = reg.units.get(p.unit)
        row: dict[str, Any] = {
            "id": p.id, "name": p.name, "kind": p.kind, "unit": p.unit,
            "unit_name": unit.name if unit else None, "title": p.title, "email": p.email,
            "github": p.github, "current_roles": list(p.roles_on(day)),
            "roles": [{"role": r.role, "from": r.start.isoformat(), "to": r.end.isoformat() if r.end else None} for r in p.roles],
        }
        if contact:
            row["phone"] = p.phone
        rows.append(row)
    return rows


def units(reg: Registry, year: int) -> list[dict[str, Any]]:
    members = Counter(p.unit for p in reg.people.values())
    return [
        {"id": u.id, "name": u.name, "short": u.short or None, "kind": u.kind,
         "quota": {str(y): n for y, n in sorted(u.quota.items())}, "quota_this_year": u.quota.get(year),
         "people": members[u.id]}
        for u in reg.units.values()
    ]


def _names(reg: Registry, ids: tuple[str, ...]) -> list[str]:
    return [reg.people[i].name if i in reg.people else i for i in ids]


def item_status(reg: Registry, item: Item, st: Status) -> dict[str, Any]:
    unit = reg.units.get(item.unit)
    return {
        "id": item.id, "title": item.title, "path": item.path,
        "unit": item.unit, "unit_name": unit.label if unit else item.unit,
        "authors": list(item.authors), "author_names": _names(reg, item.authors),
        "submitted": item.submitted.isoformat() if item.submitted else None,
        "audience": item.audience, "imported": item.imported is not None,
        "status": st.status, "statuses": list(st.statuses),
        "next_stage": st.next_stage, "waiting_on": list(st.waiting_on),
        "overdue_days": st.overdue_days,
    }


def statuses(reg: Registry, items: list[Item], today: dt.date) -> list[dict[str, Any]]:
    ordered = sorted(items, key=lambda i: (i.submitted or dt.date.max, i.id))
    return [item_status(reg, item, derive(item, today)) for item in ordered]


def summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(r["status"] for r in rows)
    return {s: counts[s] for s in ALL if counts[s]}


def detail(reg: Registry, items: list[Item], item_id: str, today: dt.date) -> dict[str, Any]:
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        raise NotFound(f"找不到编号为“{item_id}”的信息（或该文件有错误，请先运行 sqmy validate）")
    st = derive(item, today)
    data = item_status(reg, item, st)
    current = item.digest
    data["reviews"] = [
        {"stage": r.stage, "by": r.by, "by_name": _names(reg, (r.by,))[0], "decision": r.decision,
         "date": r.date.isoformat(), "comment": r.comment, "experts": list(r.experts),
         "expert_names": _names(reg, r.experts),
         "digest_matches": r.digest == current,
         "imported": item.imported is not None and r.date <= item.imported.date}
        for r in item.reviews
    ]
    data["routes"] = list(item.routes)
    data["journal"] = {"title": reg.office.journal_title, "year": item.journal.year, "issue": item.journal.issue} if item.journal else None
    data["adoptions"] = [{"level": a.level, "date": a.date.isoformat(), "ref": a.ref} for a in item.adoptions]
    data["instructions"] = [
        {"level": i.level, "leader": i.leader, "date": i.date.isoformat(), "summary": i.summary, "assigned": list(i.assigned)}
        for i in item.instructions
    ]
    data["transfers"] = [
        {"to": t.to, "to_name": reg.units[t.to].name if t.to in reg.units else t.to, "date": t.date.isoformat(),
         "letter": t.letter, "due": t.due.isoformat(), "overdue_days": t.overdue_days(today),
         "feedback": {"date": t.feedback.date.isoformat(), "result": t.feedback.result, "summary": t.feedback.summary} if t.feedback else None}
        for t in item.transfers
    ]
    data["explanation"] = explain(st)
    if st.next_stage and not st.waiting_on:
        role = ROLE_OF_STAGE.get(st.next_stage, st.next_stage)
        data["candidates"] = [p.id for p in reg.holders(role, today) if p.id not in item.authors or role == schema.OFFICE]
    else:
        data["candidates"] = list(st.waiting_on)
    data["candidate_names"] = _names(reg, tuple(data["candidates"]))
    return data


def waiting_for(reg: Registry, items: list[Item], person_id: str, today: dt.date) -> list[dict[str, Any]]:
    """What `person_id` must act on today: reviews of their stage, expert opinions, their own drafts and returns."""
    person = reg.people.get(person_id)
    if person is None:
        raise SqmyError(f"“{person_id}”不在人员名册中")
    rows = []
    for item in items:
        st = derive(item, today)
        signed = chain.state(chain.Entry.from_review(r) for r in item.reviews).signed  # this round's signatures
        action = None
        if st.status == STALE and person.has_role(schema.OFFICE, today):
            action = "重新审核（sqmy reopen）"
        elif st.status == DRAFT and person.id in item.authors:
            action = "完成并报送"
        elif st.status == RETURNED and person.id in item.authors:
            action = f"按{st.next_stage}意见修改"
        elif st.status == EXPERT_REVIEW and person.id in st.waiting_on:
            action = "给出联合复核意见"
        elif st.next_stage in CHAIN_STAGES and st.status == waiting(st.next_stage):
            stage = st.next_stage
            if (person.has_role(ROLE_OF_STAGE[stage], today) and person.id not in item.authors
                    and signed.get(person.id, stage) == stage):
                action = stage
        if action is None:
            continue
        since = max([r.date for r in item.reviews] + ([item.submitted] if item.submitted else []), default=today)
        row = item_status(reg, item, st)
        row |= {"action": action, "since": since.isoformat(), "days": (today - since).days}
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["days"], r["id"]))


def overdue(reg: Registry, items: list[Item], today: dt.date) -> list[dict[str, Any]]:
    """Follow-ups past their time (督办): transfers without feedback after the due date,
    instructions without a reported result after the office's days for it."""
    rows = []
    due_days = reg.office.instruction_due_days
    for item in items:
        for t in item.transfers:
            days = t.overdue_days(today)
            if days:
                unit = reg.units.get(t.to)
                rows.append({
                    "id": item.id, "title": item.title, "kind": "转办", "to": [t.to],
                    "to_name": unit.name if unit else t.to, "letter": t.letter,
                    "date": t.date.isoformat(), "due": t.due.isoformat(), "overdue_days": days,
                })
        for i in item.instructions:
            days = i.overdue_days(today, due_days)
            if days:
                names = [reg.units[u].name if u in reg.units else u for u in i.assigned]
                rows.append({
                    "id": item.id, "title": item.title, "kind": "批示", "to": list(i.assigned),
                    "to_name": "、".join(names) or "县委办、县政府办（未记录交办单位）", "letter": f"{i.level}{i.leader}批示",
                    "date": i.date.isoformat(), "due": (i.date + dt.timedelta(days=due_days)).isoformat(), "overdue_days": days,
                })
    return sorted(rows, key=lambda r: (-r["overdue_days"], r["id"]))
