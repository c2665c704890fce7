"""Files generated from the registry: CODEOWNERS and Git's allowed-signers file, where the office's forge reads them.

`units/` is the one source of truth for who reviews what; these files are derived from it, and
`sqmy generate --check` fails when they are stale. `units/office.yml`'s `forge` (github, gitea or forgejo)
says which forge the repository lives on, and so which folder the files go into and how CODEOWNERS is written:

- GitHub reads `.github/CODEOWNERS`: gitignore-like globs, the last matching line wins, owners are GitHub logins.
- Gitea reads the first of `CODEOWNERS`, `docs/CODEOWNERS`, `.gitea/CODEOWNERS` (Forgejo also `.forgejo/CODEOWNERS`,
  after those three) from the base branch: each line is a Go regular expression that must match the whole path
  (Gitea compiles `^rule$`), `!rule` applies to a change with any file the expression does not match, a backslash
  escapes the next character (so a regex `\\.` is written `\\\\.`), and *every* matching line applies — there
  is no "last match wins". Owners are Gitea/Forgejo logins (people.yml `gitea`).

The list of generated files is GENERATORS: each takes (repo, registry, day, forge) and returns its files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import schema
from .fsutil import write_text
from .paths import Repo
from .protocol import allowed_signers
from .registry import Registry

FORGES: tuple[str, ...] = tuple(schema.schema("office")["properties"]["forge"]["enum"])  # github, gitea, forgejo
FORGE_NAMES = {"github": "GitHub", "gitea": "Gitea", "forgejo": "Forgejo"}
FOLDERS = {"github": ".github", "gitea": ".gitea", "forgejo": ".forgejo"}  # where each forge reads workflows and the rest
CODEOWNERS = Path(".github") / "CODEOWNERS"  # GitHub's; forge_path() gives each forge's
ALLOWED_SIGNERS = Path(".github") / "allowed_signers"
HEADER = "# 由 sqmy 根据 units/ 生成，请勿手工修改；改名册后运行 sqmy generate。"
# what an office owns besides its registry: top-level folders whose changes the office reviews (the forge's own is added)
OFFICE_FOLDERS = ("units", "templates")


def folder(forge: str) -> Path:
    """The forge's own folder in the repository: .github, .gitea or .forgejo."""
    return Path(FOLDERS[forge])


def forge_path(forge: str, name: str) -> Path:
    return folder(forge) / name


def _logins(reg: Registry, role: str, day: dt.date, forge: str) -> str:
    field = "github" if forge == "github" else "gitea"
    logins = sorted({f"@{getattr(p, field)}" for p in reg.holders(role, day) if getattr(p, field)})
    return " ".join(logins)


def codeowners(reg: Registry, day: dt.date, forge: str = "github") -> str:
    """Who the forge asks for review: 初审 reviewers for items, the office for everything else."""
    return _github_codeowners(reg, day) if forge == "github" else _gitea_codeowners(reg, day, forge)


def _github_codeowners(reg: Registry, day: dt.date) -> str:
    office = _logins(reg, schema.OFFICE, day, "github")
    first = _logins(reg, schema.FIRST, day, "github")
    lines = [HEADER, "# 信息由初审人员先审；名册、规则、模板和工作流由办公室负责。"]
    if office:
        lines.append(f"* {office}")
    if first:
        lines.append(f"/items/ {first}")
    if office:
        lines += [f"/{name}/ {office}" for name in (*OFFICE_FOLDERS, ".github")]
    return "\n".join(lines) + "\n"


def gitea_rule(path_prefix: str) -> str:
    """The CODEOWNERS rule (as written in the file) for everything under `path_prefix`/: a Go regular expression,
    its dots escaped for the regex and the backslash escaped again for Gitea's reading of the line."""
    return path_prefix.replace(".", "\\\\.") + "/.*"


def _gitea_codeowners(reg: Registry, day: dt.date, forge: str) -> str:
    office = _logins(reg, schema.OFFICE, day, forge)
    first = _logins(reg, schema.FIRST, day, forge)
    name = FORGE_NAMES[forge]
    lines = [
        HEADER,
        f"# {name} 的写法：每行一个 Go 正则表达式（须与整条路径完全匹配）和审核人的 {name} 账号（people.yml 的 gitea）；",
        "# 所有匹配的行都适用，不是“最后一条为准”。以 ! 开头的行在拉取请求改动了任何一个不匹配它的文件时适用：",
        "# 只改 items/ 下信息的拉取请求由初审人员审，其余改动（名册、规则、模板、工作流）都还要办公室审。",
    ]
    if office:
        lines.append(f"!{gitea_rule('items')} {office}")
    if first:
        lines.append(f"{gitea_rule('items')} {first}")
    if office:
        lines += [f"{gitea_rule(prefix)} {office}" for prefix in (*OFFICE_FOLDERS, FOLDERS[forge])]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Generated:
    path: Path
    text: str


Generator = Callable[[Repo, Registry, dt.date, str], list[Generated]]


def _codeowners_file(repo: Repo, reg: Registry, day: dt.date, forge: str) -> list[Generated]:
    return [Generated(repo.root / forge_path(forge, "CODEOWNERS"), codeowners(reg, day, forge))]


def _allowed_signers_file(repo: Repo, reg: Registry, day: dt.date, forge: str) -> list[Generated]:
    return [Generated(repo.root / forge_path(forge, "allowed_signers"), allowed_signers(reg, HEADER))]


def _issue_form_file(repo: Repo, reg: Registry, day: dt.date, forge: str) -> list[Generated]:
    """The form members submit a report with (提交社情民意信息): its units and key topics are the registry's."""
    from . import issueform  # noqa: PLC0415 - the form's module, used only here and by its tests

    return [Generated(repo.root / path, text) for path, text in issueform.files(reg, day, forge)]


# every file `sqmy generate` writes, in order; add a generator here to generate another file
GENERATORS: list[Generator] = [_codeowners_file, _allowed_signers_file, _issue_form_file]


def files(repo: Repo, reg: Registry, day: dt.date, forge: str | None = None) -> list[Generated]:
    """The generated files for `forge` (by default the one units/office.yml names)."""
    chosen = forge or reg.office.forge
    if chosen not in FORGES:
        raise ValueError(f"unknown forge {chosen!r}")
    return [made for generator in GENERATORS for made in generator(repo, reg, day, chosen)]


# where each forge looks for CODEOWNERS, first found wins (Gitea: services/issue/pull.go codeOwnerFiles; Forgejo adds its own last)
CODEOWNERS_LOOKUP = {
    "github": (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"),
    "gitea": ("CODEOWNERS", "docs/CODEOWNERS", ".gitea/CODEOWNERS"),
    "forgejo": ("CODEOWNERS", "docs/CODEOWNERS", ".gitea/CODEOWNERS", ".forgejo/CODEOWNERS"),
}


def shadowing(repo: Repo, forge: str) -> list[Path]:
    """Files the forge reads instead of the generated CODEOWNERS (it stops at the first it finds)."""
    ours = forge_path(forge, "CODEOWNERS").as_posix()
    lookup = CODEOWNERS_LOOKUP[forge]
    return [repo.root / name for name in lookup[: lookup.index(ours)] if (repo.root / name).is_file()]


def leftovers(repo: Repo, reg: Registry, day: dt.date, forge: str) -> list[Path]:
    """Files generated for another forge that this one does not read (left behind after a change of forge)."""
    wanted = {g.path for g in files(repo, reg, day, forge)}
    others = {g.path for other in FORGES if other != forge for g in files(repo, reg, day, other)}
    return sorted(p for p in others - wanted if p.is_file())


def stale(generated: list[Generated]) -> list[Generated]:
    return [g for g in generated if not g.path.is_file() or g.path.read_text("utf-8") != g.text]


def write(generated: list[Generated]) -> list[Generated]:
    changed = stale(generated)
    for g in changed:
        write_text(g.path, g.text)
    return changed
