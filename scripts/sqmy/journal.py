"""The county journal 《社情民意信息》: which items are in which issue, and how issues are numbered.

An item joins an issue by its `journal` field ({year, issue, token}), written by
`sqmy journal new|add`. Everything that counts issues works from the items
alone, here: the issues of a year, the next number, the 总期号 printed on the
masthead, the names an issue is shown and filed under, and the collision of two
branches that each opened "the next issue" (told apart by their tokens).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

from .findings import Finding, error
from .items import Item, Journal
from .paths import Repo

Key = tuple[int, int]  # (year, issue)

_TOKEN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def issues(items: Iterable[Item]) -> dict[Key, list[Item]]:
    """Every issue that has items: (year, issue) -> its items, in number order."""
    found: dict[Key, list[Item]] = {}
    for item in items:
        if item.journal:
            found.setdefault((item.journal.year, item.journal.issue), []).append(item)
    return dict(sorted(found.items()))


def of_year(items: Iterable[Item], year: int) -> dict[int, list[Item]]:
    """The issues of `year`: number -> its items."""
    return {n: members for (y, n), members in issues(items).items() if y == year}


def next_number(year_issues: Mapping[int, object]) -> int:
    """The number a new issue of the year gets: one after the highest so far."""
    return max(year_issues, default=0) + 1


def total_number(issues_before: int, keys: Iterable[Key], year: int, issue: int) -> int:
    """The 总期号: issues before sqmy (office.yml), the last issue of each earlier year here, then this one."""
    earlier: dict[int, int] = {}
    for y, n in keys:
        if y < year:
            earlier[y] = max(earlier.get(y, 0), n)
    return issues_before + sum(earlier.values()) + issue


def new_token() -> str:
    """An issue's mark: two clerks opening 'the next issue' on two branches get different marks."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(6))


def label(title: str, year: int, issue: int) -> str:
    """How an issue is named to readers: 《社情民意信息》2025年第3期."""
    return f"《{title}》{year}年第{issue}期"


def file_name(year: int, issue: int, title: str = "社情民意信息") -> str:
    """The Word file of an issue."""
    return f"{title}-{year}年第{issue}期.docx"


def collisions(repo: Repo, journals: Iterable[tuple[Path, Journal | None]]) -> list[Finding]:
    """One issue number, one set of items: `sqmy journal new` marks an issue, and two marks in one issue mean
    that two branches each opened 'the next issue'."""
    marked: dict[Key, dict[str, list[Path]]] = {}
    for path, journal in journals:
        if journal is not None:
            marked.setdefault((journal.year, journal.issue), {}).setdefault(journal.token, []).append(path)
    findings = []
    for (year, issue), sets in sorted(marked.items()):
        if len(sets) < 2:
            continue
        described = "；".join(f"标记 {token or '（无）'}：{'、'.join(sorted(p.stem for p in paths))}" for token, paths in sorted(sets.items()))
        for paths in sets.values():
            for path in paths:
                shown = repo.display(path if path.is_absolute() else repo.root / path)
                findings.append(error(shown, _line_of_key(repo.root / path, "journal"), "journal-collision",
                                      f"{year}年第{issue}期有两组分别编入的信息（{described}）：两个分支各自新开了同一期。"
                                      f"请办公室用 sqmy journal renumber {issue} --token 标记 --year {year} 把其中一组改为新的一期"))
    return findings


def _line_of_key(path: Path, key: str) -> int:
    try:
        lines = path.read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return 1
    return next((n for n, line in enumerate(lines, 1) if line.startswith(f"{key}:")), 1)
