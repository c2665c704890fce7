"""Offline checks of the GitHub workflow files: structure, security and the habits we keep."""

from __future__ import annotations

import json
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
from .gitoffice import Office

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


def steps_of(data: dict[Any, Any], job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = data["jobs"][job]["steps"]
    return steps


def test_required_check_is_never_path_filtered_and_reads_history() -> None:
    data = load(REPO / ".github" / "workflows" / "review-check.yml")
    triggers = data[True]  # YAML 1.1 reads the key "on" as true
    assert set(triggers) == {"pull_request_target", "push"}
    assert "paths" not in triggers["pull_request_target"]
    assert "paths-ignore" not in triggers["pull_request_target"]
    checkouts = [s for s in steps_of(data, "sqmy") if s.get("uses", "").startswith("actions/checkout@")]
    assert all(s["with"]["fetch-depth"] == 0 for s in checkouts)


def test_required_check_runs_the_base_branchs_code_and_reads_the_pull_request_as_data() -> None:
    data = load(REPO / ".github" / "workflows" / "review-check.yml")
    steps = steps_of(data, "sqmy")
    base, pr = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert base["with"]["path"] == "base"
    assert "base.sha" in base["with"]["ref"]
    assert pr["with"]["path"] == "pr"
    assert pr["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    runs = "\n".join(s.get("run", "") for s in steps)
    installs = re.findall(r"pip install[^\n]*", runs)
    assert installs
    assert all(line.rstrip().endswith("./base") for line in installs)
    assert "sqmy --rules-from ../base validate" in runs  # the pull request's items against the base registry
    assert "sqmy validate units" in runs  # and its own registry files, read as data
    assert "sqmy audit --since refs/sqmy/base" in runs
    assert "statuses/$HEAD_SHA" in runs  # the verdict on the pull request's head, not on the base
    assert data["jobs"]["sqmy"]["permissions"] == {"contents": "read", "statuses": "write"}
    for step in steps:  # nothing from the pull request is executed: only sqmy and git read it
        assert "${{" not in step.get("run", ""), step.get("name")
        assert not re.search(r"(^|\s)(\./|bash |sh |python |make |npm )\S*pr/", step.get("run", "")), step.get("name")


def test_review_event_capture_holds_no_token_and_notes_only_numbers() -> None:
    data = load(REPO / ".github" / "workflows" / "review-event.yml")
    assert set(data[True]) == {"pull_request_review"}
    assert data["permissions"] == {}
    text = (REPO / ".github" / "workflows" / "review-event.yml").read_text("utf-8")
    assert "secrets." not in text
    assert "actions/checkout" not in text
    run = steps_of(data, "capture")[0]
    assert set(run["env"].values()) == {"${{ github.event.pull_request.number }}", "${{ github.event.review.id }}"}


def test_bridge_runs_from_the_default_branch_and_binds_reviews() -> None:
    path = REPO / ".github" / "workflows" / "review-bridge.yml"
    data = load(path)
    assert set(data[True]) == {"workflow_run", "issue_comment"}  # both run the default branch's workflow file
    assert data[True]["workflow_run"]["workflows"] == [load(REPO / ".github" / "workflows" / "review-event.yml")["name"]]
    job = data["jobs"]["bridge"]
    assert job["permissions"] == {"actions": "read", "contents": "write", "pull-requests": "write", "statuses": "write"}
    steps = steps_of(data, "bridge")
    for step in steps:
        script = step.get("run", "")
        assert "${{" not in script, f"expression inside a script: {step.get('name')}"
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["ref"] == "${{ github.event.repository.default_branch }}"
    assert checkout["with"]["path"] == "base"
    runs = "\n".join(s.get("run", "") for s in steps)
    assert all(line.rstrip().endswith("./base") for line in re.findall(r"pip install[^\n]*", runs))
    assert "gh api \"repos/$REPOSITORY/pulls/$pr/reviews/$review\"" in runs  # the review as GitHub has it, not as noted
    assert "--rules-from ../base bridge github" in runs
    assert "--activity" in runs
    fork = next(s for s in steps if "复刻" in s.get("name", ""))
    assert fork["if"] == "steps.event.outputs.head_repo != github.repository"


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


# --- the workflows' own scripts, run here against real repositories ------------------------------------


def script(workflow: str, job: str, step_name: str) -> str:
    data = load(REPO / ".github" / "workflows" / workflow)
    return str(next(s for s in steps_of(data, job) if s.get("name") == step_name)["run"])


def clone(source: Path, target: Path, rev: str) -> None:
    """What actions/checkout leaves: a full clone, every branch fetched, the wanted commit checked out."""
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(source), str(target)], check=True)
    subprocess.run(["git", "-C", str(target), "checkout", "-q", "--detach", rev], check=True)


def run_step(text: str, cwd: Path, tmp: Path, **env: str) -> tuple[int, str, dict[str, str]]:
    summary, output = tmp / "summary.md", tmp / "output.txt"
    summary.write_text("", "utf-8")
    output.write_text("", "utf-8")
    base_env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
                "SQMY_TODAY": "2026-11-28", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    for who in ("AUTHOR", "COMMITTER"):
        base_env[f"GIT_{who}_DATE"] = "2026-11-28T12:00:00+08:00"
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=cwd, env=base_env | env, capture_output=True, text=True, check=False)
    outputs = dict(line.split("=", 1) for line in output.read_text("utf-8").splitlines() if "=" in line)
    return result.returncode, summary.read_text("utf-8") + result.stdout + result.stderr, outputs


CHECK_STEP = "检查信息、名册和审核记录"


def generated(o: Office) -> str:
    """The office generates CODEOWNERS and allowed_signers, as a real office keeps them."""
    assert o.sqmy("li-chu", "generate").exit_code == 0
    return o.commit_all("li-chu", "生成 CODEOWNERS 和签名公钥清单")


def test_required_check_script_fails_a_pull_request_that_grants_itself_a_role(git_office: Office, tmp_path: Path) -> None:
    o = git_office
    base = generated(o)
    o.git("checkout", "-q", "-b", "item/self")
    item = o.new_item("li-chu", "关于规范共享单车停放的建议")
    people = o.root / "units" / "people.yml"
    people.write_text(people.read_text("utf-8").replace(
        "  github: sample-zhangwei\n", "  github: sample-zhangwei\n  roles:\n    - {role: 初审, from: 2024-01-01}\n"), "utf-8")
    o.commit_all("zhang-wei", "给自己加上初审角色")
    assert o.review("zhang-wei", item, "初审", "通过").exit_code == 0  # the branch's own registry would allow it
    for planted in ("sqmy", "bin/sqmy", "scripts/sqmy/__main__.py"):  # the pull request's own "sqmy": never run
        path = o.root / planted
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\necho 未发现违规\nexit 0\n", "utf-8")
        path.chmod(0o755)
    o.commit_all("zhang-wei", "自带一个审计程序")
    work = tmp_path / "work"
    clone(o.root, work / "base", base)
    clone(o.root, work / "pr", "item/self")
    code, text, outputs = run_step(script("review-check.yml", "sqmy", CHECK_STEP), work, tmp_path, EVENT_NAME="pull_request_target")
    assert code == 1, text
    assert outputs["failed"] == "1"
    for rule in ("registry-not-office", "registry-with-reviews"):
        assert f"·{rule}]" in text  # [中文名·rule]
    assert "没有“初审”角色" in text  # validate: the item's review is judged against the base registry


def test_required_check_script_passes_a_clean_pull_request(git_office: Office, tmp_path: Path) -> None:
    o = git_office
    base = generated(o)
    o.git("checkout", "-q", "-b", "item/parking")
    item = o.new_item()
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    work = tmp_path / "work"
    clone(o.root, work / "base", base)
    clone(o.root, work / "pr", "item/parking")
    code, text, outputs = run_step(script("review-check.yml", "sqmy", CHECK_STEP), work, tmp_path, EVENT_NAME="pull_request_target")
    assert code == 0, text
    assert outputs["failed"] == "0"
    assert "未发现违规" in text
    assert f"## {item}" in text
    assert "待复审" in text


def bridge_event(tmp: Path, o: Office, base: str, head: str, **review: Any) -> Path:
    """What the bridge's first step assembles: the review as the API returns it, with the pull request."""
    sample = json.loads((REPO / "tests" / "samples" / "github" / "pull_request_review.json").read_text("utf-8"))
    pull = sample["pull_request"] | {"base": sample["pull_request"]["base"] | {"sha": base}}
    pull["head"] = pull["head"] | {"sha": head}
    api_review = sample["review"] | {"state": "APPROVED", "commit_id": head} | review  # the REST API spells states in capitals
    folder = tmp / "bridge"
    folder.mkdir(exist_ok=True)
    (folder / "pull.json").write_text(json.dumps(pull), "utf-8")
    (folder / "event.json").write_text(json.dumps({"action": "submitted", "review": api_review, "pull_request": pull}), "utf-8")
    (folder / "activity.json").write_text("[]", "utf-8")
    return folder


@pytest.mark.parametrize("moved", [False, True])
def test_bridge_script_records_a_review_on_the_commit_it_was_given_on(git_office: Office, tmp_path: Path, moved: bool) -> None:
    o = git_office
    base = o.git("rev-parse", "HEAD").strip()
    o.git("checkout", "-q", "-b", "item/parking")
    item = o.new_item()
    seen = o.git("rev-parse", "HEAD").strip()
    if moved:  # the author pushes again after the reviewer looked
        path = o.path(item)
        path.write_text(path.read_text("utf-8") + "\n又补充了一句。\n", "utf-8")
        o.commit_all("zhang-wei", "补充")
    head = o.git("rev-parse", "HEAD").strip()
    work = tmp_path / "work"
    clone(o.root, work / "base", base)
    folder = bridge_event(tmp_path, o, base, head, commit_id=seen)
    code, text, outputs = run_step(script("review-bridge.yml", "bridge", "记录审核"), work, tmp_path, DIR=str(folder), HEAD_SHA=head,
                                   EVENT="pull_request_review", BRIDGE_NAME="sqmy-bridge", BRIDGE_EMAIL="bridge@sample.example")
    assert code == 0, text
    reply = (folder / "reply.txt").read_text("utf-8")
    if moved:
        assert outputs["code"] == "1"
        assert "分支此后又有推送" in reply
        assert subprocess.run(["git", "-C", str(work / "pr"), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip() == head
    else:
        assert outputs["code"] == "0"
        assert reply.startswith("已记录：初审 通过（李初）")
        log = subprocess.run(["git", "-C", str(work / "pr"), "log", "-1", "--format=%ae|%ce|%(trailers:key=Review-Stage,valueonly)"],
                             capture_output=True, text=True, check=True).stdout.strip()
        assert log == "li.chu@sample.example|bridge@sample.example|初审"


def test_required_check_script_reads_a_broken_registry_in_a_pull_request(git_office: Office, tmp_path: Path) -> None:
    o = git_office
    base = generated(o)
    o.git("checkout", "-q", "-b", "registry")
    office = o.root / "units" / "office.yml"
    office.write_text(office.read_text("utf-8").replace("transfer_due_days: 30", "transfer_due_days: 三十"), "utf-8")
    o.commit_all("li-chu", "改转办期限")
    work = tmp_path / "work"
    clone(o.root, work / "base", base)
    clone(o.root, work / "pr", "registry")
    code, text, _ = run_step(script("review-check.yml", "sqmy", CHECK_STEP), work, tmp_path, EVENT_NAME="pull_request_target")
    assert code == 1, text
    assert "units/office.yml" in text
    assert "·registry-invalid]" in text
