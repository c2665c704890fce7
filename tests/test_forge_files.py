"""Gitea and Forgejo as first-class forges: what `sqmy init --forge` and `sqmy generate` write for them, checked offline.

What differs from GitHub, from the forges' own sources and documentation (and asserted below):

- Folders. Gitea reads workflows from `.gitea/workflows` and, only when that folder does not exist, from
  `.github/workflows` (modules/actions/workflows.go, ListWorkflows); Forgejo from `.forgejo/workflows`. Pull
  request templates: `.gitea/pull_request_template.md` (Forgejo also `.forgejo/`).
- CODEOWNERS. Gitea reads the first of CODEOWNERS, docs/CODEOWNERS, .gitea/CODEOWNERS; Forgejo then also
  .forgejo/CODEOWNERS (services/issue/pull.go). Each line is `<Go regexp> @login…`; the rule is compiled as
  `^rule$` (the whole path), `!rule` applies when a changed file does *not* match, a backslash escapes the next
  character of the line (TokenizeCodeOwnersLine: so the regex `\\.` is written `\\\\.`), `#` starts a comment, and
  every matching rule applies (there is no "last match wins": getMatchingCodeOwnerRules collects all).
- Workflow keys. Gitea (docs.gitea.com usage/actions/comparison, up to 1.25) ignores `concurrency`,
  `permissions` (until 1.26), `timeout-minutes`, `continue-on-error`, `environment`, and supports only
  `runs-on: label` or `[label]`. `uses:` without a host is fetched from DEFAULT_ACTIONS_URL (Gitea: github or self;
  Forgejo: a URL, data.forgejo.org by default).
- Status checks. A job's commit status is "<workflow name> / <job name> (<event>)" on the pull request's head
  commit, also for pull_request_target (services/actions/commit_status.go).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from sqmy import forgefiles, generate
from sqmy.cli import main
from sqmy.paths import Repo

from .conftest import REPO, TODAY

BIN = Path(sys.executable).parent
PEOPLE = {  # id -> (name, email, login, role)
    "li-ming": ("李明", "li.ming@example.org", "liming", "办公室"),
    "zhao-gang": ("赵刚", "zhao.gang@example.org", "zhaogang", "初审"),
    "qian-hong": ("钱红", "qian.hong@example.org", "qianhong", "复审"),
    "sun-li": ("孙立", "sun.li@example.org", "sunli", "审定"),
}


def answers(forge: str) -> str:
    key = "github" if forge == "github" else "gitea"
    return (f"county: 商南县\nforge: {forge}\nsqmy_package: sqmy @ https://git.example.org/sqmy-0.1.0-py3-none-any.whl\npeople:\n"
            + "".join(f"  {role}: {{id: {pid}, name: {name}, email: {email}, {key}: {login}}}\n"
                      for pid, (name, email, login, role) in PEOPLE.items()))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def offices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """One office made by `sqmy init` for each forge."""
    made: dict[str, Path] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        mp.setenv("SQMY_TODAY", TODAY)
        for who in ("AUTHOR", "COMMITTER"):
            mp.setenv(f"GIT_{who}_DATE", f"{TODAY}T12:00:00+08:00")
        for forge in generate.FORGES:
            folder = tmp_path_factory.mktemp(forge)
            (folder / "answers.yml").write_text(answers(forge), "utf-8")
            result = run("init", str(folder / "office"), "--answers", str(folder / "answers.yml"))
            assert result.exit_code == 0, result.output
            made[forge] = folder / "office"
        yield made


def tracked(root: Path) -> set[str]:
    return set(subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout.splitlines())


def workflows(root: Path, forge: str) -> list[Path]:
    return sorted((root / generate.FOLDERS[forge] / "workflows").glob("*.yml"))


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is a test dependency (pyproject.toml [test])"
    return found


def keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from keys(value)


# --- where each forge's files go ---------------------------------------------------------------------


@pytest.mark.parametrize("forge", generate.FORGES)
def test_each_forge_gets_its_files_where_it_reads_them(offices: dict[str, Path], forge: str) -> None:
    root = offices[forge]
    own = generate.FOLDERS[forge]
    files = tracked(root)
    for name in ("CODEOWNERS", "allowed_signers", "pull_request_template.md", "sqmy-requirements.txt",
                 "workflows/review-check.yml", "workflows/site.yml", "workflows/stats.yml", "workflows/remind.yml",
                 "workflows/review-bridge.yml"):
        assert f"{own}/{name}" in files, name
    others = [folder for folder in generate.FOLDERS.values() if folder != own]
    assert not [f for f in files if f.split("/")[0] in others]  # Gitea would ignore .github/workflows beside .gitea/workflows
    assert (f"{own}/workflows/review-event.yml" in files) == (forge == "github")  # the GitHub bridge's helper only
    office = yaml.safe_load((root / "units" / "office.yml").read_text("utf-8"))
    assert office["forge"] == forge  # the one source of truth
    people = yaml.safe_load((root / "units" / "people.yml").read_text("utf-8"))
    login = "github" if forge == "github" else "gitea"
    assert {p["id"]: p[login] for p in people} == {pid: entry[2] for pid, entry in PEOPLE.items()}
    assert run("--root", str(root), "validate").exit_code == 0
    check = run("--root", str(root), "generate", "--check")
    assert check.exit_code == 0, check.output
    requirements = (root / own / "sqmy-requirements.txt").read_text("utf-8")
    assert f"{own}/workflows/" in requirements
    assert not any(f"{folder}/" in requirements for folder in others)
    readme = (root / "README.md").read_text("utf-8")
    assert f"`{own}/workflows/`" in readme


def test_the_github_office_is_what_it_was(offices: dict[str, Path]) -> None:
    """GitHub's files are the skeleton's, unchanged: the forge's own version is only for Gitea and Forgejo."""
    root = offices["github"]
    for path in sorted((forgefiles.SKELETON / "github" / "workflows").glob("*.yml")):
        assert (root / ".github" / "workflows" / path.name).read_text("utf-8") == path.read_text("utf-8")
    assert "/items/ @zhaogang" in (root / ".github" / "CODEOWNERS").read_text("utf-8")


def test_a_file_of_the_forges_own_overrides_the_derived_one(tmp_path: Path) -> None:
    """gitea/ wins over what is derived from github/ for the same place, and lands in .gitea/ or .forgejo/."""
    skeleton = tmp_path / "skeleton"
    shutil.copytree(forgefiles.SKELETON, skeleton)
    (skeleton / "gitea" / "workflows").mkdir(parents=True, exist_ok=True)
    own = skeleton / "gitea" / "workflows" / "site.yml"
    own.write_text("name: 归档网站\n", "utf-8")
    for forge, folder in (("gitea", ".gitea"), ("forgejo", ".forgejo")):
        chosen = forgefiles.skeleton(forge, skeleton)
        assert chosen[f"{folder}/workflows/site.yml"] == own
        assert chosen[f"{folder}/workflows/stats.yml"] == skeleton / "github" / "workflows" / "stats.yml"
        assert f"{folder}/workflows/review-event.yml" not in chosen
    assert forgefiles.skeleton("github", skeleton)[".github/workflows/site.yml"] == skeleton / "github" / "workflows" / "site.yml"
    shutil.rmtree(skeleton / "gitea")  # nothing of the forge's own: every workflow but the GitHub-only ones derived
    chosen = forgefiles.skeleton("gitea", skeleton)
    github = {p.name for p in (skeleton / "github" / "workflows").glob("*.yml")}
    assert {"remind.yml", "review-check.yml", "site.yml", "stats.yml"} <= github - forgefiles.GITHUB_ONLY
    assert sorted(p for p in chosen if "/workflows/" in p) == sorted(f".gitea/workflows/{name}" for name in github - forgefiles.GITHUB_ONLY)
    assert all(chosen[f".gitea/workflows/{name}"].parent == skeleton / "github" / "workflows" for name in github - forgefiles.GITHUB_ONLY)


def test_the_forges_own_bridge_is_routed(offices: dict[str, Path]) -> None:
    own = forgefiles.SKELETON / "gitea" / "workflows" / "review-bridge.yml"
    if not own.is_file():
        pytest.skip("no Gitea review bridge in the skeleton yet")
    assert (offices["gitea"] / ".gitea" / "workflows" / "review-bridge.yml").read_text("utf-8") == own.read_text("utf-8")
    assert (offices["forgejo"] / ".forgejo" / "workflows" / "review-bridge.yml").read_text("utf-8") == own.read_text("utf-8")


# --- the workflows, offline ---------------------------------------------------------------------------


@pytest.mark.parametrize("forge", ["gitea", "forgejo"])
def test_the_forges_workflows_pass_the_offline_checks(offices: dict[str, Path], forge: str) -> None:
    files = workflows(offices[forge], forge)
    assert len(files) >= 5
    schema = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, files)],
                            capture_output=True, text=True, check=False)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run([tool("zizmor"), "--offline", "--no-progress", *map(str, files)], capture_output=True, text=True, check=False)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings to report" in audit.stdout + audit.stderr


@pytest.mark.parametrize("forge", ["gitea", "forgejo"])
def test_derived_workflows_hold_nothing_the_forge_ignores_or_lacks(offices: dict[str, Path], forge: str) -> None:
    root = offices[forge]
    own = generate.FOLDERS[forge]
    sources = forgefiles.skeleton(forge)
    derived = [p for p in workflows(root, forge) if sources[f"{own}/workflows/{p.name}"].parent.parent.name == "github"]
    assert {"review-check.yml", "site.yml", "stats.yml", "remind.yml"} <= {p.name for p in derived}
    github = {p.name: yaml.safe_load(p.read_text("utf-8")) for p in (forgefiles.SKELETON / "github" / "workflows").glob("*.yml")}
    for path in derived:
        text = path.read_text("utf-8")
        data = yaml.safe_load(text)
        assert not set(keys(data)) & set(forgefiles.IGNORED_KEYS), path.name  # nothing that promises what does not happen
        assert ".github/" not in text
        assert "github.com" not in text.replace("users.noreply.github.com", "")
        assert not re.search(r"(^|\s)gh (api|pr|run) ", text), path.name  # GitHub's CLI and API
        assert not any(action in text for action in forgefiles.GITHUB_ONLY_ACTIONS), path.name  # GitHub Pages, setup-python
        assert data["name"] == github[path.name]["name"]  # the status names stay those of the README
        assert data["permissions"] == {"contents": "read"}
        for job_id, job in data["jobs"].items():
            assert job["runs-on"] == forgefiles.RUNNER_LABEL  # Gitea supports only a single label
            wanted = github[path.name]["jobs"][job_id].get("permissions", {"contents": "read"})
            assert set(job.get("permissions", {}).items()) <= set(wanted.items())  # never more than on GitHub
            runs = "\n".join(step.get("run", "") for step in job["steps"])
            for line in (x for x in runs.splitlines() if "pip install" in x):
                assert line.rstrip().endswith((f"-r base/{own}/sqmy-requirements.txt", f"-r {own}/sqmy-requirements.txt")), line
        steps = [s for job in data["jobs"].values() for s in job["steps"]]
        assert any("python3 -m venv" in s.get("run", "") for s in steps)  # the runner's own Python, no download from github.com
    remind = yaml.safe_load((root / own / "workflows" / "remind.yml").read_text("utf-8"))
    env = next(s for s in remind["jobs"]["remind"]["steps"] if s.get("name") == "发到群机器人")["env"]
    assert set(env) == {"SQMY_WEBHOOK_URL", "SQMY_WEBHOOK_SECRET", "INTERNAL"}  # what sqmy itself reads stays
    assert "--github-repo" not in (root / own / "workflows" / "remind.yml").read_text("utf-8")
    site = yaml.safe_load((root / own / "workflows" / "site.yml").read_text("utf-8"))
    assert set(site["jobs"]) == {"build"}  # no GitHub Pages


@pytest.mark.parametrize("forge", ["gitea", "forgejo"])
def test_uses_are_pinned_short_names_the_mirror_resolves_and_the_readme_lists(offices: dict[str, Path], forge: str) -> None:
    used = sorted({u for path in workflows(offices[forge], forge) for u in forgefiles.uses(path.read_text("utf-8"))})
    assert used == forgefiles.mirrored_actions(forge)
    assert used
    for action in used:  # resolved against DEFAULT_ACTIONS_URL: the mirror in the instance's own `actions` organisation
        assert re.fullmatch(r"actions/[\w.-]+@[0-9a-f]{40}", action), action
    section = (REPO / "README.md").read_text("utf-8").split("## 在内网 Gitea / Forgejo 上使用", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"`(actions/[\w.-]+@[0-9a-f]{40})`", section)
    assert sorted(listed) == used  # exactly as the workflows use them
    office_readme = (offices[forge] / "README.md").read_text("utf-8")
    assert all(f"`{action}`" in office_readme for action in used)


def test_the_required_check_keeps_its_trust_and_its_status_name(offices: dict[str, Path]) -> None:
    data = yaml.safe_load((offices["gitea"] / ".gitea" / "workflows" / "review-check.yml").read_text("utf-8"))
    assert set(data[True]) == {"pull_request_target", "push"}  # YAML 1.1 reads "on" as true
    job = data["jobs"]["sqmy"]
    status = f"{data['name']} / {job['name']} (pull_request_target)"  # as Gitea names a job's status
    assert status == "信息审核检查 / sqmy (pull_request_target)"
    readme = (REPO / "README.md").read_text("utf-8").split("## 在内网 Gitea / Forgejo 上使用", 1)[1].split("\n## ", 1)[0]
    assert status in readme
    assert status in (offices["gitea"] / "README.md").read_text("utf-8")
    base, pr = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert (base["with"]["path"], pr["with"]["path"]) == ("base", "pr")
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "sqmy --rules-from ../base validate" in runs
    assert "sqmy audit --since refs/sqmy/base" in runs
    for step in job["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")


@pytest.mark.parametrize("forge", ["gitea", "forgejo"])
def test_the_derived_check_script_runs_in_the_forges_office(offices: dict[str, Path], forge: str, tmp_path: Path) -> None:
    """The check step of the forge's required check, run with bash on main of a real office: its generated files
    (in .gitea/ or .forgejo/, read by `sqmy generate --check`) agree with its registry."""
    data = yaml.safe_load((offices[forge] / generate.FOLDERS[forge] / "workflows" / "review-check.yml").read_text("utf-8"))
    script = next(s["run"] for s in data["jobs"]["sqmy"]["steps"] if s.get("name") == "检查信息、名册和审核记录")
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(offices[forge]), str(work / "base")], check=True)
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
           "SQMY_TODAY": TODAY, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "EVENT_NAME": "push"}
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=work, env=env, capture_output=True, text=True, check=False)
    text = summary.read_text("utf-8") + result.stdout + result.stderr
    assert result.returncode == 0, text
    assert "生成的文件与名册一致" in text
    assert "failed=0" in output.read_text("utf-8")
    (work / "base" / generate.FOLDERS[forge] / "CODEOWNERS").write_text("!items/.* @someone\n", "utf-8")
    again = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=work, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 1
    assert f"{generate.FOLDERS[forge]}/CODEOWNERS 与名册不一致" in summary.read_text("utf-8")


# --- CODEOWNERS as Gitea reads it ---------------------------------------------------------------------


def gitea_tokens(line: str) -> list[str]:
    """Gitea's TokenizeCodeOwnersLine: `\\` escapes the next character, `#` ends the line, spaces separate."""
    tokens: list[str] = []
    token, escape = "", False
    for char in line.strip().replace("\t", " "):
        if escape:
            token, escape = token + char, False
        elif char == "\\":
            escape = True
        elif char == "#":
            break
        elif char == " ":
            if token:
                tokens.append(token)
            token = ""
        else:
            token += char
    return [*tokens, token] if token else tokens


def owners(codeowners: str, changed: list[str]) -> set[str]:
    """Who Gitea asks (and, with code owners required, needs): every rule that matches a changed file, `^rule$`,
    a `!rule` when a changed file does not match it."""
    found: set[str] = set()
    for line in codeowners.splitlines():
        tokens = gitea_tokens(line)
        if len(tokens) < 2:
            continue
        negative = tokens[0].startswith("!")
        rule = re.compile(f"^{tokens[0].removeprefix('!')}$")  # Python's re reads these patterns as Go's regexp does
        if any(bool(rule.match(path)) != negative for path in changed):
            found.update(t.removeprefix("@") for t in tokens[1:])
    return found


@pytest.mark.parametrize("forge", ["gitea", "forgejo"])
def test_codeowners_is_go_regexps_read_the_way_gitea_reads_them(offices: dict[str, Path], forge: str) -> None:
    own = generate.FOLDERS[forge]
    text = (offices[forge] / own / "CODEOWNERS").read_text("utf-8")
    rules = [gitea_tokens(line) for line in text.splitlines() if gitea_tokens(line)]
    assert rules == [["!items/.*", "@liming"], ["items/.*", "@zhaogang"], ["units/.*", "@liming"], ["templates/.*", "@liming"],
                     [f"\\{own}/.*", "@liming"]]
    for rule, *_ in rules:
        re.compile(f"^{rule.removeprefix('!')}$")
        assert not rule.startswith(("/", "!/"))  # older Gitea does not strip a leading slash: it would never match
    assert owners(text, ["items/2026/2026-0301-liming-1.md"]) == {"zhaogang"}  # the negative rule does not apply
    assert owners(text, ["units/people.yml"]) == {"liming"}
    assert owners(text, [f"{own}/workflows/review-check.yml"]) == {"liming"}
    assert owners(text, ["items/2026/a.md", "units/people.yml"]) == {"liming", "zhaogang"}  # every matching rule applies
    assert owners(text, ["README.md"]) == {"liming"}  # anything else: the office, through the negative rule
    unescaped = text.replace(f"\\\\{own}", own).replace("!items/.* @liming\n", "")
    assert owners(unescaped, [f"x{own[1:]}/evil.yml"]) == {"liming"}  # an unescaped dot matches any character…
    assert owners(text.replace("!items/.* @liming\n", ""), [f"x{own[1:]}/evil.yml"]) == set()  # …the written rule only a dot


def test_github_codeowners_is_unchanged_by_the_forge_field(offices: dict[str, Path]) -> None:
    text = (offices["github"] / ".github" / "CODEOWNERS").read_text("utf-8")
    assert text.splitlines()[2:] == ["* @liming", "/items/ @zhaogang", "/units/ @liming", "/templates/ @liming", "/.github/ @liming"]


# --- sqmy generate and the recorded forge -------------------------------------------------------------


def copy(office: Path, tmp_path: Path) -> Path:
    root = tmp_path / "office"
    shutil.copytree(office, root)
    return root


def test_generate_refuses_another_forge_than_the_recorded_one(offices: dict[str, Path], tmp_path: Path) -> None:
    root = copy(offices["gitea"], tmp_path)
    refused = run("--root", str(root), "generate", "--forge", "github")
    assert refused.exit_code == 2
    assert "units/office.yml 记录的代码托管平台是 gitea" in refused.stderr
    assert "forge 改为 github" in refused.stderr
    assert not (root / ".github").exists()
    same = run("--root", str(root), "generate", "--forge", "gitea", "--check")
    assert same.exit_code == 0, same.output


def test_changing_the_forge_in_office_yml_moves_the_generated_files(offices: dict[str, Path], tmp_path: Path) -> None:
    root = copy(offices["github"], tmp_path)
    people = root / "units" / "people.yml"
    people.write_text(people.read_text("utf-8").replace("  github: zhaogang\n", "  github: zhaogang\n  gitea: zhao.g\n"), "utf-8")
    office = root / "units" / "office.yml"
    office.write_text(office.read_text("utf-8").replace("forge: github", "forge: gitea"), "utf-8")
    stale = run("--root", str(root), "generate", "--check")
    assert stale.exit_code == 1
    assert ".gitea/CODEOWNERS 与名册不一致" in stale.output
    assert ".github/CODEOWNERS 是为别的代码托管平台生成的" in stale.output
    made = run("--root", str(root), "generate")
    assert made.exit_code == 0, made.output
    assert "已更新 .gitea/CODEOWNERS" in made.output
    codeowners = (root / ".gitea" / "CODEOWNERS").read_text("utf-8")
    assert "items/.* @zhao.g" in codeowners  # Gitea logins only: the others have none yet
    assert "@liming" not in codeowners
    assert (root / ".gitea" / "allowed_signers").is_file()


def test_forgejo_reads_a_gitea_codeowners_first_and_the_check_says_so(offices: dict[str, Path], tmp_path: Path) -> None:
    root = copy(offices["forgejo"], tmp_path)
    (root / ".gitea").mkdir()
    (root / ".gitea" / "CODEOWNERS").write_text(".* @someone\n", "utf-8")
    check = run("--root", str(root), "generate", "--check")
    assert check.exit_code == 1
    assert ".gitea/CODEOWNERS 使 Forgejo 不读取生成的 .forgejo/CODEOWNERS" in check.output
    assert generate.shadowing(Repo(root), "gitea") == []  # Gitea reads .gitea/CODEOWNERS itself


# --- answers ------------------------------------------------------------------------------------------


def test_a_wrong_forge_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.yml"
    path.write_text(answers("gitea").replace("forge: gitea", "forge: gitlab"), "utf-8")
    result = run("init", str(tmp_path / "office"), "--answers", str(path))
    assert result.exit_code == 2
    assert f"{path}:2: 错误：forge 应为 github、gitea、forgejo 之一" in result.stderr
    assert not (tmp_path / "office").exists()


def test_init_options_give_the_forge_and_its_logins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    people = [x for option, (pid, (name, email, login, _)) in zip(("--clerk", "--first", "--second", "--final"), PEOPLE.items(), strict=True)
              for x in (option, f"{pid},{name},{email},{login}")]
    result = run("init", str(tmp_path / "office"), "--county", "雁塔区", "--forge", "forgejo",
                 "--sqmy-package", "sqmy @ https://git.example.org/sqmy.whl", *people)
    assert result.exit_code == 0, result.output
    assert "推送到 Forgejo 后" in result.output
    registry = yaml.safe_load((tmp_path / "office" / "units" / "people.yml").read_text("utf-8"))
    assert [(p.get("gitea"), p.get("github")) for p in registry] == [(entry[2], None) for entry in PEOPLE.values()]
    assert "items/.* @zhaogang" in (tmp_path / "office" / ".forgejo" / "CODEOWNERS").read_text("utf-8")
    bad = run("init", str(tmp_path / "other"), "--forge", "gitea", "--clerk", "li-ming,李明")
    assert bad.exit_code == 2
    assert "应写作“编号,姓名,邮箱[,Gitea账号]”" in bad.stderr


def test_the_derived_check_script_passes_a_clean_pull_request_in_a_gitea_office(offices: dict[str, Path], tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The pull request path of the forge's required check: an item and its 初审 on a branch, judged against main."""
    root = copy(offices["gitea"], tmp_path)
    for name, value in (("GIT_CONFIG_GLOBAL", "/dev/null"), ("GIT_CONFIG_NOSYSTEM", "1")):
        monkeypatch.setenv(name, value)
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_DATE", f"{TODAY}T12:00:00+08:00")

    def acting(person: str) -> None:
        name, email, _, _ = PEOPLE[person]
        for who in ("AUTHOR", "COMMITTER"):
            monkeypatch.setenv(f"GIT_{who}_NAME", name)
            monkeypatch.setenv(f"GIT_{who}_EMAIL", email)

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout

    base = git("rev-parse", "HEAD").strip()
    git("checkout", "-q", "-b", "item/road")
    acting("li-ming")
    made = run("--root", str(root), "new", "--title", "关于加强农村道路交通安全管理的建议", "--author", "li-ming",
               "--category", "公共安全", "--focus", "民之关切", "--source", "委员调研")
    assert made.exit_code == 0, made.output
    item = Path(made.stdout.strip().splitlines()[-1]).stem
    git("add", "-A")
    git("commit", "-q", "-m", "新信息：农村道路交通安全")
    acting("zhao-gang")
    reviewed = run("--root", str(root), "review", item, "初审", "通过")
    assert reviewed.exit_code == 0, reviewed.output
    data = yaml.safe_load((root / ".gitea" / "workflows" / "review-check.yml").read_text("utf-8"))
    script = next(s["run"] for s in data["jobs"]["sqmy"]["steps"] if s.get("name") == "检查信息、名册和审核记录")
    work = tmp_path / "work"
    for folder, rev in (("base", base), ("pr", "item/road")):
        subprocess.run(["git", "clone", "-q", str(root), str(work / folder)], check=True)
        subprocess.run(["git", "-C", str(work / folder), "checkout", "-q", "--detach", rev], check=True)
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
           "SQMY_TODAY": TODAY, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "EVENT_NAME": "pull_request_target"}
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=work, env=env, capture_output=True, text=True, check=False)
    text = summary.read_text("utf-8") + result.stdout + result.stderr
    assert result.returncode == 0, text
    assert "未发现违规" in text
    assert f"## {item}" in text
    assert "待复审" in text


def test_the_commands_offer_the_forges_the_schema_allows() -> None:
    import click  # noqa: PLC0415 - only this test reads the commands' options

    from sqmy.cli import office, reviews  # noqa: PLC0415

    for command in (office.init, reviews.generate):
        option = next(p for p in command.params if p.name == "forge")
        assert isinstance(option.type, click.Choice)
        assert tuple(option.type.choices) == generate.FORGES
