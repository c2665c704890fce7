from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from sqmy import registry
from sqmy.paths import Repo

from .conftest import REPO, SAMPLES, Invoke


@pytest.fixture
def broken_units(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "office"
    shutil.copytree(SAMPLES / "broken-units", root)
    (root / "expected.txt").unlink()
    monkeypatch.chdir(root)
    return root


def test_broken_registry_complete_output(broken_units: Path, sqmy: Invoke) -> None:
    result = sqmy("validate", "units")
    assert result.exit_code == 1
    assert result.stdout == (SAMPLES / "broken-units" / "expected.txt").read_text("utf-8")


def test_broken_registry_still_loads_what_is_valid(broken_units: Path) -> None:
    reg, findings = registry.load(Repo(broken_units))
    assert findings
    assert set(reg.units) == {"shefawei"}  # the duplicate keeps the first; broken entries are skipped
    assert reg.units["shefawei"].name == "社法委"
    assert set(reg.people) == set()  # every sample person has an error
    assert reg.office.journal_title == "社情民意信息"  # a broken office.yml falls back to defaults


def test_missing_registry_file(office: Path, sqmy: Invoke) -> None:
    (office / "units" / "topics.yml").unlink()
    result = sqmy("validate")
    assert result.exit_code == 1
    assert "units/topics.yml:1: 错误：缺少名册文件 units/topics.yml" in result.stdout


def test_dated_roles_and_the_mid_year_change() -> None:
    reg, findings = registry.load(Repo(REPO))
    assert findings == []
    old, new = reg.people["zhou-wenbin"], reg.people["wu-haiyan"]
    assert old.has_role("复审", dt.date(2026, 6, 30))
    assert not old.has_role("复审", dt.date(2026, 7, 1))
    assert new.has_role("复审", dt.date(2026, 7, 1))
    assert not new.has_role("复审", dt.date(2026, 6, 30))
    assert [p.id for p in reg.holders("复审", dt.date(2026, 3, 1))] == ["zhou-wenbin"]
    assert [p.id for p in reg.holders("复审", dt.date(2026, 9, 1))] == ["wu-haiyan"]


def test_person_by_email_ignores_case() -> None:
    reg, _ = registry.load(Repo(REPO))
    person = reg.person_by_email("Chen.Liqun@SQMY-demo.example")
    assert person is not None
    assert person.id == "chen-liqun"
    assert reg.person_by_email("nobody@example.org") is None
