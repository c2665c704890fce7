"""Editing front matter as text: what people typed stays, one line is added or replaced."""

from __future__ import annotations

import pytest

from sqmy import yamlsrc
from sqmy.errors import SqmyError
from sqmy.frontmatter import FrontMatter, flow, scalar

BASE = "---\nid: x\ntitle: 关于…的建议  # 标题\nreviews:\n  - {stage: 初审, by: a}\nroutes: [直报]\n---\n正文\n"


def data(text: str) -> dict[str, object]:
    split = yamlsrc.split_front_matter(text)
    assert split.front is not None
    doc = yamlsrc.load(split.front)
    assert doc.errors == []
    assert isinstance(doc.data, dict)
    return doc.data


@pytest.mark.parametrize(
    ("value", "text"),
    [("普通文字", "普通文字"), ("a: b", '"a: b"'), ("no", '"no"'), ("2025-03-14", "2025-03-14"), ("123", '"123"'),
     ("  空格", '"  空格"'), ("引号\"", '引号"'), ("\"引号", '"\\"引号"'), (None, "null"), (True, "true"), (5, "5"), ("#号", '"#号"'), ("- 列表", '"- 列表"')],
)
def test_scalar_round_trips(value: object, text: str) -> None:
    assert scalar(value) == text
    assert yamlsrc.load(f"k: {text}").data == {"k": value}


def test_append_keeps_everything_else() -> None:
    fm = FrontMatter(BASE)
    fm.append("reviews", {"stage": "复审", "by": "b", "comment": "同意：报送"})
    text = fm.text()
    assert "title: 关于…的建议  # 标题\n" in text  # untouched, comment and all
    assert text.endswith("---\n正文\n")
    assert data(text)["reviews"] == [{"stage": "初审", "by": "a"}, {"stage": "复审", "by": "b", "comment": "同意：报送"}]


def test_append_creates_the_key_before_outcomes() -> None:
    fm = FrontMatter("---\nid: x\nroutes: [直报]\n---\n")
    fm.append("reviews", {"stage": "初审"}, before=("routes",))
    assert fm.text() == "---\nid: x\nreviews:\n  - {stage: 初审}\nroutes: [直报]\n---\n"


@pytest.mark.parametrize("start", ["reviews: []", "reviews:", "reviews: null"])
def test_append_to_an_empty_list(start: str) -> None:
    fm = FrontMatter(f"---\nid: x\n{start}\nunit: u\n---\n")
    fm.append("reviews", {"stage": "初审"})
    assert data(fm.text())["reviews"] == [{"stage": "初审"}]
    assert data(fm.text())["unit"] == "u"


def test_append_to_a_flow_list_and_zero_indent_list() -> None:
    fm = FrontMatter("---\nreviews: [{stage: 初审}]\n---\n")
    fm.append("reviews", {"stage": "复审"})
    assert data(fm.text())["reviews"] == [{"stage": "初审"}, {"stage": "复审"}]
    fm = FrontMatter("---\nreviews:\n- {stage: 初审}\nid: x\n---\n")
    fm.append("reviews", {"stage": "复审"})
    assert data(fm.text()) == {"reviews": [{"stage": "初审"}, {"stage": "复审"}], "id": "x"}


def test_set_replaces_a_block_value() -> None:
    fm = FrontMatter("---\nroutes:\n  - 直报\n  - 参阅\njournal: null\n---\n")
    fm.set("routes", ["转办"])
    fm.set("journal", {"year": 2026, "issue": 3})
    fm.set("transfers", [{"to": "d", "feedback": {"result": "已落实"}}], after=["routes"])
    assert fm.text() == "---\nroutes: [转办]\ntransfers:\n  - {to: d, feedback: {result: 已落实}}\njournal: {year: 2026, issue: 3}\n---\n"
    fm.set("transfers", [{"to": "d"}, {"to": "e"}])  # replaced whole, block and all
    assert data(fm.text())["transfers"] == [{"to": "d"}, {"to": "e"}]
    assert data(fm.text())["journal"] == {"year": 2026, "issue": 3}


def test_refuses_what_it_cannot_edit() -> None:
    with pytest.raises(SqmyError, match="没有以“---”开头"):
        FrontMatter("id: x\n")
    with pytest.raises(SqmyError, match="没有结束标记"):
        FrontMatter("---\nid: x\n")
    with pytest.raises(SqmyError, match="无法自动追加"):
        FrontMatter("---\nreviews: 一些文字\n---\n").append("reviews", {"a": 1})


def test_flow_skips_empty_values() -> None:
    assert flow({"a": 1, "b": None, "c": [], "d": ["x"]}) == "{a: 1, d: [x]}"
