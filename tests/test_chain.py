"""The review chain's rules, on their own."""

from __future__ import annotations

import pytest

from sqmy.chain import Entry, refusal, state

D1, D2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64


def e(stage: str, by: str, decision: str = "通过", digest: str = D1, experts: tuple[str, ...] = ()) -> Entry:
    return Entry(stage, by, decision, digest, experts)


def test_state_tracks_passes_experts_returns_and_decisions() -> None:
    st = state([e("初审", "a", "联合复核", experts=("x", "y")), e("联合复核", "x")])
    assert st.pending_experts == ("y",)
    st = state([e("初审", "a", "联合复核", experts=("x",)), e("联合复核", "x"), e("初审", "a"), e("复审", "b", "退回修改")])
    assert st.passed == {"初审": D1}
    assert st.returned == ("复审", D1)
    assert not st.decided
    assert st.next_stage(D1) == "复审"
    assert st.next_stage(D2) == "初审"  # the text changed: the 初审 approval no longer counts
    assert state([e("初审", "a", "不予上报")]).rejected
    assert state([e("初审", "a"), e("复审", "b"), e("审定", "c")]).approved
    assert state([e("初审", "a"), e("复审", "b")]).signed == {"a": "初审", "b": "复审"}


@pytest.mark.parametrize(
    ("history", "entry", "digest", "rule"),
    [
        ([], e("初审", "a"), D1, None),
        ([], e("复审", "b"), D1, "order"),
        ([e("初审", "a")], e("复审", "b"), D2, "order"),  # stale approval
        ([e("初审", "a")], e("复审", "a"), D1, "two-stages"),
        ([e("初审", "a")], e("初审", "a"), D1, "order"),  # passed already: the next stage is due
        ([], e("初审", "author"), D1, "self-review"),
        ([e("初审", "a"), e("复审", "b"), e("审定", "c")], e("审定", "c"), D1, "after-decision"),
        ([e("初审", "a", "不予上报")], e("初审", "a"), D1, "after-decision"),
        ([e("初审", "a", "退回修改")], e("初审", "a"), D1, "not-revised"),
        ([e("初审", "a", "退回修改")], e("初审", "a"), D2, None),
        ([e("初审", "a", "联合复核", experts=("x",))], e("联合复核", "y"), D1, "order"),
        ([e("初审", "a", "联合复核", experts=("x",))], e("初审", "a"), D1, "order"),
        ([e("初审", "a", "联合复核", experts=("x",))], e("联合复核", "x"), D1, None),
        ([e("初审", "a", "联合复核", experts=("x",))], e("联合复核", "x", "联合复核"), D1, "review-shape"),
        ([], e("复审", "b", "联合复核", experts=("x",)), D1, "review-shape"),
        ([], e("初审", "a", "联合复核"), D1, "review-shape"),
    ],
)
def test_refusal(history: list[Entry], entry: Entry, digest: str, rule: str | None) -> None:
    found = refusal(state(history), entry, ["author"], digest)
    assert (found[0] if found else None) == rule


def test_entry_from_mapping_is_forgiving() -> None:
    assert Entry.from_mapping({"stage": "初审", "by": "a", "decision": "联合复核", "digest": D1, "experts": ["x"]}).experts == ("x",)
    assert Entry.from_mapping({"experts": "x"}).experts == ()
