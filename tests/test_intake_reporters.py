"""intake/reporters.py: which paragraphs are 反映人 / 单位 / 电话 lines, and what they say."""

from __future__ import annotations

import pytest

from sqmy import registry
from sqmy.intake.matching import Names
from sqmy.intake.reporters import Meta, labelled, parse_meta
from sqmy.paths import Repo
from sqmy.registry import Registry

from .conftest import SAMPLES


@pytest.fixture(scope="module")
def reg() -> Registry:
    loaded, _ = registry.load(Repo(SAMPLES / "office"))
    return loaded


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("反映人：张薇（县政协委员，某局副局长）", Meta(reporters=[("张薇", "县政协委员，某局副局长")])),
        ("反映人：李初  联系电话：138 1234 5678", Meta(reporters=[("李初", "")], phones=["13812345678"])),
        ("反映人：钱多多（县政协委员）  单位：城关委员联络组", Meta(reporters=[("钱多多", "县政协委员")], units=["城关委员联络组"])),
        ("身份证号：110101199003071234", Meta(other=["身份证号码"])),
        ("（单位：万元）", Meta(units=["万元"])),  # whether it is body text is read_submission's to decide, by where it stands
        ("张 薇 王复", Meta(reporters=[("张薇", ""), ("王复", "")])),  # unlabelled, a name padded to line up
        ("社法委 李初", Meta(reporters=[("李初", "")], unit_ids=["shefawei"])),
        ("2026年11月20日", Meta()),
        ("钱多多 王五", None),  # unlabelled names count only when one is in the registry
        ("有居民反映可联系电话：13812345678", None),  # text before the label: a sentence
        ("近年来，我县农村基础设施建设取得进展。", None),
    ],
)
def test_parse_meta(reg: Registry, line: str, expected: Meta | None) -> None:
    assert parse_meta(line, Names(reg), reg) == expected


def test_labelled() -> None:
    assert labelled("（反映人：李初）", "reporter")
    assert labelled("联系电话：13812345678", "phone")
    assert not labelled("单位：社法委", "reporter")
    assert not labelled("请拨打电话：12345", "phone")
