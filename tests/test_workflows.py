"""Offline checks of the GitHub workflow files (structure and the habits we keep)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from .conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def quick_start() -> list[str]:
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("## 快速开始", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_quick_start_has_two_commands_and_ci_runs_them() -> None:
    commands = quick_start()
    assert len(commands) == 2
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    assert all(command in ci for command in commands)
    assert ci.index(commands[0]) < ci.index(commands[1])


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_pins_actions_and_limits_permissions(path: Path) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert data["permissions"] == {"contents": "read"}
    uses = re.findall(r"uses:\s*(\S+)", path.read_text("utf-8"))
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), f"{action} is not pinned to a commit"
    for job in data["jobs"].values():
        for step in job["steps"]:
            if "uses" in step and step["uses"].startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False


def test_test_workflow_runs_the_readme_commands() -> None:
    text = (REPO / ".github" / "workflows" / "test.yml").read_text("utf-8")
    for command in quick_start():
        assert f"run: {command}" in text
