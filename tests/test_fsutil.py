from __future__ import annotations

import os
from pathlib import Path

import pytest

from sqmy.fsutil import write_text


def test_write_replaces_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "a" / "x.md"
    write_text(target, "一\n")
    write_text(target, "二\n")
    assert target.read_text("utf-8") == "二\n"
    assert [p.name for p in target.parent.iterdir()] == ["x.md"]  # no temporary file left


def test_exclusive_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "x.md"
    write_text(target, "原文\n", exclusive=True)
    with pytest.raises(FileExistsError):
        write_text(target, "覆盖\n", exclusive=True)
    assert target.read_text("utf-8") == "原文\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.md"]


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="No space"):
        write_text(tmp_path / "x.md", "内容\n")
    assert list(tmp_path.iterdir()) == []
