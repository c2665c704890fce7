"""Offline checks of the GitHub workflow files: structure, security and the habits we keep."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from sqmy.cli import main

from .conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def quick_start() -> list[str]:
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("## 快速开始", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]


def load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text("utf-8"))
    return data


def tool(name: str) -> str:
    found = BIN / name
    if not found.exists():
        found_on_path = shutil.which(name)
        assert found_on_path, f"{name} is a test dependency (pyproject.toml [test])"
        return found_on_path
    return str(found)


def test_readme_quick_start_has_two_commands_and_ci_runs_them() -> None:
    commands = quick_start()
    assert len(commands) == 2
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    assert all(command in ci for command in commands)
    assert ci.index(commands[0]) < ci.index(commands[1])


def test_workflows_match_githubs_schema() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing() -> None:
    """No template injection, unpinned actions or broad permissions (offline audits)."""
    result = subprocess.run([tool("zizmor"), "--offline", "--no-progress", str(REPO / ".github" / "workflows")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_pinned_credentials_not_kept_permissions_least(path: Path) -> None:
    data = load(path)
    assert data["permissions"] in ({}, {"contents": "read"})
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)", path.read_text("utf-8"), re.M)
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), f"{action} is not pinned to a commit"
    for job in data["jobs"].values():
        assert job.get("timeout-minutes")
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_test_workflow_runs_the_readme_commands() -> None:
    text = (REPO / ".github" / "workflows" / "test.yml").read_text("utf-8")
    for command in quick_start():
        assert f"run: {command}" in text


def test_required_check_is_never_path_filtered_and_reads_history() -> None:
    data = load(REPO / ".github" / "workflows" / "review-check.yml")
    triggers = data[True]  # YAML 1.1 reads the key "on" as true
    assert "paths" not in triggers["pull_request"]
    assert "paths-ignore" not in triggers["pull_request"]
    steps = data["jobs"]["sqmy"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    runs = "\n".join(s.get("run", "") for s in steps)
    for command in ("sqmy validate", "sqmy generate --check", 'sqmy audit "${since[@]}"', "GITHUB_STEP_SUMMARY"):
        assert command in runs


def test_bridge_passes_user_text_only_through_the_environment() -> None:
    path = REPO / ".github" / "workflows" / "review-bridge.yml"
    data = load(path)
    for step in data["jobs"]["bridge"]["steps"]:
        script = step.get("run", "")
        assert "${{" not in script, f"expression inside a script: {step.get('name')}"
    assert data["jobs"]["bridge"]["permissions"] == {"contents": "write", "pull-requests": "write", "statuses": "write"}
    assert "head.repo.full_name == github.repository" in data["jobs"]["bridge"]["if"]
    assert "sqmy bridge github" in path.read_text("utf-8")


def test_generated_files_are_current() -> None:
    result = CliRunner().invoke(main, ["--root", str(REPO), "generate", "--check"])
    assert result.exit_code == 0, result.output


def test_stats_workflow_script_runs_here(tmp_path: Path) -> None:
    """The workflow's own script, run with bash in a copy of the demo office: the artifacts it uploads exist."""
    data = load(REPO / ".github" / "workflows" / "stats.yml")
    steps = data["jobs"]["stats"]["steps"]
    script = next(s["run"] for s in steps if s.get("name") == "计算统计和考评积分")
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    office = tmp_path / "office"
    for folder in ("units", "items", "templates"):
        shutil.copytree(REPO / folder, office / folder)
    summary = tmp_path / "summary.md"
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(summary), "SQMY_TODAY": "2026-11-28", "HOME": str(tmp_path)}
    result = subprocess.run(["bash", "-e", "-c", script], cwd=office, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    made = sorted(p.name for p in (office / upload["with"]["path"]).iterdir())
    year = int(subprocess.run(["date", "+%Y"], capture_output=True, text=True, check=True).stdout)
    for y in (year - 1, year):
        for name in (f"stats-{y}.json", f"stats-{y}.xlsx", f"score-{y}.json", f"score-{y}.xlsx"):
            assert name in made
    assert "overdue.json" in made
    assert "| 采集 |" in summary.read_text("utf-8")
