"""The local item cache gives the same answers as reading every file, and notices every change."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from sqmy import cache
from sqmy import load as load_mod
from sqmy.load import load_all
from sqmy.paths import Repo

from .conftest import Invoke
from .gitoffice import Office

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


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The signing key lives outside the repository: here, in this test's folder."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


class _Payload:
    """Unpickling this makes a folder: proof that the file was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def test_a_planted_cache_is_never_unpickled(office: Path, tmp_path: Path, sqmy: Invoke) -> None:
    """A pull request can carry .sqmy/cache/items.pickle: unpickling it would run its code."""
    marker = tmp_path / "ran"
    planted = pickle.dumps(("any key", _Payload(marker)))
    for content in (planted, b"sqmy-cache\n" + b"\0" * 32 + planted):  # bare, and dressed as our format with a wrong signature
        (office / cache.FILE).parent.mkdir(parents=True, exist_ok=True)
        (office / cache.FILE).write_bytes(content)
        result = sqmy("status")
        assert result.exit_code == 0, result.output
        assert not marker.exists()
        assert "2025-0506-zhangwei-1" in result.stdout
    # what sqmy wrote in its place is signed, and read back
    assert (office / cache.FILE).read_bytes().startswith(b"sqmy-cache\n")
    repo = Repo(office)
    assert cache.read(repo, cache.key(repo))


def test_the_signing_key_is_private_and_kept(office: Path, own_key: Path) -> None:
    load(office)
    key_file = own_key / "sqmy" / "cache-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = key_file.read_bytes()
    load(office)
    assert key_file.read_bytes() == first
    assert len(first) == 32


def test_a_linked_cache_is_not_used(office: Path, tmp_path: Path) -> None:
    """.sqmy/cache as a link (Git stores links) would make sqmy read and write elsewhere."""
    expected = load(office)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(office / ".sqmy" / "cache", elsewhere)
    (office / ".sqmy" / "cache").symlink_to(elsewhere, target_is_directory=True)
    before = {p.name: p.stat().st_mtime_ns for p in elsewhere.iterdir()}
    assert load(office) == expected
    assert {p.name: p.stat().st_mtime_ns for p in elsewhere.iterdir()} == before  # neither read as valid nor rewritten
    repo = Repo(office)
    assert cache.read(repo, cache.key(repo)) == {}


def test_a_file_replaced_by_a_link_is_read_again(office: Path, tmp_path: Path) -> None:
    load(office)
    path = office / "items" / "2025" / "2025-1201-zhangwei-1.md"
    copy = tmp_path / "copy.md"
    shutil.copy(path, copy)
    path.unlink()
    path.symlink_to(copy)
    items, findings = load(office)
    assert len(items) == 1
    assert any("2025-1201-zhangwei-1.md:1: 错误：" in f and "符号链接" in f for f in findings)


def test_the_cache_survives_a_clone_and_follows_git(git_office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept by blob id: a clone with the cache restored (as CI restores it) reads nothing again, yet sees every change."""
    o = git_office
    expected = load(o.root)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(o.root), str(clone)], check=True)
    shutil.copytree(o.root / ".sqmy", clone / ".sqmy")
    monkeypatch.chdir(clone)  # findings name files as seen from where the command runs: the cache holds for the same place
    checked: list[int] = []
    real = load_mod.check_items
    monkeypatch.setattr(load_mod, "check_items", lambda ctx, paths, progress=None: checked.append(len(paths)) or real(ctx, paths, progress))
    assert load(clone) == expected
    assert checked == [0]  # every item from the cache: new paths, new inodes, same content
    # a tracked file changed in the working tree, and a new file Git does not know: both read again
    path = clone / "items" / "2025" / "2025-1201-zhangwei-1.md"
    path.write_text(path.read_text("utf-8").replace("title: ", "title: 改写后的", 1), "utf-8")
    shutil.copy(path, path.with_name("2025-1202-zhangwei-9.md"))
    items, findings = load(clone)
    assert checked[-1] == 2
    assert any(":改写后的" in i for i in items)
    assert any("2025-1202-zhangwei-9.md" in f for f in findings)  # its id does not match its name
    # committed: Git's index now knows the new content, which the cache already holds
    o2 = Office(clone, monkeypatch)
    o2.commit_all("li-chu", "修改")
    load(clone)
    assert checked[-1] == 0


def test_what_a_file_holds_decides_not_when_it_was_touched(office: Path) -> None:
    expected = load(office)
    for path in (office / "items").rglob("*.md"):
        os.utime(path, ns=(1, 1))  # every timestamp changed, no content
        path.write_bytes(path.read_bytes())
    assert load(office) == expected
    repo = Repo(office)
    entries = cache.read(repo, cache.key(repo))
    assert set(entries) == {p.relative_to(office).as_posix() for p in (office / "items").rglob("*.md")}
    assert all(len(e.blob) == 40 for e in entries.values())


def test_a_later_day_reuses_what_no_date_makes_depend_on_the_day(office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only 'a date in the future' depends on the day: an item without one is not read again tomorrow; one with it is."""
    future = office / "items" / "2025" / "2025-1201-zhangwei-1.md"
    text = future.read_text("utf-8")
    future.write_text(text.replace("submitted:\n", "submitted: 2026-12-05\n", 1), "utf-8")
    checked: list[str] = []
    real = load_mod.check_items
    monkeypatch.setattr(load_mod, "check_items", lambda ctx, paths, progress=None: checked.extend(p.name for p in paths) or real(ctx, paths, progress))

    def on(day: str) -> list[str]:
        checked.clear()
        loaded = load_all(Repo(office), dt.date.fromisoformat(day))
        assert any(f.rule == "date-future" for f in loaded.findings) == (day < "2026-12-05")
        return sorted(checked)

    assert len(on("2026-11-28")) == 2  # the first run reads both
    assert on("2026-11-28") == []  # the same day: nothing
    assert on("2026-11-30") == ["2025-1201-zhangwei-1.md"]  # a later day: only the item with a date in the future
    assert on("2026-12-06") == ["2025-1201-zhangwei-1.md"]  # and its date is no longer in the future
    assert on("2026-12-07") == []
    assert len(on("2026-11-01")) == 2  # an earlier day (a pinned SQMY_TODAY): dates may be in its future: read again


def test_validate_reads_no_items_and_what_it_keeps_still_serves_the_items(office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The items are a file of their own: validate reads only the findings, and what validate writes keeps the items."""
    expected = load(office)
    repo = Repo(office)
    checked: list[int] = []
    real = load_mod.check_items
    monkeypatch.setattr(load_mod, "check_items", lambda ctx, paths, progress=None: checked.append(len(paths)) or real(ctx, paths, progress))
    without = cache.read(repo, cache.key(repo), items=False)
    assert without
    assert all(e.item is None for e in without.values())
    valid = next(e for e in without.values() if e.valid)
    with pytest.raises(RuntimeError):
        valid.load()  # never taken for an invalid file's missing item
    # validate after one file changed: that file checked again, the others' items kept for the next command
    path = office / "items" / "2025" / "2025-1201-zhangwei-1.md"
    path.write_text(path.read_text("utf-8").replace("title: ", "title: 改写后的", 1), "utf-8")
    load_mod.validate_paths(repo, [], DAY)
    assert checked == [1]
    items, _ = load(office)
    assert checked == [1, 0]
    assert len(items) == len(expected[0])
    assert any(":改写后的" in i for i in items)


@pytest.mark.parametrize("damage", ["missing", "other-content", "unsigned"])
def test_an_item_missing_from_the_items_file_is_checked_again(office: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    expected = load(office)
    repo = Repo(office)
    packed = office / cache.ITEMS_FILE
    key = cache.key(repo)
    secret = cache._secret()
    if damage == "missing":
        packed.unlink()
    elif damage == "unsigned":
        packed.write_bytes(packed.read_bytes()[:-1] + b"\0")
    else:  # a valid file of the right key, holding an item of other content for one path
        kept = cache._read_signed(repo, cache.ITEMS_FILE, key)
        assert kept is not None
        assert secret is not None
        rel = next(iter(kept))
        kept[rel] = ("0" * 40, kept[rel][1])
        assert cache._write_signed(repo, secret, cache.ITEMS_FILE, key, kept)
    checked: list[int] = []
    real = load_mod.check_items
    monkeypatch.setattr(load_mod, "check_items", lambda ctx, paths, progress=None: checked.append(len(paths)) or real(ctx, paths, progress))
    assert load(office) == expected
    assert checked == [1 if damage == "other-content" else len(expected[0])]
