"""Derived status: computed from reviews, routes, journal and outcomes, never stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import chain, outcomes
from .items import Item
from .schema import CHAIN_STAGES, EXPERT_STAGE, REOPEN

DRAFT = "草稿"
EXPERT_REVIEW = "联合复核中"
RETURNED = "退回修改"
REJECTED = "不予上报"
STALE = "审定后改动"  # the title or body changed after 审定: not approved until reopened and reviewed again
APPROVED = "已审定"
PUBLISHED = "已编发"
REPORTED = "已上报"
ADOPTED = "已采用"
INSTRUCTED = "已批示"
TRANSFERRING = "转办中"
ANSWERED = "已反馈"
IMPLEMENTED = "已落实"
OVERDUE = "逾期未反馈"


def waiting(stage: str) -> str:
    return f"待{stage}"


# Every status, in the order of the workflow; the order of PRIORITY decides
# which one an item shows when several apply after 审定 (an alert first, then
# the furthest point reached in the conversion chain).
ALL = (
    DRAFT, *(waiting(s) for s in CHAIN_STAGES[:1]), EXPERT_REVIEW,
    *(waiting(s) for s in CHAIN_STAGES[1:]), RETURNED, REJECTED, STALE,
    APPROVED, PUBLISHED, REPORTED, ADOPTED, INSTRUCTED, TRANSFERRING, ANSWERED, IMPLEMENTED, OVERDUE,
)
PRIORITY = (OVERDUE, IMPLEMENTED, ANSWERED, TRANSFERRING, INSTRUCTED, ADOPTED, REPORTED, PUBLISHED, APPROVED)


@dataclass(frozen=True)
class Status:
    status: str  # the one shown
    statuses: tuple[str, ...]  # every status that applies, in PRIORITY order after 审定
    next_stage: str | None  # the review stage to act next, if any
    waiting_on: tuple[str, ...]  # people who must act (experts), or the authors when returned
    overdue_days: int = 0


def derive(item: Item, today: dt.date) -> Status:
    if item.submitted is None:
        return Status(DRAFT, (DRAFT,), None, item.authors)
    st = chain.state(chain.Entry(r.stage, r.by, r.decision, r.digest, r.experts) for r in item.reviews)
    if st.rejected:
        return Status(REJECTED, (REJECTED,), None, ())
    if st.approved and st.stale(item.digest):  # never shown as approved: the office reopens it, then the chain runs again
        return Status(STALE, (STALE,), REOPEN, ())
    if st.approved:
        return _after_approval(item, today)
    if st.pending_experts:
        return Status(EXPERT_REVIEW, (EXPERT_REVIEW,), EXPERT_STAGE, st.pending_experts)
    digest = item.digest
    if st.returned is not None and st.returned[1] == digest:  # not revised since it was returned
        return Status(RETURNED, (RETURNED,), st.returned[0], item.authors)
    stage = st.next_stage(digest)
    assert stage is not None  # all chain stages passed means approved
    return Status(waiting(stage), (waiting(stage),), stage, ())


def _after_approval(item: Item, today: dt.date) -> Status:
    found = {APPROVED}
    if item.journal is not None:
        found.add(PUBLISHED)
    if outcomes.reported(item):  # sent, not only chosen at 审定
        found.add(REPORTED)
    if item.adoptions:
        found.add(ADOPTED)
    if item.instructions:
        found.add(INSTRUCTED)
    overdue = max((t.overdue_days(today) for t in item.transfers), default=0)
    for transfer in item.transfers:
        if transfer.feedback is None:
            found.add(OVERDUE if transfer.overdue_days(today) else TRANSFERRING)
        else:
            found.add(ANSWERED)
    if outcomes.implemented(item):  # the rule stats counts by
        found.add(IMPLEMENTED)
    ordered = tuple(s for s in PRIORITY if s in found)
    return Status(ordered[0], ordered, None, (), overdue)


def approved_on(item: Item, today: dt.date) -> dt.date | None:
    """The day of 审定 通过 while it still holds (the text not changed since), else None."""
    if APPROVED not in derive(item, today).statuses:
        return None
    index = chain.state(chain.Entry.from_review(r) for r in item.reviews).approval
    return item.reviews[index].date if index is not None else None


def explain(st: Status) -> str:
    """What a status means for whoever must act next, in a sentence ('' when nothing is pending)."""
    if st.status == STALE:
        return "审定后标题或正文被修改，原审核不再有效：请办公室运行 sqmy reopen 重新审核，之后从初审开始重新审核"
    return ""
