"""Matching what a Word file says against the registry: people by name, units by
what members write for them, the category by its keywords."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..registry import Registry, Unit

OTHER_CATEGORY = "其他"
_GENERIC_HALVES = {"服务", "管理", "建设", "发展", "安全", "环境", "保障", "振兴", "公共", "经济", "社会", "文化", "创新"}


def squeeze(text: str) -> str:
    """`text` without whitespace, as names, units, titles and bodies are compared: spacing is layout (张  三 lines up with 欧阳明)."""
    return re.sub(r"\s+", "", text.replace("\u3000", ""))


class Names:
    """Registry people by name (spaces ignored: 张  三 is written to line up with 欧阳明)."""

    def __init__(self, reg: Registry) -> None:
        self.by_name: dict[str, list[str]] = {}
        for person in reg.people.values():
            self.by_name.setdefault(squeeze(person.name), []).append(person.id)

    def ids(self, name: str) -> list[str]:
        return self.by_name.get(squeeze(name), [])


def exact_unit(reg: Registry, token: str) -> Unit | None:
    token = squeeze(token)
    if not token:
        return None
    for unit in reg.units.values():
        if token in (unit.id, squeeze(unit.name), squeeze(unit.short)):
            return unit
    return None


def match_unit(reg: Registry, text: str) -> list[Unit]:
    """Units a 单位 line may mean: exact name, short name or id; else names containing
    it or contained in it, else names it abbreviates (城关联络组 → 城关委员联络组)."""
    exact = exact_unit(reg, text)
    if exact is not None:
        return [exact]
    wanted = squeeze(text)
    if len(wanted) < 2:
        return []
    found = []
    for unit in reg.units.values():
        names = [n for n in (squeeze(unit.name), squeeze(unit.short)) if n]
        if any((len(n) >= 3 and n in wanted) or (len(wanted) >= 3 and wanted in n) for n in names):
            found.append(unit)
    if found:
        return found
    return [u for u in reg.units.values() if len(wanted) >= 3 and len(wanted) >= 0.6 * len(squeeze(u.name))
            and wanted[0] == squeeze(u.name)[0] and _subsequence(wanted, squeeze(u.name))]


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(ch in chars for ch in short)


def guess_category(categories: Sequence[str], title: str, body: str) -> str | None:
    """The category whose name (or, for four-character names, a telling half) appears most, the title counting triple."""
    best: str | None = None
    best_score = 0
    for name in categories:
        if name == OTHER_CATEGORY:
            continue
        words = [(name, 4)]
        if len(name) == 4:
            words += [(half, 1) for half in (name[:2], name[2:]) if half not in _GENERIC_HALVES]
        score = sum(weight * (3 * title.count(word) + body.count(word)) for word, weight in words)
        if score > best_score:
            best, best_score = name, score
    return best if best_score >= 2 else None
