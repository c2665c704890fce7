"""intake/matching.py: what a Word file says, matched against the sample office's registry."""

from __future__ import annotations

import pytest

from sqmy import registry
from sqmy.intake.matching import Names, guess_category, match_unit
from sqmy.paths import Repo
from sqmy.registry import Registry

from .conftest import SAMPLES


@pytest.fixture(scope="module")
def reg() -> Registry:
    loaded, _ = registry.load(Repo(SAMPLES / "office"))
    return loaded


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("社法委", ["shefawei"]),  # the short name
        ("样本县住房和城乡建设局", ["xian-zhujianju"]),
        ("住建局", ["xian-zhujianju"]),  # contained in a name
        ("城关联络组", ["chengguan-lianluozu"]),  # an abbreviation of 城关委员联络组
        ("交通", []),
    ],
)
def test_match_unit(reg: Registry, written: str, expected: list[str]) -> None:
    assert [u.id for u in match_unit(reg, written)] == expected


def test_names_ignore_spaces(reg: Registry) -> None:
    names = Names(reg)
    assert names.ids("张  薇") == ["zhang-wei"]
    assert names.ids("钱多多") == []


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("关于加强生态环保工作的建议", "", "生态环保"),
        ("关于小区停车的建议", "社区居民反映社区车位不足", "社区管理"),
        ("关于提升服务质量的建议", "做好管理和服务", None),  # generic words decide nothing
    ],
)
def test_guess_category(title: str, body: str, expected: str | None) -> None:
    assert guess_category(["生态环保", "社区管理", "养老服务", "其他"], title, body) == expected
