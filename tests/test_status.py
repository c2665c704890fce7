from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from sqmy import status
from sqmy.items import Adoption, Feedback, Instruction, Item, Journal, Review, Sent, Transfer, content_digest

TODAY = dt.date(2026, 11, 28)
D = dt.date(2026, 1, 5)
BASE = Item(
    id="2026-0105-a-1", path="items/2026/2026-0105-a-1.md", title="标题", authors=("a",), unit="u",
    submitted=D, category="c", focus="f", source="委员调研", audience="内部", body="正文\n", body_line=12,
)
DIGEST = content_digest("标题", "正文\n")
OLD = content_digest("标题", "旧正文\n")


def r(stage: str, decision: str, digest: str = DIGEST, experts: tuple[str, ...] = (), by: str = "x") -> Review:
    return Review(stage, by, decision, D, digest, "", experts)


PASSED = (r("初审", "通过"), r("复审", "通过"), r("审定", "通过"))


def transfer(due: dt.date, result: str | None = None) -> Transfer:
    feedback = Feedback(D, result) if result else None
    return Transfer("dept", D, due, "letter", feedback)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"submitted": None}, "草稿"),
        ({}, "待初审"),
        ({"reviews": (r("初审", "联合复核", experts=("e1", "e2")),)}, "联合复核中"),
        ({"reviews": (r("初审", "联合复核", experts=("e1", "e2")), r("联合复核", "通过", by="e1"))}, "联合复核中"),
        ({"reviews": (r("初审", "联合复核", experts=("e1",)), r("联合复核", "退回修改", by="e1"))}, "待初审"),
        ({"reviews": (r("初审", "通过"),)}, "待复审"),
        ({"reviews": (r("初审", "通过"), r("复审", "通过"))}, "待审定"),
        ({"reviews": (r("初审", "退回修改"),)}, "退回修改"),
        ({"reviews": (r("初审", "退回修改", OLD),)}, "待初审"),  # revised since: back to the same stage
        ({"reviews": (r("初审", "通过"), r("复审", "退回修改"))}, "退回修改"),
        ({"reviews": (r("初审", "通过"), r("复审", "退回修改", OLD))}, "待复审"),
        ({"reviews": (r("初审", "通过"), r("复审", "不予上报"))}, "不予上报"),
        ({"reviews": PASSED}, "已审定"),
        ({"reviews": PASSED, "journal": Journal(2026, 3)}, "已编发"),
        ({"reviews": PASSED, "journal": Journal(2026, 3), "routes": ("直报",)}, "已编发"),  # chosen, not yet sent
        ({"reviews": PASSED, "journal": Journal(2026, 3), "routes": ("直报",), "sent": (Sent("直报", "市政协办公室", D),)}, "已上报"),
        ({"reviews": PASSED, "routes": ("直报", "参阅"), "sent": (Sent("参阅", "县委办公室", D),)}, "已审定"),  # 参阅 is not 上报
    ],
)
def test_review_states(changes: dict[str, object], expected: str) -> None:
    assert status.derive(replace(BASE, **changes), TODAY).status == expected  # type: ignore[arg-type]


def test_outcome_priority_and_all_statuses() -> None:
    item = replace(
        BASE, reviews=PASSED, journal=Journal(2026, 1), routes=("直报", "参阅", "转办"),
        adoptions=(Adoption("市政协", D),), instructions=(Instruction("县委", "主要领导", D),),
    )
    assert status.derive(item, TODAY).status == "已批示"
    assert status.derive(replace(item, instructions=()), TODAY).status == "已采用"
    pending = replace(item, transfers=(transfer(TODAY + dt.timedelta(days=3)),))
    assert status.derive(pending, TODAY).status == "转办中"
    late = replace(item, transfers=(transfer(TODAY - dt.timedelta(days=10)),))
    st = status.derive(late, TODAY)
    assert (st.status, st.overdue_days) == ("逾期未反馈", 10)
    assert st.statuses == ("逾期未反馈", "已批示", "已采用", "已上报", "已编发", "已审定")
    answered = replace(item, transfers=(transfer(TODAY, "正在落实"),))
    assert status.derive(answered, TODAY).status == "已反馈"
    done = replace(item, transfers=(transfer(TODAY, "已落实"), transfer(TODAY - dt.timedelta(days=1))))
    assert status.derive(done, TODAY).statuses[:3] == ("逾期未反馈", "已落实", "已反馈")


def test_due_day_itself_is_not_overdue() -> None:
    item = replace(BASE, reviews=PASSED, routes=("转办",), transfers=(transfer(TODAY),))
    assert status.derive(item, TODAY).status == "转办中"
    assert status.derive(item, TODAY + dt.timedelta(days=1)).overdue_days == 1


def test_every_status_listed_once() -> None:
    assert len(status.ALL) == len(set(status.ALL)) == 17
    assert set(status.PRIORITY) <= set(status.ALL)


def test_digest_ignores_line_endings_and_trailing_space() -> None:
    assert content_digest("标题", "a  \r\nb\n\n") == content_digest("标题 ", "a\nb")
    assert content_digest("标题", "a\nb") != content_digest("标题", "a\nc")
