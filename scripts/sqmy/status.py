"""Derived status: computed from reviews, routes, journal and outcomes, never stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .items import Item
from .schema import CHAIN_STAGES

DRAFT = "草稿"
EXPERT_REVIEW = "联合复核中"
RETURNED = "退回修改"
REJECTED = "不予上报"
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
    *(waiting(s) for s in CHAIN_STAGES[1:]), RETURNED, REJECTED,
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

    passed: set[str] = set()
    pending_experts: list[str] = []
    returned: tuple[str, str] | None = None  # (stage, digest of the returned text)
    for review in item.reviews:
        if review.decision == REJECTED:
            return Status(REJECTED, (REJECTED,), None, ())
        if review.stage == "联合复核":
            if review.by in pending_experts:
                pending_experts.remove(review.by)
            continue
        if review.decision == "联合复核":
            pending_experts = list(review.experts)
            returned = None
        elif review.decision == "通过":
            passed.add(review.stage)
            returned = None
        elif review.decision == RETURNED:
            returned = (review.stage, review.digest)

    next_stage = next((s for s in CHAIN_STAGES if s not in passed), None)
    if pending_experts:
        return Status(EXPERT_REVIEW, (EXPERT_REVIEW,), "联合复核", tuple(pending_experts))
    if returned is not None:
        stage, digest = returned
        if digest == item.digest:  # not revised since it was returned
            return Status(RETURNED, (RETURNED,), stage, item.authors)
        return Status(waiting(stage), (waiting(stage),), stage, ())
    if next_stage is not None:
        return Status(waiting(next_stage), (waiting(next_stage),), next_stage, ())
    return _after_approval(item, today)


def _after_approval(item: Item, today: dt.date) -> Status:
    found = {APPROVED}
    if item.journal is not None:
        found.add(PUBLISHED)
    if "直报" in item.routes:
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
            if transfer.feedback.result == "已落实":
                found.add(IMPLEMENTED)
    ordered = tuple(s for s in PRIORITY if s in found)
    return Status(ordered[0], ordered, None, (), overdue)
