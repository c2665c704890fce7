from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from sqmy.cli import items as cli_items
from sqmy.intake.new import new_id, yaml_scalar

from .conftest import Invoke

FLAGS = ["--title", "关于规范小区停车: 一个建议", "--author", "zhang-wei", "--category", "社区管理", "--focus", "民之关切", "--source", "群众反映"]


def test_new_with_flags_writes_a_valid_item(office: Path, sqmy: Invoke) -> None:
    result = sqmy("new", *FLAGS)
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path.parent.as_posix() == "items/2026"
    assert path.name.startswith("2026-1128-zhangwei-")
    text = path.read_text("utf-8")
    assert "title: '关于规范小区停车: 一个建议'" in text  # quoted because of the colon
    assert "unit: chengguan-lianluozu" in text  # the first author's unit
    assert "submitted: 2026-11-28" in text
    check = sqmy("validate", str(path))
    assert check.exit_code == 0, check.output
    assert "正文还有模板的提示文字" in check.stdout  # a reminder, not an error


def test_new_draft_has_no_submission_date(office: Path, sqmy: Invoke) -> None:
    result = sqmy("new", *FLAGS, "--draft")
    path = Path(result.stdout.strip())
    assert "submitted: \n" in path.read_text("utf-8") or "submitted:\n" in path.read_text("utf-8")
    status = sqmy("status", "--format", "json")
    assert [row["status"] for row in json.loads(status.stdout) if row["id"] == path.stem] == ["草稿"]


def test_two_new_items_never_collide(office: Path, sqmy: Invoke) -> None:
    first = sqmy("new", *FLAGS).stdout.strip()
    second = sqmy("new", *FLAGS).stdout.strip()
    assert first != second
    assert sqmy("validate").exit_code == 0


def test_ids_are_unique_without_a_counter() -> None:
    day = dt.date(2026, 3, 1)
    ids = {new_id("zhang-wei", day, set()) for _ in range(2000)}
    assert len(ids) > 1990  # 31^4 suffixes: collisions are rare, and `taken` prevents the rest
    taken = {new_id("zhang-wei", day, set()) for _ in range(5)}
    assert new_id("zhang-wei", day, taken) not in taken


def test_new_refuses_unknown_values_and_writes_nothing(office: Path, sqmy: Invoke) -> None:
    result = sqmy("new", "--title", "标题", "--author", "nobody", "--unit", "shefawei", "--category", "社区治理", "--focus", "民之关切", "--source", "其他")
    assert result.exit_code == 2
    assert "反映人“nobody”不在人员名册中" in result.stderr
    assert "选题类别“社区治理”不在清单中" in result.stderr
    assert not list((office / "items").glob("2026/*.md"))


def test_new_without_terminal_names_missing_options(office: Path, sqmy: Invoke) -> None:
    result = sqmy("new", "--title", "标题")
    assert result.exit_code == 2
    assert "缺少选项：反映人编号" in result.stderr


def test_new_prompts_in_a_terminal(office: Path, sqmy: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_items, "_interactive", lambda: True)
    result = sqmy("new", input="关于增设社区养老服务站的建议\nzhang-wei\n养老服务\n民之关切\n委员调研\n")
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    assert "title: 关于增设社区养老服务站的建议" in path.read_text("utf-8")
    assert sqmy("validate", str(path)).exit_code == 0


def test_without_its_own_template_an_office_uses_sqmys(office: Path, sqmy: Invoke) -> None:
    """The item template ships with sqmy; an office's templates/item.md.j2 only overrides it."""
    (office / "templates" / "item.md.j2").unlink()
    result = sqmy("new", *FLAGS)
    assert result.exit_code == 0, result.output
    made = office / result.stdout.strip()
    assert made.is_file()
    assert sqmy("validate", str(made)).exit_code == 0


@pytest.mark.parametrize(("value", "text"), [("普通", "普通"), ("a: b", "'a: b'"), ("no", "'no'"), (None, "null"), ("#号", "'#号'")])
def test_yaml_scalar(value: str | None, text: str) -> None:
    assert yaml_scalar(value) == text


def test_new_reports_a_write_failure(office: Path, sqmy: Invoke) -> None:
    blocker = office / "items" / "2026"
    blocker.write_text("not a folder", "utf-8")  # the year folder cannot be made
    result = sqmy("new", *FLAGS)
    assert result.exit_code == 2
    assert "无法写入 items/2026/" in result.stderr
    assert blocker.read_text("utf-8") == "not a folder"


def test_the_template_says_the_offices_own_length_limit(office: Path, sqmy: Invoke) -> None:
    settings = office / "units" / "office.yml"
    settings.write_text(settings.read_text("utf-8").replace("body_max_chars: 1500", "body_max_chars: 1200"), "utf-8")
    result = sqmy("new", *FLAGS)
    assert result.exit_code == 0, result.output
    text = (office / result.stdout.strip()).read_text("utf-8")
    assert "正文不超过 1200 字" in text
    assert "1500" not in text
