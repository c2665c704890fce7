"""Journal numbering from the items alone: issues, the next number, the 总期号, names and collisions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqmy import journal
from sqmy.load import load_all
from sqmy.paths import Repo

from .factory import write_item

DAY = dt.date(2026, 11, 28)


def _items(root: Path, placed: list[tuple[int, int, str]]) -> Repo:
    for n, (year, issue, token) in enumerate(placed):
        value = {"year": year, "issue": issue, **({"token": token} if token else {})}
        write_item(root, n, dt.date(year, 3, 1 + n), routes=("直报",), journal=value)
    return Repo(root)


def test_issues_grouped_and_numbered(office: Path) -> None:
    before = {k: len(v) for k, v in journal.issues(load_all(Repo(office), DAY).items).items()}
    repo = _items(office, [(2025, 11, ""), (2025, 11, ""), (2025, 13, ""), (2026, 11, ""), (2026, 12, "")])
    loaded = load_all(repo, DAY)
    found = journal.issues(loaded.items)
    assert list(found) == sorted(found)
    added = {k: len(v) - before.get(k, 0) for k, v in found.items() if len(v) != before.get(k, 0)}
    assert added == {(2025, 11): 2, (2025, 13): 1, (2026, 11): 1, (2026, 12): 1}
    of_2025 = journal.of_year(loaded.items, 2025)
    assert {11, 13} <= set(of_2025)
    assert all(item.journal and item.journal.year == 2025 for members in of_2025.values() for item in members)
    assert journal.next_number(of_2025) == 14  # after the highest, never filling a gap: a gap is an issue printed elsewhere
    assert journal.next_number({}) == 1


def test_total_number_counts_each_earlier_year_by_its_last_issue() -> None:
    keys = [(2024, 1), (2024, 5), (2025, 2), (2025, 9), (2026, 1), (2026, 4)]
    assert journal.total_number(100, keys, 2026, 4) == 100 + 5 + 9 + 4
    assert journal.total_number(100, keys, 2024, 1) == 101  # nothing earlier in the repository
    assert journal.total_number(0, [], 2026, 1) == 1


def test_names_of_an_issue() -> None:
    assert journal.label("社情民意信息", 2026, 3) == "《社情民意信息》2026年第3期"
    assert journal.file_name(2026, 3, "社情民意") == "社情民意-2026年第3期.docx"


def test_tokens_differ_between_two_openings() -> None:
    tokens = {journal.new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) == 6 and t.isalnum() and t.islower() for t in tokens)


def test_two_marks_in_one_issue_are_a_collision_on_each_file(office: Path) -> None:
    repo = _items(office, [(2026, 7, "aaaaaa"), (2026, 7, "bbbbbb"), (2026, 8, "cccccc")])
    loaded = load_all(repo, DAY)
    found = [f for f in loaded.findings if f.rule == "journal-collision"]
    assert len(found) == 2
    assert all("2026年第7期有两组分别编入的信息" in f.message and "renumber 7" in f.message for f in found)
    assert all(f.line > 1 for f in found)  # the line of `journal:` in each file
