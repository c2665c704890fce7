"""sqmy demo: a synthetic office with real history on which the audit passes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from sqmy.cli import main
from sqmy.status import ALL

from .conftest import REPO


def test_demo_office_has_real_history_and_audits_clean(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    made = CliRunner().invoke(main, ["--root", str(REPO), "demo", "--items", "120", "--out", str(out), "--seed", "7"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    assert "120 条信息" in made.stdout

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=out, capture_output=True, text=True, check=True).stdout

    def sqmy(*args: str) -> str:
        result = CliRunner().invoke(main, ["--root", str(out), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    audited = sqmy("audit")
    assert "未发现违规" in audited
    assert "签名 9 个" in audited  # the newest three items were reviewed with signed commits
    assert "全部通过" in sqmy("validate")
    merges = git("log", "--merges", "--format=%H").split()
    assert len(merges) > 80
    reviewers = set(git("log", "--format=%ae|%(trailers:key=Review-Stage,valueonly)").split("\n"))
    stages = {line.split("|")[1] for line in reviewers if "|" in line and line.split("|")[1]}
    assert stages == {"初审", "联合复核", "复审", "审定"}
    open_branches = git("branch", "--list", "item/*").split()
    assert open_branches, "the newest items are still under review on their branches"
    statuses = {row["status"] for row in json.loads(sqmy("status", "--format", "json"))}
    assert {"不予上报", "已编发"} <= statuses
    assert statuses <= set(ALL)
    texts = "\n".join(p.read_text("utf-8") for p in (out / "items").rglob("*.md"))
    for word in ("decision: 退回修改", "decision: 联合复核", "adoptions:", "transfers:", "feedback:"):
        assert word in texts


def test_demo_refuses_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("占用", "utf-8")
    result = CliRunner().invoke(main, ["--root", str(REPO), "demo", "--items", "5", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "已存在且不为空" in result.stderr


def test_same_seed_same_office(tmp_path: Path) -> None:
    heads = []
    for name in ("a", "b"):
        args = ["--root", str(REPO), "demo", "--items", "20", "--out", str(tmp_path / name), "--seed", "3", "--signed", "0"]
        CliRunner().invoke(main, args, catch_exceptions=False)
        heads.append(subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path / name, capture_output=True, text=True, check=True).stdout)
    assert heads[0] == heads[1]
