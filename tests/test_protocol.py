"""What sqmy writes into Git is read back by Git and by the audit as written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sqmy import protocol, registry
from sqmy.gitio import Git
from sqmy.paths import Repo


def _commit(root: Path, message: str) -> None:
    git = Git.init(root)
    (root / "f.txt").write_text("x", "utf-8")
    git.run("add", "f.txt")
    git.run("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-F", "-", stdin=message)


def test_review_trailers_survive_git_and_name_the_item(tmp_path: Path) -> None:
    text = protocol.review_message("2026-0101-a-1", "关于某事的建议", "复审", "通过", "zhao-fu", "d" * 64,
                                   comment="同意。\n\nReview-Item: 2026-0101-forged-9", forge="https://forge.example/pr/3")
    _commit(tmp_path, text)
    [c] = Git(tmp_path).log(["HEAD"])
    # a trailer-looking line inside the comment is not the trailer block: the tool's own block wins
    assert protocol.step_items(c.trailers) == ["2026-0101-a-1"]
    expected = protocol.review_trailers("2026-0101-a-1", "复审", "通过", "zhao-fu", "d" * 64)
    assert {k: c.trailers.get(k) for k in expected} == expected
    assert c.trailers.get(protocol.REVIEW_FORGE) == "https://forge.example/pr/3"


def test_record_trailers_list_every_item(tmp_path: Path) -> None:
    _commit(tmp_path, protocol.record_message("编入一期", ["2026-0101-a-1", "2026-0102-b-2"], "journal", "xu-jingyi"))
    [c] = Git(tmp_path).log(["HEAD"])
    assert protocol.step_items(c.trailers) == ["2026-0101-a-1", "2026-0102-b-2"]
    assert protocol.step_items({}) == []


def test_commit_dates_follow_a_pinned_day(monkeypatch: pytest.MonkeyPatch) -> None:
    day = dt.date(2026, 11, 28)
    assert protocol.commit_env(day)["GIT_AUTHOR_DATE"].startswith("2026-11-28T")
    monkeypatch.delenv("SQMY_TODAY")
    assert protocol.commit_env(day) == {}  # the real clock decides


def test_allowed_signers_has_a_line_per_key(office: Path) -> None:
    reg, findings = registry.load(Repo(office))
    assert not [f for f in findings if f.severity == "error"]
    text = protocol.allowed_signers(reg)
    keyed = [p for p in reg.people.values() if p.ssh_key]
    lines = text.splitlines()
    assert lines[0].startswith("#")
    assert len(lines) == 1 + len(keyed) + (1 if reg.office.bridge_email and reg.office.bridge_ssh_key else 0)
    for person in keyed:
        assert f'{person.email} namespaces="git" {person.ssh_key}' in lines
