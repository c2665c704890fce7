"""The files `sqmy init` puts where the office's forge reads them: GitHub's skeleton, and its Gitea/Forgejo version.

The skeleton's `github/` folder holds the GitHub workflows, the pull request template and the requirements file.
For Gitea (`.gitea/`) and Forgejo (`.forgejo/`) the same files are derived from them, so that there is one
workflow to maintain, by a few edits that the forges' documentation calls for (Gitea: docs.gitea.com
usage/actions/comparison; Forgejo: forgejo.org/docs user/actions):

- paths: `.github/` becomes the forge's folder. Gitea reads workflows from `.gitea/workflows` and only when that
  folder does not exist from `.github/workflows` (modules/actions/workflows.go, ListWorkflows); Forgejo from
  `.forgejo/workflows`. Pull request templates are read from `.gitea/` (and Forgejo's `.forgejo/`) too.
- keys the forge ignores are dropped so that nothing promises what does not happen: `concurrency`,
  `timeout-minutes` and `environment` (ignored by Gitea up to 1.25; the runner's own timeout applies).
  `permissions` stays: Gitea honours it from 1.26 on and it documents what each job needs.
- what only GitHub has is dropped: GitHub Pages (the deploy job and its artifact), `actions/setup-python` (it
  downloads Python from github.com; the runner image's python3 is used in a virtual environment instead), steps
  that call GitHub's API through `gh` (the required check's own commit status — on Gitea the job's status
  "信息审核检查 / sqmy (pull_request_target)" is posted on the pull request's head commit by the forge itself),
  and the reminder issues (GitHub's issue API; the group robot stays).
- `uses:` keeps the short, commit-pinned names (actions/checkout@<sha>): Gitea resolves them against
  DEFAULT_ACTIONS_URL, `github` or `self` since 1.21 (go-gitea/gitea#25581; `self` on an intranet: the actions
  mirrored into the instance's `actions` organisation), Forgejo against its DEFAULT_ACTIONS_URL (a URL,
  data.forgejo.org by default). mirrored_actions() lists what to mirror.
- `runs-on` becomes RUNNER_LABEL (Gitea supports a single label only; act_runner registers ubuntu-latest by default).

Workflows that rest on GitHub-only machinery (the review bridge: `gh`, the activity API, workflow_run) are not
derived: a file of the same name under the skeleton's `gitea/` folder is the forge's own version, and overrides a
derived one of the same name too. The forge's own files are written as they are, into `.gitea/` on Gitea and
`.forgejo/` on Forgejo: each must work on both (Forgejo reads `.gitea/` templates too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from . import defaults
from .generate import FOLDERS

SKELETON = defaults.FOLDER / "office"
GITHUB_ONLY = frozenset({"review-bridge.yml", "review-event.yml"})  # not derived: gitea/workflows/ has the forge's own
IGNORED_KEYS = ("concurrency", "timeout-minutes", "environment", "continue-on-error")  # ignored by Gitea (≤ 1.25)
GITHUB_ONLY_ACTIONS = ("actions/setup-python@", "actions/upload-pages-artifact@", "actions/deploy-pages@")
GITHUB_API_ENV = frozenset({"GH_TOKEN", "HAS_APP_TOKEN", "REPOSITORY", "BASE_SHA", "HEAD_SHA"})  # what only `gh` steps read
RUNNER_PYTHON = "python3"  # the runner image's Python (3.11 or newer, with venv)
RUNNER_LABEL = "ubuntu-latest"  # act_runner's first default label (Forgejo: register the runner with it)

_KEY = re.compile(r"^(?P<indent> *)(?P<dash>- +)?(?P<key>[\w-]+):")
_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)", re.M)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """The line after the block that starts at `start` (a key or list item at `indent`): every following line that
    is blank or indented deeper belongs to it; trailing blank lines do not."""
    end = start + 1
    last = start
    while end < len(lines):
        line = lines[end]
        if line.strip() and _indent(line) <= indent:
            break
        if line.strip():
            last = end
        end += 1
    return last + 1


def _drop(lines: list[str], start: int, end: int) -> list[str]:
    """Lines without [start, end) and the comment lines right above it at the same indentation."""
    indent = _indent(lines[start])
    first = start
    while first > 0 and lines[first - 1].strip().startswith("#") and _indent(lines[first - 1]) == indent:
        first -= 1
    return lines[:first] + lines[end:]


def _drop_keys(lines: list[str], keys: Iterable[str]) -> list[str]:
    wanted = set(keys)
    index = 0
    while index < len(lines):
        match = _KEY.match(lines[index])
        if match and not match["dash"] and match["key"] in wanted:
            lines = _drop(lines, index, _block_end(lines, index, len(match["indent"])))
            continue
        index += 1
    return lines


def _items(lines: list[str], parent: str) -> list[tuple[int, int, int]]:
    """(start, end, indent) of each entry under every `parent:` key: list items of `steps:`, keys of `jobs:`."""
    found: list[tuple[int, int, int]] = []
    for index, line in enumerate(lines):
        match = _KEY.match(line)
        if not match or match["dash"] or match["key"] != parent:
            continue
        end = _block_end(lines, index, len(match["indent"]))
        child = index + 1
        while child < end:
            if not lines[child].strip() or lines[child].strip().startswith("#"):
                child += 1
                continue
            indent = _indent(lines[child])
            child_end = _block_end(lines, child, indent)
            found.append((child, child_end, indent))
            child = child_end
    return found


def _drop_entries(lines: list[str], parent: str, unwanted: Callable[[str], bool]) -> list[str]:
    for start, end, _ in reversed(_items(lines, parent)):
        if unwanted("\n".join(lines[start:end])):
            lines = _drop(lines, start, end)
    return lines


def _github_only_step(text: str) -> bool:
    return any(f"uses: {action}" in text for action in GITHUB_ONLY_ACTIONS) or bool(
        re.search(r"(^|\s)gh (api|pr|run) ", text) or "--github-repo" in text)


def _install_step(lines: list[str]) -> list[str]:
    """`python -m pip install … -r FILE` (after setup-python) becomes a virtual environment of the runner's python3."""
    out: list[str] = []
    for line in lines:
        match = re.match(r"^(?P<indent> *)run: python -m pip install (?P<args>.*-r (?P<file>\S+))$", line)
        if not match:
            out.append(line)
            continue
        pad = match["indent"] + "  "
        out += [
            f"{match['indent']}run: | # zizmor: ignore[github-env] -- a fixed folder of the runner's, nothing from a pull request",
            f'{pad}{RUNNER_PYTHON} -m venv "$RUNNER_TEMP/sqmy"',
            f'{pad}"$RUNNER_TEMP/sqmy/bin/python" -m pip install {match["args"]}',
            f'{pad}echo "$RUNNER_TEMP/sqmy/bin" >> "$GITHUB_PATH"',
        ]
    return out


def _unused_env(lines: list[str]) -> list[str]:
    """The variables the dropped GitHub API steps read (GITHUB_API_ENV), where nothing else in the file uses them
    any more; every other variable stays (sqmy itself reads some, such as SQMY_WEBHOOK_SECRET)."""
    text = "\n".join(lines)
    index = 0
    while index < len(lines):
        match = _KEY.match(lines[index])
        if match and not match["dash"] and match["key"] == "env":
            end = _block_end(lines, index, len(match["indent"]))
            entry = index + 1
            while entry < end:
                key = _KEY.match(lines[entry])
                if key and not key["dash"] and _indent(lines[entry]) > len(match["indent"]) and key["key"] in GITHUB_API_ENV:
                    name = key["key"]
                    uses = len(re.findall(rf"(\${name}\b|\${{{name}}}|env\.{name}\b)", text))
                    if uses == 0:
                        entry_end = _block_end(lines, entry, _indent(lines[entry]))
                        lines = _drop(lines, entry, entry_end)
                        text = "\n".join(lines)
                        end = _block_end(lines, index, len(match["indent"]))
                        entry = index + 1  # the comments above it went too: look again from the top
                        continue
                entry += 1
            if end == index + 1:  # nothing left under env:
                lines = _drop(lines, index, end)
                continue
        index += 1
    return lines


def _unneeded_permissions(lines: list[str]) -> list[str]:
    """Write permissions that only the dropped GitHub-only steps needed."""
    text = "\n".join(lines)
    needs = {"statuses": "/statuses/" in text, "issues": "/issues" in text, "pages": False, "id-token": False}
    return [line for line in lines
            if not ((m := re.match(r"^\s+([\w-]+): write\b", line)) and m[1] in needs and not needs[m[1]])]


def _header(name: str, forge: str, forge_name: str) -> list[str]:
    return [
        f"# 由 sqmy init 为 {forge_name} 生成：sqmy 的 GitHub 工作流 {name} 的 {forge_name} 版本",
        f"# （路径改为 {FOLDERS[forge]}/；去掉了 {forge_name} 忽略的 concurrency、timeout-minutes，去掉了只有 GitHub 才有的",
        "# GitHub Pages、setup-python 和 GitHub API 步骤；用运行器镜像中的 python3 建虚拟环境安装 sqmy）。",
        f"# uses: 中的动作按 {forge_name} 的 DEFAULT_ACTIONS_URL 取得：内网中请把它们镜像到本平台（见 README）；",
        f"# 运行器须有标签 {RUNNER_LABEL}，镜像中有 python3（3.11 或更高，带 venv）和 git。",
    ]


def derive_workflow(name: str, text: str, forge: str, forge_name: str) -> str | None:
    """The forge's version of the GitHub workflow `name`, or None when it rests on GitHub-only machinery."""
    if forge == "github":
        return text
    if name in GITHUB_ONLY:
        return None
    lines = text.splitlines()
    body = next(i for i, line in enumerate(lines) if line.strip() and not line.startswith("#"))
    lines = lines[body:]  # the GitHub file's own introduction speaks of GitHub
    lines = _drop_entries(lines, "jobs", lambda job: "actions/deploy-pages@" in job)
    lines = _drop_entries(lines, "steps", _github_only_step)
    lines = _drop_keys(lines, IGNORED_KEYS)
    lines = _install_step(lines)
    lines = [re.sub(r"^(\s*runs-on:) \S+$", rf"\1 {RUNNER_LABEL}", line) for line in lines]
    lines = _unused_env(lines)
    lines = _unneeded_permissions(lines)
    lines = [line for i, line in enumerate(lines) if line.strip() or (i > 0 and lines[i - 1].strip())]  # one blank line at most
    derived = "\n".join([*_header(name, forge, forge_name), *lines]).rstrip("\n") + "\n"
    return forge_paths(derived, forge)


def forge_paths(text: str, forge: str) -> str:
    """`.github/` (and, for Forgejo, `.gitea/`) written as the forge's folder."""
    text = text.replace(".github/", f"{FOLDERS[forge]}/")
    if forge == "forgejo":
        text = text.replace(".gitea/", ".forgejo/")
    return text


def uses(text: str) -> list[str]:
    """The actions a workflow uses, as written."""
    return _USES.findall(text)


def target(relative: Path, forge: str) -> Path | None:
    """Where a skeleton file goes for `forge` (None: not for this forge). github/ is .github/ on GitHub and the
    source of the derived files elsewhere; gitea/ is .gitea/ on Gitea and .forgejo/ on Forgejo."""
    parts = list(relative.parts)
    if parts[0] == "github":
        parts[0] = FOLDERS[forge]
    elif parts[0] == "gitea":
        if forge == "github":
            return None
        parts[0] = FOLDERS[forge]
    elif parts[0] == "site":
        parts[:1] = ["templates", "site"]
    elif parts == ["gitignore"]:
        parts = [".gitignore"]
    if parts[-1].endswith(".j2"):
        parts[-1] = parts[-1].removesuffix(".j2")
    return Path(*parts)


def skeleton(forge: str, root: Path = SKELETON) -> dict[str, Path]:
    """Each office file for `forge` (POSIX path) and the skeleton file (under `root`) it is made from; a file
    under gitea/ wins over the one derived from github/ for the same place."""
    chosen: dict[str, Path] = {}
    paths = [p for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    for path in sorted(paths, key=lambda p: p.relative_to(root).parts[0] == "gitea"):  # gitea/ last: it wins
        relative = path.relative_to(root)
        where = target(relative, forge)
        if where is None:
            continue
        if relative.parts[0] == "github" and forge != "github" and relative.parent.name == "workflows" and relative.name in GITHUB_ONLY:
            continue
        chosen[where.as_posix()] = path
    return chosen


def mirrored_actions(forge: str, root: Path = SKELETON) -> list[str]:
    """Every `uses:` of the workflows `sqmy init` writes for `forge` (derived and the forge's own), sorted."""
    found: set[str] = set()
    for where, source in skeleton(forge, root).items():
        if "/workflows/" not in where:
            continue
        text = source.read_text("utf-8")
        if source.relative_to(root).parts[0] == "github":
            derived = derive_workflow(source.name, text, forge, forge)
            if derived is None:
                continue
            text = derived
        found.update(uses(text))
    return sorted(found)
