"""The local item cache gives the same answers as reading every file, and notices every change."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from sqmy import cache
from sqmy.paths import Repo
from sqmy.validate import load_all

DAY = dt.date(2026, 11, 28)


def load(root: Path) -> tuple[list[str], list[str]]:
    loaded = load_all(Repo(root), DAY)
    return sorted(f"{i.id}:{i.title}" for i in loaded.items), sorted(f.text() for f in loaded.findings)


def test_cached_load_equals_fresh_load_and_follows_changes(broken_office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load(broken_office)
    assert (broken_office / cache.FILE).is_file()
    assert load(broken_office) == first  # from the cache
    monkeypatch.setenv("SQMY_NO_CACHE", "1")
    assert load(broken_office) == first  # the same, read afresh
    monkeypatch.delenv("SQMY_NO_CACHE")
    # an edited file is read again
    path = broken_office / "items" / "2025" / "2025-0109-id-mismatch.md"
    path.write_text(path.read_text("utf-8").replace("id: 2025-0109-id-other", "id: 2025-0109-id-mismatch"), "utf-8")
    items, findings = load(broken_office)
    assert any(i.startswith("2025-0109-id-mismatch:") for i in items)
    assert not any("2025-0109-id-mismatch.md:2: 错误" in f for f in findings)
    # a registry change invalidates everything
    people = broken_office / "units" / "people.yml"
    people.write_text(people.read_text("utf-8").replace("id: zhang-wei", "id: zhang-wei2"), "utf-8")
    items, findings = load(broken_office)
    assert not any(i.startswith("2025-0109-id-mismatch:") for i in items)
    assert any("“zhang-wei”不在人员名册中" in f for f in findings)


def test_a_corrupt_cache_is_ignored(office: Path) -> None:
    expected = load(office)
    (office / cache.FILE).write_bytes(b"not a pickle")
    assert load(office) == expected
    os.chmod(office / cache.FILE, 0o644)


def test_a_removed_file_leaves_the_cache(office: Path) -> None:
    items, _ = load(office)
    assert len(items) == 2
    (office / "items" / "2025" / "2025-1201-zhangwei-1.md").unlink()
    items, _ = load(office)
    assert len(items) == 1
