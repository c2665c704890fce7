"""Plain data for the listing commands (people, units, status); the CLI only prints it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from . import chain, outcomes, schema
from .chain import ROLE_OF_STAGE
from .errors import NotFound, SqmyError
from .items import Feedback, Item
from .registry import Registry
from .schema import CHAIN_STAGES
from .status import ALL, DRAFT, EXPERT_REVIEW, RETURNED, STALE, Status, approved_on, derive, explain, waiting


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
         "date": r.date.isoformat(), "comment": r.comment, "experts": list(r.experts), "duplicate": r.duplicate,
         "expert_names": _names(reg, r.experts),
         "digest_matches": r.digest == current,
         "imported": item.imported is not None and r.date <= item.imported.date}
        for r in item.reviews
    ]
    data["routes"] = list(item.routes)
    data["journal"] = {"title": reg.office.journal_title, "year": item.journal.year, "issue": item.journal.issue} if item.journal else None
    data["sent"] = [{"route": x.route, "to": x.to, "date": x.date.isoformat()} for x in item.sent]
    data["adoptions"] = [{"level": a.level, "date": a.date.isoformat(), "ref": a.ref} for a in item.adoptions]
    data["instructions"] = [
        {"level": i.level, "leader": i.leader, "date": i.date.isoformat(), "summary": i.summary, "assigned": list(i.assigned),
         "assigned_names": [reg.units[u].name if u in reg.units else u for u in i.assigned],
         "feedback": _feedback(i.feedback),
         "overdue_days": i.overdue_days(today, reg.office.instruction_due_days)}
        for i in item.instructions
    ]
    data["solved"] = [{"date": x.date.isoformat(), "summary": x.summary} for x in item.solved]
    data["implemented"] = outcomes.implemented(item)
    data["transfers"] = [
        {"to": t.to, "to_name": reg.units[t.to].name if t.to in reg.units else t.to, "date": t.date.isoformat(),
         "letter": t.letter, "due": t.due.isoformat(), "overdue_days": t.overdue_days(today),
         "feedback": _feedback(t.feedback)}
        for t in item.transfers
    ]
    data["explanation"] = explain(st)
    if st.next_stage and not st.waiting_on:
        role = ROLE_OF_STAGE.get(st.next_stage, st.next_stage)
        data["candidates"] = [p.id for p in reg.holders(role, today) if p.id not in item.authors or role == schema.OFFICE]
    else:
        data["candidates"] = list(st.waiting_on)
    data["candidate_names"] = _names(reg, tuple(data["candidates"]))
    data["next"] = [
        {"kind": t.kind, "action": t.action, "who": list(t.who), "who_names": _names(reg, t.who), "since": t.since.isoformat(),
         "due": t.due.isoformat() if t.due else None}
        for t in tasks(reg, item, st, today)
    ]
    return data


def _feedback(fb: Feedback | None) -> dict[str, Any] | None:
    return {"date": fb.date.isoformat(), "result": fb.result, "summary": fb.summary} if fb else None


DUE_SOON_DAYS = 7  # a transfer or an instruction due within this many days is on the office's list


@dataclass(frozen=True)
class Task:
    """One thing someone must do for an item: who, what (kind: a code; action: in words), since when."""

    who: tuple[str, ...]
    kind: str
    action: str
    since: dt.date
    due: dt.date | None = None
    route: str | None = None  # the route to send (kind "send")


def _holders(reg: Registry, role: str, today: dt.date, cache: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    if role not in cache:
        cache[role] = tuple(p.id for p in reg.holders(role, today))
    return cache[role]


def tasks(reg: Registry, item: Item, st: Status, today: dt.date, cache: dict[str, tuple[str, ...]] | None = None) -> list[Task]:
    """Everything that waits to be done on `item`, by whom: the review chain, the authors, and the office after 审定.
    `cache` keeps who holds each role today between calls."""
    cache = {} if cache is None else cache
    office = _holders(reg, schema.OFFICE, today, cache)
    last = max([r.date for r in item.reviews] + ([item.submitted] if item.submitted else []), default=today)
    if st.status == STALE:
        return [Task(office, "reopen", "重新审核（sqmy reopen）", last)]
    if st.status == DRAFT:
        return [Task(item.authors, "submit", "完成并报送", last)]
    if st.status == RETURNED:
        return [Task(item.authors, "revise", f"按{st.next_stage}意见修改", last)]
    if st.status == EXPERT_REVIEW:
        return [Task(st.waiting_on, "expert", "给出联合复核意见", last)]
    if st.next_stage in CHAIN_STAGES and st.status == waiting(st.next_stage):
        stage = st.next_stage
        signed = chain.state(chain.Entry.from_review(r) for r in item.reviews).signed  # this round's signatures
        who = tuple(p for p in _holders(reg, ROLE_OF_STAGE[stage], today, cache)
                    if p not in item.authors and signed.get(p, stage) == stage)
        return [Task(who, "review", stage, last)]
    approved = approved_on(item, today)
    return _office_tasks(reg, item, office, approved, today) if approved is not None else []


def _office_tasks(reg: Registry, item: Item, office: tuple[str, ...], approved: dt.date, today: dt.date) -> list[Task]:
    found = []
    # what followed an approval given before the office used sqmy (imported history) is not asked for again
    fresh = item.imported is None or approved > item.imported.date
    if fresh and item.journal is None:
        found.append(Task(office, "journal", "编入期刊（sqmy journal new 或 add）", approved))
    for route in outcomes.unsent(item) if fresh else ():
        what = "参阅件" if route == schema.REFERRAL else route
        found.append(Task(office, "send", f"报送{what}（报出后 sqmy record 编号 sent --route {route} --to 报送对象）", approved, route=route))
    if fresh and schema.TRANSFER in item.routes and not item.transfers:
        found.append(Task(office, "transfer", "出具转办函（sqmy record 编号 transfer --to 承办单位）", approved))
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    for t in item.transfers:
        if t.feedback is None and t.due <= soon:
            unit = reg.units[t.to].name if t.to in reg.units else t.to
            found.append(Task(office, "transfer-due", f"督办转办反馈：{unit}（{t.letter or '转办'}）", t.date, t.due))
    due_days = reg.office.instruction_due_days
    for number, i in enumerate(item.instructions, 1):
        due = i.date + dt.timedelta(days=due_days)
        if i.feedback is None and i.followed_up and due <= soon:
            found.append(Task(office, "instruction-due", f"督办第{number}条批示（{i.level}{i.leader}）的落实情况", i.date, due))
    return found


def _task_row(reg: Registry, item: Item, st: Status, task: Task, today: dt.date) -> dict[str, Any]:
    row = item_status(reg, item, st)
    row |= {"kind": task.kind, "action": task.action, "since": task.since.isoformat(), "days": (today - task.since).days,
            "due": task.due.isoformat() if task.due else None,
            "due_in_days": (task.due - today).days if task.due else None, "route": task.route}
    return row


def todo(reg: Registry, items: list[Item], today: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Person id -> what waits for them (rows of waiting_for), every person with something to do; each item looked at once."""
    found: dict[str, list[dict[str, Any]]] = {}
    cache: dict[str, tuple[str, ...]] = {}
    for item in items:
        st = derive(item, today)
        for task in tasks(reg, item, st, today, cache):
            row = _task_row(reg, item, st, task, today)
            for person in task.who:
                found.setdefault(person, []).append(row)
    return {p: _ordered(rows) for p, rows in found.items()}


def _ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (-r["days"], r["id"], r["kind"]))


def waiting_for(reg: Registry, items: list[Item], person_id: str, today: dt.date) -> list[dict[str, Any]]:
    """What `person_id` must act on today: reviews of their stage, expert opinions, their own drafts and returns,
    and for the office what follows 审定 (journal, sending, transfers, follow-ups due)."""
    if person_id not in reg.people:
        raise SqmyError(f"“{person_id}”不在人员名册中")
    rows = []
    cache: dict[str, tuple[str, ...]] = {}
    for item in items:
        st = derive(item, today)
        rows += [_task_row(reg, item, st, t, today) for t in tasks(reg, item, st, today, cache) if person_id in t.who]
    return _ordered(rows)


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
