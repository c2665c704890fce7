"""Every command through CliRunner, on the sample and the demo office."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from sqmy import load as load_mod
from sqmy import schema, views
from sqmy.cli import main

from .conftest import REPO, Invoke


def test_every_command_has_chinese_help(sqmy: Invoke) -> None:
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        result = sqmy(name, "--help")
        assert result.exit_code == 0, name
        assert command.help, name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in command.help), name


def test_version(sqmy: Invoke) -> None:
    result = sqmy("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("sqmy ")


def test_people_text_and_json(demo: Path, sqmy: Invoke) -> None:
    text = sqmy("people")
    assert text.exit_code == 0
    assert "陈立群" in text.stdout
    assert "共 44 人" in text.stdout
    assert "13800000000" not in text.stdout  # contact data only on request
    rows = json.loads(sqmy("people", "--format", "json").stdout)
    assert len(rows) == 44
    chair = next(r for r in rows if r["id"] == "chen-liqun")
    assert chair["current_roles"] == ["审定"]
    assert "phone" not in chair
    with_phone = json.loads(sqmy("people", "--contact", "--format", "json").stdout)
    assert next(r for r in with_phone if r["id"] == "chen-liqun")["phone"] == "13800000000"


def test_people_by_role_follow_the_dates(demo: Path, sqmy: Invoke) -> None:
    before = json.loads(sqmy("people", "--role", "复审", "--date", "2026-06-30", "--format", "json").stdout)
    after = json.loads(sqmy("people", "--role", "复审", "--date", "2026-07-01", "--format", "json").stdout)
    assert [r["id"] for r in before] == ["zhou-wenbin"]
    assert [r["id"] for r in after] == ["wu-haiyan"]
    bad = sqmy("people", "--date", "2026-13-01")
    assert bad.exit_code == 2
    assert "不是 YYYY-MM-DD 格式的日期" in bad.stderr


def test_units_text_and_json(demo: Path, sqmy: Invoke) -> None:
    text = sqmy("units", "--year", "2025")
    assert text.exit_code == 0
    assert "2025年任务" in text.stdout
    rows = json.loads(sqmy("units", "--format", "json").stdout)
    shefawei = next(r for r in rows if r["id"] == "shefawei")
    assert shefawei["quota"] == {"2025": 8, "2026": 8}
    assert shefawei["people"] == 4


def test_status_list_and_summary(office: Path, sqmy: Invoke) -> None:
    rows = json.loads(sqmy("status", "--format", "json").stdout)
    assert [(r["id"], r["status"]) for r in rows] == [("2025-0506-zhangwei-1", "已落实"), ("2025-1201-zhangwei-1", "草稿")]
    summary = json.loads(sqmy("status", "--summary", "--format", "json").stdout)
    assert summary == {"date": "2026-11-28", "total": 2, "summary": {"草稿": 1, "已落实": 1}}
    text = sqmy("status", "--summary").stdout
    assert "样本县政协社情民意信息状态（截至 2026-11-28）：共 2 条" in text


@pytest.mark.parametrize("args", [["stats"], ["status", "2025-9999-nobody-1"]], ids=["done", "refused"])
def test_a_command_leaves_the_cycle_collector_as_it_found_it(office: Path, sqmy: Invoke, args: list[str]) -> None:
    """Commands freeze what they loaded for the collector (speed); a caller in the same process gets it back as it was."""
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    seen: list[int] = []
    real = load_mod.load_all

    def load_all(*a: object, **k: object) -> load_mod.Loaded:
        loaded = real(*a, **k)  # type: ignore[arg-type]
        seen.append(gc.isenabled())
        return loaded

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(load_mod, "load_all", load_all)
        sqmy(*args)
    assert seen == [False]  # loading ran with the collector paused
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_status_of_one_item(office: Path, sqmy: Invoke) -> None:
    result = sqmy("status", "2025-0506-zhangwei-1")
    assert result.exit_code == 0
    assert "联合复核" in result.stdout
    assert "转办：样本县住房和城乡建设局 样政协转〔2025〕1号" in result.stdout
    detail = json.loads(sqmy("status", "2025-0506-zhangwei-1", "--format", "json").stdout)
    assert [(r["stage"], r["by"], r["digest_matches"]) for r in detail["reviews"]][:2] == [("初审", "li-chu", True), ("联合复核", "sun-zhuan", True)]
    missing = sqmy("status", "2025-9999-nobody-1")
    assert missing.exit_code == 1
    assert "找不到编号为“2025-9999-nobody-1”的信息" in missing.stderr


def test_status_detects_text_changed_after_approval(office: Path, sqmy: Invoke) -> None:
    path = office / "items" / "2025" / "2025-0506-zhangwei-1.md"
    path.write_text(path.read_text("utf-8").replace("4100 余户", "4200 余户"), "utf-8")
    detail = json.loads(sqmy("status", "2025-0506-zhangwei-1", "--format", "json").stdout)
    assert {r["digest_matches"] for r in detail["reviews"]} == {False}
    assert "内容已改动" in sqmy("status", "2025-0506-zhangwei-1").stdout


def test_status_skips_broken_files_and_says_so(broken_office: Path, sqmy: Invoke) -> None:
    result = sqmy("status", "--format", "json")
    assert result.exit_code == 0
    # only the files whose findings are warnings, or errors found across files, are listed
    assert {r["id"] for r in json.loads(result.stdout)} == {"2025-0112-too-long", "2025-0120-dup"}
    assert "个文件有错误，已跳过" in result.stderr


def test_overdue_on_the_demo_office(demo: Path, sqmy: Invoke) -> None:
    rows = json.loads(sqmy("status", "--overdue", "--format", "json").stdout)
    assert [(r["id"], r["kind"], r["to"], r["overdue_days"]) for r in rows] == [
        ("2025-0902-shilei-1", "转办", ["xian-nongyenongcunju"], 408),
        ("2026-0312-jinxiaolan-1", "转办", ["xian-jiaotongju"], 217),
        ("2026-0507-cuihaitao-1", "批示", [], 140),  # a county instruction without a reported result after 45 days
    ]
    text = sqmy("status", "--overdue").stdout
    assert "逾期未反馈：转办 2 件、批示 1 件，请督办" in text


def test_bad_today_is_reported(office: Path, sqmy: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQMY_TODAY", "yesterday")
    result = sqmy("status")
    assert result.exit_code == 2
    assert "SQMY_TODAY" in result.stderr


def test_internal_error_has_no_traceback(office: Path, sqmy: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "statuses", boom)
    result = sqmy("status")
    assert result.exit_code == 3
    assert "内部错误" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "--format", "xml"], "--format 的值“xml”无效，应为其中之一：'text', 'json'"),
        (["validate", "--fromat", "json"], "没有这个选项：--fromat"),
        (["statu"], "没有这个命令：statu"),
        (["people", "--role"], "选项 --role 需要一个值"),
    ],
)
def test_usage_errors_in_chinese(office: Path, sqmy: Invoke, args: list[str], message: str) -> None:
    result = sqmy(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_readme_documents_every_command_and_field() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    for name in main.commands:
        assert f"`sqmy {name}" in readme, f"README does not document sqmy {name}"
    block = readme.split("## 信息格式", 1)[1].split("```markdown", 1)[1].split("---\n", 2)[1]
    keys = {line.split(":", 1)[0] for line in block.splitlines() if line and not line.startswith(" ")}
    assert keys == set(schema.ITEM_FIELDS)


def test_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    """`sqmy status | head -1` on an office whose listing outgrows the pipe: no traceback."""
    root = tmp_path / "office"
    shutil.copytree(REPO / "units", root / "units")
    for source in (REPO / "items").rglob("*.md"):
        text = source.read_text("utf-8")
        for copy in range(12):  # about 150 KB of listing, more than a pipe holds
            item_id = f"{source.stem}{copy}"
            (root / "items" / source.parent.name).mkdir(parents=True, exist_ok=True)
            (root / "items" / source.parent.name / f"{item_id}.md").write_text(text.replace(source.stem, item_id), "utf-8")
    with subprocess.Popen([sys.executable, "-m", "sqmy", "status"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=root) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()  # the reader goes away early
        stderr = proc.stderr.read().decode("utf-8")
        proc.wait(timeout=60)
    assert "Traceback" not in stderr
    assert "内部错误" not in stderr
    assert proc.returncode == 1
