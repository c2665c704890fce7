"""The review chain (三审) as a state machine over an item's review entries.

One place decides what the reviews so far mean: the derived status, the
refusals of `sqmy review` and the audit's order checks all ask it.  An
approval counts only for the text it was given (its digest): content changed
after an approval needs that approval again.  The office's reopening
(`sqmy reopen`, stage 重新审核) ends a decided chain and starts a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .schema import CHAIN_STAGES, DECISIONS, EXPERT, EXPERT_STAGE, FINAL, FIRST, OFFICE, PASS, REFER, REJECT, REOPEN, RETURN

# who may record each stage: a chain stage by the role of the same name, the experts' review by an expert, reopening by the office
ROLE_OF_STAGE = {**{s: s for s in CHAIN_STAGES}, EXPERT_STAGE: EXPERT, REOPEN: OFFICE}


@dataclass(frozen=True)
class Entry:
    """The fields of a review entry that the chain reads."""

    stage: str
    by: str
    decision: str
    digest: str
    experts: tuple[str, ...] = ()

    @classmethod
    def from_review(cls, review: Any) -> Entry:
        """From an items.Review (typed loosely: chain must not import items)."""
        return cls(review.stage, review.by, review.decision, review.digest, tuple(review.experts))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Entry:
        experts = data.get("experts") or ()
        return cls(
            str(data.get("stage", "")), str(data.get("by", "")), str(data.get("decision", "")),
            str(data.get("digest", "")), tuple(str(e) for e in experts) if isinstance(experts, list) else (),
        )


@dataclass(frozen=True)
class State:
    passed: Mapping[str, str]  # chain stage -> digest of its latest 通过
    pending_experts: tuple[str, ...]  # named by 初审, opinion not yet given
    returned: tuple[str, str] | None  # (stage, digest of the returned text), until reviewed again
    rejected: bool
    approved: bool  # 审定 通过: decided, county-adopted
    signed: Mapping[str, str]  # person -> the stage they signed
    approval: int | None = None  # index (in the entries given) of this round's 审定 通过, while there is one

    @property
    def decided(self) -> bool:
        return self.rejected or self.approved

    def stale(self, digest: str) -> bool:
        """Approved, but not for this text: it changed after 审定."""
        return self.approved and self.passed.get(FINAL) != digest

    def valid(self, stage: str, digest: str) -> bool:
        """Whether `stage` passed for exactly this text."""
        return self.passed.get(stage) == digest

    def next_stage(self, digest: str) -> str | None:
        """The first chain stage not passed for this text (None when all are)."""
        return next((s for s in CHAIN_STAGES if not self.valid(s, digest)), None)


def state(entries: Iterable[Entry]) -> State:
    passed: dict[str, str] = {}
    pending: list[str] = []
    returned: tuple[str, str] | None = None
    rejected = approved = False
    signed: dict[str, str] = {}
    approval: int | None = None
    for index, e in enumerate(entries):
        if e.stage == REOPEN:  # a new chain: nothing of the old one counts for it
            passed, pending, returned, rejected, approved, signed, approval = {}, [], None, False, False, {}, None
            continue
        signed.setdefault(e.by, e.stage)
        if e.stage == EXPERT_STAGE:
            if e.by in pending:
                pending.remove(e.by)
            continue
        if e.decision == REJECT:
            rejected = True
        elif e.decision == REFER:
            pending = list(e.experts)
            returned = None
        elif e.decision == PASS:
            passed[e.stage] = e.digest
            returned = None
            if e.stage == FINAL:
                approved, approval = True, index
        elif e.decision == RETURN:
            returned = (e.stage, e.digest)
            passed.pop(e.stage, None)
    return State(passed, tuple(pending), returned, rejected, approved, signed, approval)


def refusal(st: State, entry: Entry, authors: Iterable[str], digest: str) -> tuple[str, str] | None:
    """Why `entry` may not be the next review of an item in state `st`, as (rule, message); None if it may.

    `digest` is that of the text being reviewed.  Roles and identities are
    checked by the callers (they know the registry and who is committing).
    """
    if entry.stage == REOPEN:
        if not st.decided:
            return "order", "只有审定通过或不予上报之后才需要重新审核；审核尚未结束，可直接修改后继续审核"
        return None
    if st.decided:
        return "after-decision", f"该信息已经{REJECT if st.rejected else FINAL + PASS}，审核已结束"
    if entry.by in set(authors):
        return "self-review", "反映人不能审核自己的信息"
    other = st.signed.get(entry.by)
    if other is not None and other != entry.stage:
        return "two-stages", f"同一人不能签署同一条信息的两个环节（已签署“{other}”）"
    if entry.stage == EXPERT_STAGE:
        if entry.by not in st.pending_experts:
            named = "、".join(st.pending_experts) or "无"
            return "order", f"只有初审提请联合复核时指定的专家可以给出复核意见（待复核专家：{named}）"
        if entry.decision == REFER or entry.decision not in DECISIONS:
            return "review-shape", "联合复核意见应为：通过、退回修改或不予上报"
        return None
    if entry.stage not in CHAIN_STAGES or entry.decision not in DECISIONS:
        return "review-shape", f"审核记录的环节“{entry.stage}”或意见“{entry.decision}”不是 sqmy 认得的值"
    if st.pending_experts:
        return "order", f"联合复核尚未完成（待复核专家：{'、'.join(st.pending_experts)}），初审在专家意见之后作出"
    if entry.decision == REFER and entry.stage != FIRST:
        return "review-shape", "只有初审可以提请联合复核"
    if entry.decision == REFER and not entry.experts:
        return "review-shape", "提请联合复核时必须指定专家"
    if st.returned is not None and st.returned[1] == digest and st.returned[0] == entry.stage:
        return "not-revised", f"该信息在“{entry.stage}”被退回修改后尚未修改"
    expected = st.next_stage(digest)
    if expected != entry.stage:
        if expected is not None and CHAIN_STAGES.index(entry.stage) > CHAIN_STAGES.index(expected):
            stale = expected in st.passed
            why = "内容在审核通过后有改动，需要重新审核" if stale else "尚未通过"
            return "order", f"“{expected}”{why}，不能进行“{entry.stage}”"
        return "order", f"当前应进行“{expected}”，不是“{entry.stage}”"
    return None
